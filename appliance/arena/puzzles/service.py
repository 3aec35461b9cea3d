"""Puzzles: authoring, who may read, edit and delete what (§3.4), the visibility workflow
with its validator check, and the sample puzzles. No HTTP here.

The validator check (§3.4, the intended rule): after a puzzle in ``draft``, ``ready`` or
``review`` is saved with at least 10 validators, its reference solution runs on every
validator; all pass → ``ready``, otherwise → ``draft``. Fewer validators → ``draft`` at
once. A save cannot make a puzzle ``ready`` by itself (a ``ready`` that was not ready stays
``draft`` until the check passes), but a ready puzzle stays ready while it is re-checked and
is demoted if its solution now fails. The check runs in the background, one task per puzzle
(a newer save cancels the older check), and its verdict is stored only if the puzzle was not
saved again meanwhile; each validator keeps its run as ``testResult``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from appliance.arena.accounts.models import Principal
from appliance.arena.accounts.service import AccountService
from appliance.arena.errors import arena_error
from appliance.arena.execution import ExecutionFailure, ExecutionService, ExecutorBusy
from appliance.arena.languages.service import LanguageService
from appliance.arena.puzzles.models import (
    CHECKED,
    DELETABLE,
    VALIDATORS_REQUIRED,
    CreateBody,
    Puzzle,
    PuzzleBody,
    Validator,
    ValidatorBody,
)
from appliance.arena.puzzles.samples import SAMPLE_AUTHOR, SAMPLE_SET, read_samples, sample_rows
from appliance.arena.puzzles.store import PuzzleRepository, PuzzleRow
from appliance.arena.wire import PageQuery, is_id, new_id
from appliance.platform.clock import utc_now

log = logging.getLogger(__name__)

NOT_FOUND = "Puzzle not found"
CHECK_TIMEOUT_SECONDS = 60.0
"""A check still running after this is given up (the puzzle stays or becomes ``draft``)."""
BUSY_RETRIES = 5
"""Times a check waits for a full execution queue before giving up."""


def _not_found() -> Exception:
    return arena_error(404, NOT_FOUND)


def _test_result(result: Any) -> dict[str, Any]:
    """A validator's ``testResult``: Piston's ``run`` and ``compile`` blocks (CodinCod's)."""
    wire = result.wire()
    return {key: wire[key] for key in ("run", "compile") if key in wire}


class PuzzleService:
    def __init__(
        self,
        store: PuzzleRepository,
        accounts: AccountService,
        languages: LanguageService,
        execution: ExecutionService,
    ) -> None:
        self.store = store
        self.accounts = accounts
        self.languages = languages
        self.execution = execution
        self._checks: dict[str, asyncio.Task[None]] = {}

    # -- reads ----------------------------------------------------------------------------------

    async def page(self, query: PageQuery) -> tuple[list[Puzzle], int]:
        """Every puzzle, whatever its visibility (as CodinCod), author populated."""
        return await self.store.page(query.offset, query.page_size)

    async def of_user(
        self, username: str, viewer: Principal | None, query: PageQuery
    ) -> tuple[list[Puzzle], int]:
        """A user's puzzles: all of them for the user themself, the approved ones for anyone
        else; 404 for an unknown user."""
        account = await self.accounts.by_username(username)
        if account is None:
            raise arena_error(404, "User not found")
        own = viewer is not None and viewer.account_id == account.id
        return await self.store.page(
            query.offset,
            query.page_size,
            author_id=account.id,
            visibility=None if own else "approved",
        )

    async def get(self, puzzle_id: str, *, solution: bool = False) -> Puzzle:
        """A puzzle by id, any visibility; 404 also for a malformed id."""
        if not is_id(puzzle_id):
            raise _not_found()
        puzzle = await self.store.get(puzzle_id, solution=solution)
        if puzzle is None:
            raise _not_found()
        return puzzle

    async def solution(self, principal: Principal, puzzle_id: str) -> Puzzle:
        """The whole puzzle with its solution, for its author or a moderator."""
        puzzle = await self.get(puzzle_id, solution=True)
        if puzzle.author_id != principal.account_id and not principal.is_moderator:
            raise arena_error(403, "Not authorized to view this puzzle's solution")
        return puzzle

    # -- writes ---------------------------------------------------------------------------------

    async def create(self, principal: Principal, body: CreateBody) -> Puzzle:
        """A new draft by the caller: intermediate, no validators, an empty solution."""
        puzzle_id = new_id()
        row = PuzzleRow(
            title=body.title,
            statement=None,
            constraints=None,
            difficulty="intermediate",
            visibility="draft",
            solution_code="",
            solution_language_id=None,
            tags=[],
            moderation_feedback=None,
        )
        await self.store.add(puzzle_id, principal.account_id, row, utc_now())
        return await self.get(puzzle_id, solution=True)

    async def update(self, principal: Principal, puzzle_id: str, body: PuzzleBody) -> Puzzle:
        """Save the author's (or a moderator's) edit; see the module for the visibility."""
        old = await self.get(puzzle_id, solution=True)
        moderator = principal.is_moderator
        if old.author_id != principal.account_id and not moderator:
            raise arena_error(403, "Not authorized to edit this puzzle")
        if body.visibility == "approved" and not moderator:
            raise arena_error(403, "Only moderators can approve puzzles")
        language_id = body.solution.language_id
        if language_id is not None and not await self.store.language_exists(language_id):
            raise arena_error(400, "Unknown programming language")

        now = utc_now()
        same_solution = (body.solution.code, language_id) == (
            old.solution_code,
            old.solution_language_id,
        )
        validators = (
            _merge_validators(old.validators, body.validators, now, keep_results=same_solution)
            if body.validators is not None
            else [item if same_solution else _untested(item) for item in old.validators]
        )
        visibility = body.visibility
        check = False
        if visibility in CHECKED:
            if len(validators) < VALIDATORS_REQUIRED:
                visibility = "draft"
            else:
                check = True
                if visibility == "ready" and old.visibility != "ready":
                    visibility = "draft"  # ready only once the check passes
        row = PuzzleRow(
            title=body.title,
            statement=body.statement if body.given("statement") else old.statement,
            constraints=body.constraints if body.given("constraints") else old.constraints,
            difficulty=body.difficulty,
            visibility=visibility,
            solution_code=body.solution.code,
            solution_language_id=language_id,
            tags=list(body.tags) if body.tags is not None else old.tags,
            moderation_feedback=(
                body.moderation_feedback
                if moderator and body.given("moderation_feedback")
                else old.moderation_feedback
            ),
        )
        if not await self.store.replace(puzzle_id, row, validators, now):
            raise _not_found()
        if check:
            self._schedule_check(puzzle_id, now)
        return await self.get(puzzle_id)

    async def delete(self, principal: Principal, puzzle_id: str) -> None:
        """The author deletes a draft or ready puzzle (moderators cannot: CodinCod's rule)."""
        puzzle = await self.get(puzzle_id)
        if puzzle.author_id != principal.account_id:
            raise arena_error(403, "Not authorized to delete this puzzle")
        if puzzle.visibility not in DELETABLE:
            raise arena_error(
                403,
                f"A puzzle that is {puzzle.visibility} cannot be deleted; please contact support",
            )
        self._cancel_check(puzzle_id)
        await self.store.delete(puzzle_id)

    async def moderate(
        self, puzzle_id: str, visibility: str, feedback: str | None = None
    ) -> Puzzle:
        """A moderator's verdict (§3.10): the puzzle becomes ``visibility`` (``approved``, or
        ``revise`` with ``feedback`` as its ``moderationFeedback``), whatever it was; a check
        under way is dropped. 404 for an unknown puzzle."""
        if not is_id(puzzle_id):
            raise _not_found()
        self._cancel_check(puzzle_id)
        if not await self.store.moderated(puzzle_id, visibility, feedback, utc_now()):
            raise _not_found()
        return await self.get(puzzle_id)

    # -- the validator check --------------------------------------------------------------------

    def checking(self, puzzle_id: str) -> bool:
        """Whether a check of the puzzle is under way."""
        return puzzle_id in self._checks

    def _schedule_check(self, puzzle_id: str, version: datetime) -> None:
        self._cancel_check(puzzle_id)
        task = asyncio.create_task(self._check(puzzle_id, version), name=f"check {puzzle_id}")
        self._checks[puzzle_id] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._checks.get(puzzle_id) is done:
                del self._checks[puzzle_id]

        task.add_done_callback(forget)

    def _cancel_check(self, puzzle_id: str) -> None:
        task = self._checks.pop(puzzle_id, None)
        if task is not None:
            task.cancel()

    async def _check(self, puzzle_id: str, version: datetime) -> None:
        try:
            puzzle = await self.store.get(puzzle_id, solution=True)
            if puzzle is None or puzzle.updated_at != version:
                return  # gone, or saved again (that save scheduled its own check)
            if puzzle.visibility not in CHECKED:
                return
            try:
                async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                    results = await self._judge(puzzle)
            except TimeoutError:
                log.warning("arena puzzle %s: the check took too long", puzzle_id)
                results = {}
            passed = len(results) == len(puzzle.validators) and all(
                ok for ok, _ in results.values()
            )
            verdict = "ready" if passed else "draft"
            stored = await self.store.judged(
                puzzle_id,
                version,
                verdict,
                {
                    item.id: results[item.id][1] if item.id in results else None
                    for item in puzzle.validators
                },
            )
            if stored:
                log.info("arena puzzle %s checked: %s", puzzle_id, verdict)
        except Exception:  # a background task: log it, never lose it silently
            log.exception("arena puzzle %s: the check failed", puzzle_id)

    async def _judge(self, puzzle: Puzzle) -> dict[str, tuple[bool, dict[str, Any]]]:
        """Run the reference solution on every validator: for each validator's id, whether it
        passed and its run; empty when the solution cannot be run."""
        language = puzzle.solution_language
        code = puzzle.solution_code or ""
        if language is None or not code.strip():
            return {}
        tests = [(item.input, item.output) for item in puzzle.validators]
        for attempt in range(BUSY_RETRIES + 1):
            try:
                summary = await self.execution.run_tests(language.language, code, tests)
                break
            except ExecutorBusy as busy:
                if attempt == BUSY_RETRIES:
                    log.warning("arena puzzle %s: the executor stayed busy", puzzle.id)
                    return {}
                await asyncio.sleep(max(1, busy.retry_after_seconds))
            except ExecutionFailure as failure:
                log.warning("arena puzzle %s: the solution could not run: %s", puzzle.id, failure)
                return {}
        return {
            item.id: (outcome.passed, _test_result(outcome.result))
            for item, outcome in zip(puzzle.validators, summary.tests, strict=True)
        }

    async def stop(self) -> None:
        """Cancel the checks under way (their puzzles keep the visibility they were saved
        with; the next save checks again)."""
        tasks = list(self._checks.values())
        self._checks.clear()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- samples --------------------------------------------------------------------------------

    async def seed_samples(self) -> int:
        """Add the sample puzzles (``data/samples.json``) once per data dir, by the arena's
        own account, their solutions in the language the file names (as installed now).
        How many were added (0 when they were added before). Samples added while the
        executor could not name that language get it at a later start."""
        samples = read_samples()
        try:
            language = await self.languages.by_name(samples.language)
        except ExecutionFailure:
            language = None
        if await self.store.seeded(SAMPLE_SET):
            author = await self.accounts.by_username(SAMPLE_AUTHOR)
            if language is not None and author is not None:
                await self.store.fill_solution_language(author.id, language.id)
            return 0
        author_principal = await self.accounts.system_account(SAMPLE_AUTHOR)
        if author_principal is None:
            log.warning("arena samples: %r is a person's account; no sample puzzles", SAMPLE_AUTHOR)
            return 0
        if language is None:
            log.warning("arena samples: no %s to run their solutions yet", samples.language)
        now = utc_now()
        puzzles = sample_rows(samples, language.id if language else None, now)
        if not await self.store.seed(SAMPLE_SET, author_principal.account_id, puzzles, now):
            return 0
        log.info("arena samples: %d puzzles added", len(puzzles))
        return len(puzzles)


def _untested(validator: Validator) -> Validator:
    return Validator(
        validator.id, validator.input, validator.output, validator.created_at, validator.updated_at
    )


def _merge_validators(
    old: Sequence[Validator], given: Sequence[ValidatorBody], now: datetime, *, keep_results: bool
) -> list[Validator]:
    """The validators a PUT sends, each keeping the identity and dates of the stored one with
    its ``_id`` (and its test result when neither it nor the solution changed)."""
    stored = {item.id: item for item in old}
    merged: list[Validator] = []
    seen: set[str] = set()
    for item in given:
        previous = stored.get(item.id_) if item.id_ and item.id_ not in seen else None
        if previous is None:
            merged.append(Validator(new_id(), item.input, item.output, now, now))
            continue
        seen.add(previous.id)
        unchanged = (previous.input, previous.output) == (item.input, item.output)
        merged.append(
            Validator(
                previous.id,
                item.input,
                item.output,
                previous.created_at,
                previous.updated_at if unchanged else now,
                previous.test_result if unchanged and keep_results else None,
            )
        )
    return merged
