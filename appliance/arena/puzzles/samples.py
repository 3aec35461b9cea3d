"""The sample puzzles a fresh install starts with (``data/samples.json``): approved, each with
at least 10 validators and a Python reference solution, authored by the arena's own account.
Added once per data dir (``arena_seeds`` remembers it), when ``seed_samples`` is on."""

from __future__ import annotations

from datetime import datetime
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

from appliance.arena.puzzles.models import (
    CONSTRAINTS_MAX,
    STATEMENT_MAX,
    VALIDATOR_TEXT_MAX,
    VALIDATORS_MAX,
    VALIDATORS_REQUIRED,
    Difficulty,
    Tag,
    Title,
    Validator,
)
from appliance.arena.puzzles.store import PuzzleRow
from appliance.arena.wire import new_id

SAMPLE_SET = "puzzles"
"""The name ``arena_seeds`` keeps the sample puzzles under."""
SAMPLE_AUTHOR = "codincod"
"""The arena's own account, which authors them (nobody can sign in as it)."""


class SampleValidator(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: str = Field(max_length=VALIDATOR_TEXT_MAX)
    output: str = Field(max_length=VALIDATOR_TEXT_MAX)


class Sample(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    statement: str = Field(min_length=1, max_length=STATEMENT_MAX)
    constraints: str = Field(min_length=1, max_length=CONSTRAINTS_MAX)
    difficulty: Difficulty
    tags: list[Tag]
    solution: str = Field(min_length=1)
    validators: list[SampleValidator] = Field(
        min_length=VALIDATORS_REQUIRED, max_length=VALIDATORS_MAX
    )


class Samples(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: str
    """The solutions' language (a name the executor knows)."""
    puzzles: list[Sample]


def read_samples() -> Samples:
    text = resources.files("appliance.arena.puzzles").joinpath("data", "samples.json").read_text()
    return Samples.model_validate_json(text)


def sample_rows(
    samples: Samples, language_id: str | None, now: datetime
) -> list[tuple[str, PuzzleRow, list[Validator]]]:
    """The sample puzzles to store: fresh ids, approved, solutions in ``language_id``."""
    return [
        (
            new_id(),
            PuzzleRow(
                title=sample.title,
                statement=sample.statement,
                constraints=sample.constraints,
                difficulty=sample.difficulty,
                visibility="approved",
                solution_code=sample.solution,
                solution_language_id=language_id,
                tags=list(sample.tags),
                moderation_feedback=None,
            ),
            [
                Validator(new_id(), item.input.rstrip(), item.output.rstrip(), now, now)
                for item in sample.validators
            ],
        )
        for sample in samples.puzzles
    ]
