"""Each CodinCod document as the arena's rows (codincod-contract.md §6), one function per
collection: ``plan_<collection>(document, lookups) → Plan`` (the statements that write it, in
order) or :class:`Invalid` (why it cannot be imported). The importer runs a plan in one
transaction with the document's ``arena_legacy_ids`` entry.

What CodinCod's own data migrations changed is read in both forms:

- users: ``roles: [..]`` (before ``role``) becomes the highest of them (admin > moderator >
  user); emails are lower-cased; the bcrypt hash is kept, marked ``legacy$`` so the platform
  checks it as plain bcrypt and rehashes it at the first login;
- languages: a puzzle's solution, a submission or a game's ``allowedLanguages`` may name a
  language by string (``"python"``, ``"python 3.12.0"``, or ``language`` and
  ``languageVersion`` fields) instead of a ProgrammingLanguage reference: it is resolved to an
  arena language by name or alias (the version when given, else the newest), and a language
  the arena does not know is added (its version the one given, else ``legacy``).

Dates are ``$date`` (naive UTC here), ISO text or epoch milliseconds; a missing creation date
is the ObjectId's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from appliance.arena import tables as sql
from appliance.arena.accounts.models import is_username
from appliance.arena.games.scoring import MODES
from appliance.arena.preferences.models import EDITOR_FLAGS, MAX_BLOCKED, MAX_LANGUAGE
from appliance.arena.wire import new_id
from appliance.platform.auth.service import LEGACY_BCRYPT

ROLES = ("admin", "moderator", "user")  # highest first
DIFFICULTIES = ("beginner", "intermediate", "advanced", "expert")
VISIBILITIES = ("draft", "ready", "review", "revise", "approved", "inactive", "archived")
PROBLEM_TYPES = ("puzzle", "user", "comment", "game_chat")
REPORT_STATUSES = ("pending", "resolved", "rejected")
BAN_TYPES = ("temporary", "permanent")
DEFAULT_DURATION = 900
UNKNOWN_VERSION = "legacy"
_HEX = re.compile(r"[0-9a-fA-F]{24}")
_BCRYPT = re.compile(r"\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}")


class Invalid(Exception):
    """The document cannot be imported; ``reason`` says why (shown in the report)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Skipped(Exception):
    """The document is fine but not imported (what it holds is here already)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Plan:
    """What one document writes: the id of its row (kept, or the row it maps to) and the
    statements, run in order in one transaction."""

    new_id: str
    statements: list[Any] = field(default_factory=list)


class Lookups(Protocol):
    """What a plan needs to know of the store (the importer answers from its transaction)."""

    def account(self, account_id: str) -> str | None:
        """The account's username, or None when there is no such account."""

    def user_taken(self, username: str, email: str | None) -> str | None:
        """Which of the two another user has (``"username"``, ``"email"``), or None."""

    def puzzle(self, puzzle_id: str) -> int | None:
        """The puzzle's number of validators, or None when there is no such puzzle."""

    def comment_thread(self, comment_id: str) -> str | None:
        """The puzzle whose thread holds the comment, or None when there is no such comment."""

    def game(self, game_id: str) -> bool: ...

    def language(self, legacy_id: str) -> str | None:
        """The arena language a ProgrammingLanguage id became (or is), or None."""

    def language_named(self, name: str, version: str | None) -> str | None: ...

    def has_preferences(self, account_id: str) -> bool: ...

    def has_metrics(self, account_id: str) -> bool: ...

    def has_vote(self, comment_id: str, account_id: str) -> bool: ...


@dataclass
class Legacy:
    """What one document's import needs of other collections of the export (read first)."""

    current_bans: dict[str, str] = field(default_factory=dict)
    """user id → their ``currentBan`` (users.json): set when that ban is imported."""
    parents: dict[str, str] = field(default_factory=dict)
    """comment id → the puzzle or comment whose ``comments[]`` lists it (for comments
    without ``parentId``)."""
    puzzle_ids: set[str] = field(default_factory=set)
    rated_until: dict[str, datetime] = field(default_factory=dict)
    """user id → ``lastProcessedGameDate`` (usermetrics.json): games that ended by then were
    counted by CodinCod's ratings."""


