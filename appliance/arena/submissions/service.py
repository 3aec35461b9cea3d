"""Arena submissions (codincod-contract.md §3.7, §8, §3.2 activity): judge a player's code on
every validator of a puzzle, keep the code and its result, and read them back.

Decisions where CodinCod is buggy or vague:

* the owner of a submission is the token's user; a body whose ``userId`` names someone else
  is refused (403), one naming the caller or none is accepted (§3.7 QUIRK fixed);
* malformed ids answer 404 like unknown ones (never 500); an unknown submission is 404
  ``{error: "Submission not found"}`` (CodinCod answers 400, §11.7; the frontend only checks
  ``ok``);
* who may read a submission's code: its owner, a moderator, and — because CodinCod's game
  standings fetch the other players' submissions to show their code — any signed-in user
  once the submission is linked to a game (its ``game_id`` is set, by the games' routes).
  Anyone else gets 403 ``{error: "Not authorized to view this submission"}``. Without a
  game, someone's code on a puzzle is theirs: CodinCod lets any user read it (§3.7 QUIRK).

No HTTP here.
"""

from __future__ import annotations

from collections.abc import Iterable

from appliance.arena.accounts.models import Principal, UserDto
from appliance.arena.accounts.service import AccountService
from appliance.arena.errors import arena_error
from appliance.arena.execution import ExecutionFailure, ExecutionService, UnsupportedLanguage
from appliance.arena.languages.models import LanguageDto
from appliance.arena.languages.service import LanguageService, execution_refusal
from appliance.arena.puzzles.models import Puzzle, PuzzleDto
from appliance.arena.puzzles.service import PuzzleService
from appliance.arena.submissions.models import (
    ActivityDto,
    Submission,
    SubmissionBody,
    SubmissionCreated,
    SubmissionDto,
    SubmissionSummaryDto,
    UserActivity,
)
from appliance.arena.submissions.store import SubmissionRepository
from appliance.arena.wire import PageQuery, is_id, new_id
from appliance.platform.clock import utc_now

SUBMISSION_NOT_FOUND = "Submission not found"
INVALID_LANGUAGE = "Invalid programming language"


class SubmissionService:
    def __init__(
        self,
        repository: SubmissionRepository,
        execution: ExecutionService,
        languages: LanguageService,
        puzzles: PuzzleService,
        accounts: AccountService,
    ) -> None:
        self.repository = repository
        self.execution = execution
        self.languages = languages
        self.puzzles = puzzles
        self.accounts = accounts

    # -- POST /submission -----------------------------------------------------------------------

    async def submit(self, principal: Principal, body: SubmissionBody) -> SubmissionCreated:
        """Run ``body.code`` once per validator of the puzzle (concurrently, within the
        execution queue's bounds), score it (§8) and store it as the caller's."""
        if body.user_id is not None and body.user_id != principal.account_id:
            raise arena_error(403, "userId does not match the signed-in user", error="Forbidden")
        puzzle = await self.puzzles.get(body.puzzle_id)  # 404, also for a malformed id
        tests = [(validator.input, validator.output) for validator in puzzle.validators]
        if not tests:
            raise arena_error(400, "Puzzle has no validators")
        language = await self.languages.by_id(body.programming_language_id)
        if language is None:
            raise arena_error(400, INVALID_LANGUAGE)
        try:
            summary = await self.execution.run_tests(language.language, body.code, tests)
        except UnsupportedLanguage:
            raise arena_error(
                400, f"Unsupported language: {language.language}", error="Unsupported language"
            ) from None
        except ExecutionFailure as failure:
            raise execution_refusal(failure) from None
        submission = Submission(
            id=new_id(),
            puzzle_id=puzzle.id,
            account_id=principal.account_id,
            language_id=language.id,
            code=body.code,
            result=summary.result,
            success_rate=summary.successRate,
            passed=summary.passed,
            failed=summary.failed,
            total=summary.total,
            game_id=None,
            created_at=utc_now(),
        )
        await self.repository.add(submission)
        return SubmissionCreated.of(submission, LanguageDto.of(language))

    async def _languages(self, ids: Iterable[str]) -> dict[str, LanguageDto]:
        """The stored languages of ``ids`` (an unknown one is left out: shown as its id)."""
        found: dict[str, LanguageDto] = {}
        for language_id in set(ids):
            language = await self.languages.by_id(language_id)
            if language is not None:
                found[language_id] = LanguageDto.of(language)
        return found

    # -- GET /submission/:id --------------------------------------------------------------------

    async def read(self, principal: Principal, submission_id: str) -> SubmissionDto:
        """The submission with its code, for those who may read it (see the module)."""
        submission = await self.repository.by_id(submission_id) if is_id(submission_id) else None
        if submission is None:
            raise arena_error(404, SUBMISSION_NOT_FOUND)
        if not (
            submission.account_id == principal.account_id
            or principal.is_moderator
            or submission.game_id is not None
        ):
            raise arena_error(403, "Not authorized to view this submission", error="Forbidden")
        languages = await self._languages([submission.language_id])
        return SubmissionDto.with_code(submission, languages.get(submission.language_id))

    # -- GET /user/:username/activity -----------------------------------------------------------

    async def activity(self, username: str) -> UserActivity:
        """A user's record, approved puzzles and every submission (without code)."""
        account = await self.accounts.by_username(username)
        if account is None:
            raise arena_error(404, "User not found")
        submissions = await self.repository.of_account(account.id)
        languages = await self._languages(s.language_id for s in submissions)
        puzzles = await self._approved_puzzles(username)
        return UserActivity(
            message="User activity found",
            user=UserDto.of(account),
            activity=ActivityDto(
                puzzles=[PuzzleDto.of(puzzle).wire() for puzzle in puzzles],
                submissions=[
                    SubmissionSummaryDto.of(s, languages.get(s.language_id)) for s in submissions
                ],
            ),
        )

    async def _approved_puzzles(self, username: str) -> list[Puzzle]:
        """Every approved puzzle of the user, oldest first, author populated (page by page:
        the puzzles context pages its lists)."""
        found: list[Puzzle] = []
        page = 1
        while True:
            query = PageQuery(page=page, page_size=100)
            puzzles, total = await self.puzzles.of_user(username, None, query)
            found.extend(puzzles)
            if not puzzles or len(found) >= total:
                return found
            page += 1
