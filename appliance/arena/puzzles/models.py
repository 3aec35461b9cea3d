"""The shapes of CodinCod's puzzles (codincod-contract.md §3.4, §6 Puzzle): what is stored, the
bodies of ``POST`` and ``PUT /puzzle``, and the document the routes answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal, cast, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from appliance.arena.accounts.models import AuthorDto
from appliance.arena.comments.models import CommentDto
from appliance.arena.languages.models import Language, LanguageDto
from appliance.arena.wire import IsoDate, Wire, is_id

Difficulty = Literal["beginner", "intermediate", "advanced", "expert"]
Visibility = Literal["draft", "ready", "review", "revise", "approved", "inactive", "archived"]
Tag = Literal[
    "algorithms",
    "data_structures",
    "mathematics",
    "strings",
    "arrays",
    "math",
    "graph_theory",
    "dynamic_programming",
]
VISIBILITIES: tuple[str, ...] = get_args(Visibility)

CHECKED: frozenset[str] = frozenset({"draft", "ready", "review"})
"""Visibilities the validator check moves between ``ready`` and ``draft`` (§3.4)."""
DELETABLE: frozenset[str] = frozenset({"draft", "ready"})
"""Visibilities in which an author may delete their puzzle."""
VALIDATORS_REQUIRED = 10
"""Validators a puzzle needs before its reference solution is checked (§3.4)."""

TITLE_MIN, TITLE_MAX = 4, 128
STATEMENT_MAX = 2048
CONSTRAINTS_MAX = 256
FEEDBACK_MAX = 2048
VALIDATORS_MAX = 100
VALIDATOR_TEXT_MAX = 16 * 1024
"""Characters of one validator's input and of its expected output."""
CODE_MAX = 64 * 1024
"""Characters of the reference solution (``POST /execute`` takes as much)."""


# -- stored -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Validator:
    """One test of a puzzle: stdin and the expected output (both right-trimmed), and the
    reference solution's last run on it (Piston's ``{run, compile?}``), if checked."""

    id: str
    input: str
    output: str
    created_at: datetime
    updated_at: datetime
    test_result: dict[str, Any] | None = None


@dataclass(frozen=True)
class Puzzle:
    """A stored puzzle. ``author`` is set when the author was joined in (populated);
    ``validators`` are read with one puzzle, not with a page of them (empty there);
    ``solution_code`` only when the solution was asked for, and ``solution_language`` then
    too when it has one."""

    id: str
    author_id: str
    title: str
    statement: str | None
    constraints: str | None
    difficulty: str
    visibility: str
    tags: list[str]
    moderation_feedback: str | None
    created_at: datetime
    updated_at: datetime
    validators: list[Validator] = field(default_factory=list)
    author: AuthorDto | None = None
    solution_code: str | None = None
    solution_language_id: str | None = None
    solution_language: Language | None = None


# -- requests -----------------------------------------------------------------------------------

Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=TITLE_MIN, max_length=TITLE_MAX)
]


class CreateBody(BaseModel):
    """``POST /puzzle``: only the title (4–128 characters); anything else is ignored."""

    model_config = ConfigDict(extra="ignore")

    title: Title


class ValidatorBody(BaseModel):
    """A validator in ``PUT /puzzle/:id``: ``input`` and ``output``, right-trimmed. ``_id``
    keeps an existing validator's identity; its dates and ``testResult`` are the server's
    (accepted, not required, not taken)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id_: str | None = Field(None, alias="_id")
    input: str = Field(max_length=VALIDATOR_TEXT_MAX)
    output: str = Field(max_length=VALIDATOR_TEXT_MAX)
    created_at: datetime | None = Field(None, alias="createdAt")
    updated_at: datetime | None = Field(None, alias="updatedAt")
    test_result: dict[str, Any] | None = Field(None, alias="testResult")

    @field_validator("input", "output")
    @classmethod
    def _right_trimmed(cls, value: str) -> str:
        return value.rstrip()


class LanguageRef(BaseModel):
    """A populated language reference: only its ``_id`` counts."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id_: str = Field(alias="_id")