# -- values --------------------------------------------------------------------------------


def oid(value: Any) -> str | None:
    """An id as the arena writes it (24 lower-case hex) from an ObjectId, its text, or a
    populated ``{_id}``; None for anything else."""
    if isinstance(value, dict):
        value = value.get("_id")
    if value is None:
        return None
    text = str(value) if type(value).__name__ == "ObjectId" else value
    if isinstance(text, str) and _HEX.fullmatch(text):
        return text.lower()
    return None


def when(value: Any) -> datetime | None:
    """A naive-UTC datetime from ``$date``, ISO text or epoch milliseconds."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return when(parsed)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, UTC).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def number(value: Any, default: float = 0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return float(value)


def integer(value: Any, default: int = 0) -> int:
    return int(number(value, default))


def text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[Any]:
    """A list field (anything else, absent or ``null`` included, as an empty list)."""
    return value if isinstance(value, list) else []


def _id_of(document: dict[str, Any]) -> str:
    found = oid(document.get("_id"))
    if found is None:
        raise Invalid("_id is missing or not an ObjectId")
    return found


def _created(document: dict[str, Any], key: str = "createdAt") -> datetime:
    moment = when(document.get(key))
    if moment is not None:
        return moment
    raw = document.get("_id")
    generation = getattr(raw, "generation_time", None)  # an ObjectId's seconds
    if isinstance(generation, datetime):
        return generation.astimezone(UTC).replace(tzinfo=None)
    return datetime(1970, 1, 1)


def _dates(document: dict[str, Any]) -> tuple[datetime, datetime]:
    created = _created(document)
    return created, when(document.get("updatedAt")) or created


def _need_account(lookups: Lookups, value: Any, what: str) -> str:
    account_id = oid(value)
    if account_id is None:
        raise Invalid(f"{what} is missing or not an id")
    if lookups.account(account_id) is None:
        raise Invalid(f"{what} {account_id} is not an imported user")
    return account_id


def _account_or_none(lookups: Lookups, value: Any) -> str | None:
    account_id = oid(value)
    return account_id if account_id and lookups.account(account_id) is not None else None


class Languages:
    """A document's language references resolved, with the rows a string named that the
    arena does not have (added in the document's transaction)."""

    def __init__(self, lookups: Lookups, plan: Plan, moment: datetime) -> None:
        self.lookups = lookups
        self.plan = plan
        self.moment = moment
        self.added: dict[tuple[str, str], str] = {}

    def resolve(self, reference: Any, version: Any = None) -> str | None:
        """A ProgrammingLanguage id (or populated object), or a language string — ``python``,
        ``python 3.12.0``, ``python@3.12.0`` — with an optional separate version."""
        if isinstance(reference, dict) and reference.get("language") and not oid(reference):
            return self.resolve(reference.get("language"), reference.get("version"))
        legacy_id = oid(reference)
        if legacy_id is not None:
            return self.lookups.language(legacy_id)
        if not isinstance(reference, str) or not reference.strip():
            return None
        parts = re.split(r"[ @:]", reference.strip(), maxsplit=1)
        name = parts[0].lower()
        given = text(version) or (parts[1] if len(parts) > 1 else None)
        given = given.strip() if given else None
        found = self.lookups.language_named(name, given)
        if found is not None:
            return found
        key = (name, given or UNKNOWN_VERSION)
        if key not in self.added:
            self.added[key] = new_id()
            self.plan.statements.append(
                sql.languages.insert().values(
                    id=self.added[key],
                    language=key[0][:64],
                    version=key[1][:64],
                    aliases=[],
                    runtime=None,
                    created_at=self.moment,
                    updated_at=self.moment,
                )
            )
        return self.added[key]


# -- collections ---------------------------------------------------------------------------


def plan_programminglanguages(document: dict[str, Any], lookups: Lookups) -> Plan:
    language_id = _id_of(document)
    name, version = text(document.get("language")), text(document.get("version"))
    if not name or not version:
        raise Invalid("language and version are required")
    existing = lookups.language_named(name.strip().lower(), version.strip())
    if existing is not None:  # the executor already offers it: the old id points there
        return Plan(existing)
    created, updated = _dates(document)
    aliases = [a for a in items(document.get("aliases")) if isinstance(a, str)]
    return Plan(
        language_id,
        [
            sql.languages.insert().values(
                id=language_id,
                language=name.strip().lower()[:64],
                version=version.strip()[:64],
                aliases=aliases,
                runtime=text(document.get("runtime")),
                created_at=created,
                updated_at=updated,
            )
        ],
    )


def _role(document: dict[str, Any]) -> str:
    roles = document.get("roles")
    given = roles if isinstance(roles, list) else [roles]
    names = {str(role).lower() for role in given if isinstance(role, str)}
    if isinstance(document.get("role"), str):
        names.add(document["role"].lower())
    return next((role for role in ROLES if role in names), "user")


def _profile(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {}
    profile: dict[str, Any] = {
        key: value[key]
        for key in ("picture", "bio", "location")
        if isinstance(value.get(key), str) and value[key]
    }
    socials = [item for item in items(value.get("socials")) if isinstance(item, str) and item]
    if socials:
        profile["socials"] = socials
    return profile


def plan_users(document: dict[str, Any], lookups: Lookups) -> Plan:
    user_id = _id_of(document)
    username = text(document.get("username"))
    if not username or not is_username(username):
        raise Invalid("username is missing or not 3–20 of A-Z a-z 0-9 _ -")
    email = text(document.get("email"))
    email = email.strip().lower() if email and email.strip() else None
    if email is not None and (len(email) > 320 or "@" not in email):
        raise Invalid("email is not an address")
    taken = lookups.user_taken(username, email)
    if taken:
        raise Invalid(f"{taken} is taken by another user of this appliance")
    password = text(document.get("password"))
    if password is not None and not _BCRYPT.fullmatch(password):
        raise Invalid("password is not a bcrypt hash")
    created, updated = _dates(document)
    return Plan(
        user_id,
        [
            sql.users.insert().values(
                id=user_id,
                username=username,
                email=email,
                password_hash=LEGACY_BCRYPT + password if password else None,
                role=_role(document),
                must_change_password=False,
                created_at=created,
                updated_at=updated,
            ),
            sql.accounts.insert().values(
                id=user_id,
                user_id=user_id,
                profile=_profile(document.get("profile")),
                report_count=max(0, integer(document.get("reportCount"))),
                ban_count=max(0, integer(document.get("banCount"))),
                current_ban_id=None,  # set with the ban (userbans)
                created_at=created,
                updated_at=updated,
            ),
        ],
    )


def plan_userbans(document: dict[str, Any], lookups: Lookups, legacy: Legacy) -> Plan:
    ban_id = _id_of(document)
    account_id = _need_account(lookups, document.get("userId"), "userId")
    ban_type = document.get("banType")
    if ban_type not in BAN_TYPES:
        raise Invalid(f"banType {ban_type!r} is not temporary or permanent")
    reason = text(document.get("reason"))
    if not reason or not reason.strip():
        raise Invalid("reason is missing")
    created, updated = _dates(document)
    start = when(document.get("startDate")) or created
    end = when(document.get("endDate"))
    if ban_type == "temporary" and end is None:
        raise Invalid("a temporary ban without endDate")
    active = document.get("isActive")
    plan = Plan(
        ban_id,
        [
            sql.bans.insert().values(
                id=ban_id,
                account_id=account_id,
                banned_by_id=_account_or_none(lookups, document.get("bannedBy")),
                ban_type=ban_type,
                reason=reason,
                start_date=start,
                end_date=end if ban_type == "temporary" else None,
                is_active=active if isinstance(active, bool) else True,
                created_at=created,
                updated_at=updated,
            )
        ],
    )
    if legacy.current_bans.get(account_id) == ban_id:
        plan.statements.append(
            sql.update(sql.accounts)
            .where(sql.accounts.c.id == account_id)
            .values(current_ban_id=ban_id)
        )
    return plan


def plan_puzzles(document: dict[str, Any], lookups: Lookups) -> Plan:
    puzzle_id = _id_of(document)
    title = text(document.get("title"))
    if not title or not title.strip():
        raise Invalid("title is missing")
    author_id = _need_account(lookups, document.get("author"), "author")
    difficulty = document.get("difficulty") or "intermediate"
    if difficulty not in DIFFICULTIES:
        raise Invalid(f"difficulty {difficulty!r} is not one of {', '.join(DIFFICULTIES)}")
    visibility = document.get("visibility") or "draft"
    if visibility not in VISIBILITIES:
        raise Invalid(f"visibility {visibility!r} is not one of {', '.join(VISIBILITIES)}")
    created, updated = _dates(document)
    plan = Plan(puzzle_id)
    solution = _object(document.get("solution"))
    language = solution.get("programmingLanguage") or solution.get("language")
    language_id = (
        Languages(lookups, plan, created).resolve(language, solution.get("languageVersion"))
        if language
        else None
    )
    validators = []
    seen: set[str] = set()
    for position, item in enumerate(items(document.get("validators"))):
        if not isinstance(item, dict):
            raise Invalid(f"validators[{position}] is not an object")
        given, expected = item.get("input"), item.get("output")
        if not isinstance(given, str) or not isinstance(expected, str):
            raise Invalid(f"validators[{position}] needs input and output text")
        validator_id = oid(item.get("_id"))
        if validator_id is None or validator_id in seen:
            validator_id = new_id()
        seen.add(validator_id)
        v_created, v_updated = _dates(item)
        validators.append(
            {
                "id": validator_id,
                "puzzle_id": puzzle_id,
                "position": position,
                "input": given.rstrip(),
                "output": expected.rstrip(),
                "test_result": None,
                "created_at": v_created if item.get("createdAt") else created,
                "updated_at": v_updated if item.get("updatedAt") else updated,
            }
        )
    tags = [tag for tag in items(document.get("tags")) if isinstance(tag, str)]
    plan.statements.append(
        sql.puzzles.insert().values(
            id=puzzle_id,
            author_id=author_id,
            title=title[:128],
            statement=text(document.get("statement")),
            constraints=text(document.get("constraints")),
            difficulty=difficulty,
            visibility=visibility,
            solution_code=text(solution.get("code")) or "",
            solution_language_id=language_id,
            tags=tags,
            moderation_feedback=text(document.get("moderationFeedback")),
            created_at=created,
            updated_at=updated,
        )
    )
    if validators:
        plan.statements.append((sql.validators.insert(), validators))
    return plan


def plan_submissions(document: dict[str, Any], lookups: Lookups) -> Plan:
    submission_id = _id_of(document)
    puzzle_id = oid(document.get("puzzle"))
    if puzzle_id is None:
        raise Invalid("puzzle is missing or not an id")
    validators = lookups.puzzle(puzzle_id)
    if validators is None:
        raise Invalid(f"puzzle {puzzle_id} is not an imported puzzle")
    account_id = _need_account(lookups, document.get("user"), "user")
    created = _created(document)
    plan = Plan(submission_id)
    reference = document.get("programmingLanguage") or document.get("language")
    language_id = Languages(lookups, plan, created).resolve(
        reference, document.get("languageVersion")
    )
    if language_id is None:
        raise Invalid("programmingLanguage is missing or not an imported language")
    result = document.get("result")
    if isinstance(result, str):  # the oldest form: the verdict alone
        result = {"result": result, "successRate": 1.0 if result == "success" else 0.0}
    if not isinstance(result, dict):
        raise Invalid("result is missing")
    verdict = result.get("result") if result.get("result") in ("success", "error") else "unknown"
    rate = min(1.0, max(0.0, number(result.get("successRate"))))
    passed = round(rate * validators)
    plan.statements.append(
        sql.submissions.insert().values(
            id=submission_id,
            puzzle_id=puzzle_id,
            account_id=account_id,
            language_id=language_id,
            code=text(document.get("code")) or "",
            result=verdict,
            success_rate=rate,
            passed=passed,
            failed=validators - passed,
            total=validators,
            game_id=None,  # linked by its game (games' playerSubmissions)
            created_at=created,
        )
    )
    return plan


def plan_games(document: dict[str, Any], lookups: Lookups, legacy: Legacy) -> Plan:
    game_id = _id_of(document)
    puzzle_id = oid(document.get("puzzle"))
    if puzzle_id is None or lookups.puzzle(puzzle_id) is None:
        raise Invalid(f"puzzle {puzzle_id or document.get('puzzle')!r} is not an imported puzzle")
    created = _created(document)
    options = _object(document.get("options"))
    mode = options.get("mode") or "fastest"
    if mode not in MODES:
        raise Invalid(f"options.mode {mode!r} is not a game mode")
    visibility = options.get("visibility") or "public"
    if visibility not in ("public", "private"):
        raise Invalid(f"options.visibility {visibility!r} is not public or private")
    duration = integer(options.get("maxGameDurationInSeconds"), DEFAULT_DURATION)
    if duration <= 0:
        duration = DEFAULT_DURATION
    plan = Plan(game_id)
    languages = Languages(lookups, plan, created)
    allowed = []
    for reference in items(options.get("allowedLanguages")):
        language_id = languages.resolve(reference)
        if language_id is not None and language_id not in allowed:
            allowed.append(language_id)
    rated = options.get("rated") if isinstance(options.get("rated"), bool) else True
    start = when(document.get("startTime")) or created
    end = when(document.get("endTime")) or start + timedelta(seconds=duration)
    players: list[str] = []
    for reference in items(document.get("players")):
        account_id = _account_or_none(lookups, reference)
        if account_id is not None and account_id not in players:
            players.append(account_id)
    # Counted by CodinCod's ratings already when a player's lastProcessedGameDate is past its
    # end; else left to the arena's rating job (CodinCod on main never counted one: §9.3).
    counted = [legacy.rated_until[p] for p in players if p in legacy.rated_until]
    rated_at = max(counted) if counted and max(counted) >= end else None
    plan.statements.append(
        sql.games.insert().values(
            id=game_id,
            owner_id=_account_or_none(lookups, document.get("owner")),
            puzzle_id=puzzle_id,
            mode=mode,
            visibility=visibility,
            rated=rated,
            options={
                "allowedLanguages": allowed,
                "maxGameDurationInSeconds": duration,
                "visibility": visibility,
                "mode": mode,
                "rated": rated,
            },
            start_time=start,
            end_time=end,
            rated_at=rated_at,
            created_at=created,
        )
    )
    if players:
        plan.statements.append(
            (
                sql.game_players.insert(),
                [{"game_id": game_id, "account_id": p, "joined_at": created} for p in players],
            )
        )
    linked = [s for s in (oid(item) for item in items(document.get("playerSubmissions"))) if s]
    if linked:
        s = sql.submissions
        plan.statements.append(
            sql.update(s).where(s.c.id.in_(linked), s.c.game_id.is_(None)).values(game_id=game_id)
        )
    return plan


def plan_chatmessages(document: dict[str, Any], lookups: Lookups) -> Plan:
    message_id = _id_of(document)
    game_id = oid(document.get("gameId"))
    if game_id is None or not lookups.game(game_id):
        raise Invalid(f"gameId {game_id or document.get('gameId')!r} is not an imported game")
    account_id = _account_or_none(lookups, document.get("userId"))
    username = text(document.get("username")) or (account_id and lookups.account(account_id))
    if not username:
        raise Invalid("username is missing")
    message = text(document.get("message"))
    if not message:
        raise Invalid("message is missing or empty")
    created, updated = _dates(document)
    deleted = document.get("isDeleted")
    return Plan(
        message_id,
        [
            sql.chat_messages.insert().values(
                id=message_id,
                game_id=game_id,
                account_id=account_id,
                username=username[:64],
                message=message,
                is_deleted=deleted if isinstance(deleted, bool) else False,
                created_at=created,
                updated_at=updated,
            )
        ],
    )


def comment_parent(document: dict[str, Any], legacy: Legacy) -> str | None:
    comment_id = oid(document.get("_id"))
    return oid(document.get("parentId")) or (legacy.parents.get(comment_id) if comment_id else None)


def plan_comments(document: dict[str, Any], lookups: Lookups, legacy: Legacy) -> Plan:
    comment_id = _id_of(document)
    author_id = _need_account(lookups, document.get("author"), "author")
    body = text(document.get("text"))
    if not body or not body.strip():
        raise Invalid("text is missing or empty")
    parent_id = comment_parent(document, legacy)
    if parent_id is None:
        raise Invalid("no parentId, and no puzzle or comment lists it")
    kind = document.get("commentType")
    if kind not in ("puzzle-comment", "comment-comment"):
        kind = "puzzle-comment" if parent_id in legacy.puzzle_ids else "comment-comment"
    if kind == "puzzle-comment":
        if lookups.puzzle(parent_id) is None:
            raise Invalid(f"its puzzle {parent_id} is not an imported puzzle")
        puzzle_id = parent_id
    else:
        thread = lookups.comment_thread(parent_id)
        if thread is None:
            raise Invalid(f"the comment it replies to ({parent_id}) is not an imported comment")
        puzzle_id = thread
    created, updated = _dates(document)
    return Plan(
        comment_id,
        [
            sql.comments.insert().values(
                id=comment_id,
                author_id=author_id,
                puzzle_id=puzzle_id,
                parent_id=parent_id,
                comment_type=kind,
                text=body,
                upvote=max(0, integer(document.get("upvote"))),
                downvote=max(0, integer(document.get("downvote"))),
                created_at=created,
                updated_at=updated,
            )
        ],
    )


def plan_uservotes(document: dict[str, Any], lookups: Lookups) -> Plan:
    vote_id = _id_of(document)
    account_id = _need_account(lookups, document.get("author"), "author")
    comment_id = oid(document.get("votedOn"))
    if comment_id is None or lookups.comment_thread(comment_id) is None:
        raise Invalid(f"votedOn {document.get('votedOn')!r} is not an imported comment")
    vote_type = document.get("type")
    if vote_type not in ("upvote", "downvote"):
        raise Invalid(f"type {vote_type!r} is not upvote or downvote")
    if lookups.has_vote(comment_id, account_id):
        raise Skipped("the user's vote on this comment is here already")
    return Plan(
        vote_id,
        [
            sql.comment_votes.insert().values(
                id=vote_id,
                comment_id=comment_id,
                account_id=account_id,
                vote_type=vote_type,
                created_at=_created(document),
            )
        ],
    )


def plan_reports(document: dict[str, Any], lookups: Lookups) -> Plan:
    report_id = _id_of(document)
    target = oid(document.get("problematicIdentifier"))
    if target is None:
        raise Invalid("problematicIdentifier is missing or not an id")
    problem = document.get("problemType")
    if problem not in PROBLEM_TYPES:
        raise Invalid(f"problemType {problem!r} is not one of {', '.join(PROBLEM_TYPES)}")
    reporter = _need_account(lookups, document.get("reportedBy"), "reportedBy")
    status = document.get("status") or "pending"
    if status not in REPORT_STATUSES:
        raise Invalid(f"status {status!r} is not one of {', '.join(REPORT_STATUSES)}")
    created, updated = _dates(document)
    return Plan(
        report_id,
        [
            sql.reports.insert().values(
                id=report_id,
                problematic_identifier=target,
                problem_type=problem,
                reported_by_id=reporter,
                explanation=text(document.get("explanation")) or "",
                status=status,
                resolved_by_id=_account_or_none(lookups, document.get("resolvedBy")),
                created_at=created,
                updated_at=updated,
            )
        ],
    )


def plan_preferences(document: dict[str, Any], lookups: Lookups) -> Plan:
    preferences_id = _id_of(document)
    account_id = _need_account(lookups, document.get("owner"), "owner")
    if lookups.has_preferences(account_id):
        raise Skipped("the user has preferences here already")
    language = document.get("preferredLanguage")
    language = oid(language) or text(language)
    theme = document.get("theme") if document.get("theme") in ("dark", "light") else None
    blocked: list[str] = []
    for item in items(document.get("blockedUsers")):
        user = oid(item)
        if user and user != account_id and user not in blocked:
            blocked.append(user)
    editor: dict[str, Any] = {}
    given = _object(document.get("editor"))
    if given.get("keymap") in ("vim", "emacs", "vscode"):
        editor["keymap"] = given["keymap"]
    editor.update({flag: given[flag] for flag in EDITOR_FLAGS if isinstance(given.get(flag), bool)})
    created, updated = _dates(document)
    return Plan(
        preferences_id,
        [
            sql.preferences.insert().values(
                id=preferences_id,
                account_id=account_id,
                preferred_language=language[:MAX_LANGUAGE] if language else None,
                theme=theme,
                blocked_users=blocked[:MAX_BLOCKED],
                editor=editor,
                created_at=created,
                updated_at=updated,
            )
        ],
    )


def _mode_blocks(document: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    nested = document.get("modes") or document.get("gameModes")
    for mode in MODES:
        block = document.get(mode)
        if not isinstance(block, dict) and isinstance(nested, dict):
            block = nested.get(mode)
        if isinstance(block, dict):
            yield mode, block


def plan_usermetrics(document: dict[str, Any], lookups: Lookups) -> Plan:
    _id_of(document)
    account_id = _need_account(lookups, document.get("userId"), "userId")
    if lookups.has_metrics(account_id):
        raise Skipped("the user has ratings here already")
    updated = when(document.get("updatedAt")) or _created(document)
    rows = []
    for mode, block in _mode_blocks(document):
        glicko = _object(block.get("glickoRating"))
        rank = block.get("rank")
        rows.append(
            {
                "account_id": account_id,
                "mode": mode,
                "games_played": max(0, integer(block.get("gamesPlayed"))),
                "games_won": max(0, integer(block.get("gamesWon"))),
                "best_score": number(block.get("bestScore")),
                "total_score": number(block.get("totalScore")),
                "rating": number(glicko.get("rating"), 1500),
                "rd": number(glicko.get("rd"), 350),
                "volatility": number(glicko.get("volatility"), 0.06),
                "rank": integer(rank) if isinstance(rank, int | float) else None,
                "last_game_date": when(block.get("lastGameDate")),
                "updated_at": updated,
            }
        )
    if not rows:
        raise Skipped("no game mode played")
    return Plan(account_id, [(sql.user_metrics.insert(), rows)])


def legacy_row(collection: str, legacy_id: str, new: str, now: datetime) -> Any:
    """The document's entry in ``arena_legacy_ids``."""
    return sql.legacy_ids.insert().values(
        collection=collection, legacy_id=legacy_id, new_id=new, imported_at=now
    )