class SolutionBody(BaseModel):
    """The reference solution: ``code`` ("" by default) and its ``programmingLanguage``, an
    id or a language object with ``_id``."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    code: str = Field("", max_length=CODE_MAX)
    programming_language: str | LanguageRef | None = Field(None, alias="programmingLanguage")

    @field_validator("programming_language")
    @classmethod
    def _language_id(cls, value: str | LanguageRef | None) -> str | LanguageRef | None:
        language_id = value.id_ if isinstance(value, LanguageRef) else value
        if language_id is not None and not is_id(language_id):
            raise ValueError("must be a programming language id")
        return value

    @property
    def language_id(self) -> str | None:
        value = self.programming_language
        return value.id_ if isinstance(value, LanguageRef) else value


def _empty_is_none(value: Any) -> Any:
    return None if value == "" else value


class PuzzleBody(BaseModel):
    """``PUT /puzzle/:id`` (§3.4): the puzzle minus its author; unknown keys are dropped.

    ``difficulty`` and ``visibility`` take their defaults when omitted (CodinCod's); the other
    optional fields keep their stored value when omitted; ``comments`` is never written here
    (CodinCod's PUT emptied it: fixed); ``moderationFeedback`` is a moderator's to write.
    """

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    title: Title
    statement: str | None = Field(None, max_length=STATEMENT_MAX)
    constraints: str | None = Field(None, max_length=CONSTRAINTS_MAX)
    validators: list[ValidatorBody] | None = Field(None, max_length=VALIDATORS_MAX)
    difficulty: Difficulty = "intermediate"
    visibility: Visibility = "draft"
    solution: SolutionBody
    tags: list[Tag] | None = Field(None, max_length=len(get_args(Tag)))
    moderation_feedback: str | None = Field(
        None, alias="moderationFeedback", max_length=FEEDBACK_MAX
    )
    created_at: datetime | None = Field(None, alias="createdAt")
    updated_at: datetime | None = Field(None, alias="updatedAt")

    _blank = field_validator("statement", "constraints", "moderation_feedback", mode="before")(
        _empty_is_none
    )

    @field_validator("tags")
    @classmethod
    def _unique_tags(cls, value: list[str] | None) -> list[str] | None:
        return list(dict.fromkeys(value)) if value is not None else None

    def given(self, name: str) -> bool:
        """Whether the body carried ``name`` (an omitted optional field keeps its value)."""
        return name in self.model_fields_set


# -- answers ------------------------------------------------------------------------------------


class ValidatorDto(Wire):
    id_: str = Field(alias="_id")
    input: str
    output: str
    created_at: IsoDate = Field(alias="createdAt")
    updated_at: IsoDate = Field(alias="updatedAt")
    test_result: dict[str, Any] | None = Field(None, alias="testResult")


class SolutionDto(Wire):
    code: str
    programming_language: str | LanguageDto | None = Field(None, alias="programmingLanguage")


class PuzzleDto(Wire):
    """A puzzle as CodinCod sends it: ``author`` an id or populated, ``comments`` (its
    top-level comments) populated one level in ``GET /puzzle/:id`` and empty elsewhere,
    ``solution`` only where the contract shows it; unset optional fields are left out.
    Items of a list of puzzles carry no ``validators`` (a list stays one query; read a
    puzzle by id for them)."""

    id_: str = Field(alias="_id")
    title: str
    statement: str | None = None
    constraints: str | None = None
    author: str | AuthorDto
    validators: list[ValidatorDto] | None = None
    difficulty: Difficulty
    visibility: Visibility
    solution: SolutionDto | None = None
    tags: list[Tag]
    comments: list[str | CommentDto] = Field(default_factory=list)
    moderation_feedback: str | None = Field(None, alias="moderationFeedback")
    created_at: IsoDate = Field(alias="createdAt")
    updated_at: IsoDate = Field(alias="updatedAt")

    @classmethod
    def of(
        cls,
        puzzle: Puzzle,
        *,
        populated: bool = True,
        solution: bool = False,
        validators: bool = True,
    ) -> PuzzleDto:
        """``populated``: the author as ``{_id, username, profile?, role}`` (when joined in);
        ``solution``: include the solution (its language populated when known);
        ``validators``: include them (not in lists)."""
        answer = cls.model_construct(
            id_=puzzle.id,
            title=puzzle.title,
            statement=puzzle.statement,
            constraints=puzzle.constraints,
            author=puzzle.author if populated and puzzle.author else puzzle.author_id,
            validators=[
                ValidatorDto.model_construct(
                    id_=item.id,
                    input=item.input,
                    output=item.output,
                    created_at=item.created_at,
                    updated_at=item.updated_at,
                    test_result=item.test_result,
                )
                for item in puzzle.validators
            ]
            if validators
            else None,
            difficulty=cast(Difficulty, puzzle.difficulty),
            visibility=cast(Visibility, puzzle.visibility),
            solution=None,
            tags=cast(list[Tag], list(puzzle.tags)),
            comments=[],
            moderation_feedback=puzzle.moderation_feedback,
            created_at=puzzle.created_at,
            updated_at=puzzle.updated_at,
        )
        if solution:
            language: str | LanguageDto | None = puzzle.solution_language_id
            if populated and puzzle.solution_language is not None:
                language = LanguageDto.of(puzzle.solution_language)
            answer.solution = SolutionDto.model_construct(
                code=puzzle.solution_code or "", programming_language=language
            )
        return answer

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)
