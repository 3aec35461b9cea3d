"""``sparkhouse arena gen-types --dest FILE``: the arena's TypeScript types (issue 20; the seed
plan's "TypeScript Type Generation"), for the dashboard's arena pages.

Every request and answer model and every enum the arena's API and live games speak is listed
here, by hand (:data:`REQUESTS`, :data:`ANSWERS`, :data:`ENUMS`, the channels' event maps);
models of ``appliance/arena/**/models.py`` that are not part of the API are in
:data:`INTERNAL` with the reason, and ``tests/arena/test_typegen.py`` fails on a model that
is in neither. The models give one JSON Schema by alias (requests as pydantic validates them,
answers as it serialises them); the npm ``json-schema-to-typescript`` (a devDependency of the
dashboard, run with node from ``dashboard/node_modules``) turns it into TypeScript. The output
is deterministic: the schema's definitions are sorted by name, nothing depends on the clock.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import typing
from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from appliance.arena import docs
from appliance.arena.accounts import models as accounts
from appliance.arena.comments import models as comments
from appliance.arena.execution import models as execution
from appliance.arena.games import events, scoring
from appliance.arena.games import models as games
from appliance.arena.languages import models as languages
from appliance.arena.leaderboard import models as leaderboard
from appliance.arena.moderation import models as moderation
from appliance.arena.preferences import models as preferences
from appliance.arena.puzzles import models as puzzles
from appliance.arena.submissions import models as submissions
from appliance.arena.wire import Page, PageQuery, Wire
from appliance.platform.auth import Role

COMMAND = "sparkhouse arena gen-types --dest dashboard/src/pages/arena/api-types.ts"
DEST = Path("dashboard/src/pages/arena/api-types.ts")
"""Where the dashboard's arena pages import the types from (relative to the repository)."""
GENERATOR = "json-schema-to-typescript"

# -- the registry -------------------------------------------------------------------------------

REQUESTS: tuple[type[BaseModel], ...] = (
    # accounts
    accounts.RegisterBody,
    accounts.LoginBody,
    # lists
    PageQuery,
    # puzzles
    puzzles.CreateBody,
    puzzles.PuzzleBody,
    puzzles.ValidatorBody,
    puzzles.SolutionBody,
    puzzles.LanguageRef,
    # submissions and execution
    submissions.SubmissionBody,
    submissions.GameSubmissionBody,
    languages.ExecuteBody,
    # comments
    comments.CommentBody,
    comments.VoteBody,
    # preferences
    preferences.PreferencesBody,
    preferences.EditorBody,
    # leaderboard
    leaderboard.BoardQuery,
    # moderation
    moderation.ReportBody,
    moderation.ReviewQuery,
    moderation.AuditQuery,
    moderation.ReviseBody,
    moderation.ResolveBody,
    moderation.BanBody,
    moderation.TemporaryBanBody,
    # live games: what a client pushes
    games.GameOptions,
    events.HostRoom,
    events.RoomRef,
    events.InviteRef,
    events.RoomChat,
    events.SubmitToGame,
    events.SendChat,
    events.LanguageChange,
)
"""Request bodies and queries, as the server validates them (``mode="validation"``)."""

ANSWERS: tuple[type[BaseModel], ...] = (
    # errors
    docs.ArenaError,
    docs.RateLimited,
    # accounts
    accounts.Message,
    accounts.Me,
    accounts.UserDto,
    accounts.AuthorDto,
    accounts.Profile,
    accounts.UserFound,
    accounts.Availability,
    # puzzles
    puzzles.PuzzleDto,
    Page[puzzles.PuzzleDto],
    puzzles.ValidatorDto,
    puzzles.SolutionDto,
    # languages and execution
    languages.LanguageDto,
    languages.LanguageList,
    languages.ExecuteAnswer,
    languages.StageDto,
    languages.PuzzleResultInformation,
    # submissions
    submissions.ResultDto,
    submissions.SubmissionCreated,
    submissions.SubmissionSummaryDto,
    submissions.SubmissionDto,
    submissions.ActivityDto,
    submissions.UserActivity,
    # comments
    comments.CommentDto,
    # preferences
    preferences.PreferencesDto,
    preferences.EditorDto,
    # leaderboard
    leaderboard.Glicko,
    leaderboard.LeaderboardEntry,
    leaderboard.LeaderboardPage,
    leaderboard.ModeRanking,
    leaderboard.UserRankings,
    leaderboard.Recalculation,
    # moderation
    moderation.ReportDto,
    moderation.ReportResolved,
    moderation.UserRef,
    moderation.BanDto,
    moderation.Banned,
    moderation.BanHistory,
    moderation.ContextMessage,
    moderation.ReviewItem,
    moderation.Pagination,
    moderation.ReviewPage,
    moderation.AuditEntry,
    moderation.AuditPage,
    moderation.PuzzleModerated,
    # live games: what the server sends
    games.GameOptions,
    events.RoomsOverview,
    events.RoomOverview,
    events.RoomJoined,
    events.RoomLeft,
    events.Room,
    events.RoomMember,
    events.RoomSummary,
    events.RoomChatMessage,
    events.GameStart,
    events.NotEnough,
    events.GameUpdate,
    events.GameJoined,
    events.GameState,
    events.GameSubmission,
    events.GameResult,
    events.PlayerRef,
    events.Standing,
    events.PlayerSubmitted,
    events.ChatSent,
    events.ChatMessage,
    events.ChatText,
    events.LanguageChanged,
    events.GameFinished,
    events.WsError,
    events.LinkedGame,
    events.GameLinked,
    events.Refusal,
)
"""Answers and server-sent payloads, as the server serialises them
(``mode="serialization"``). A model in both tuples gets two types when its two schemas differ:
the answer keeps the name, the request's is suffixed ``Input``."""

NAMES: Mapping[type[BaseModel], str] = {Page[puzzles.PuzzleDto]: "PuzzlePage"}
"""TypeScript names of models whose class name is not one (a generic's parameters)."""

VisibilityOfGame = Literal["public", "private"]
ENUMS: Mapping[str, Any] = {
    "Role": Role,
    "Difficulty": puzzles.Difficulty,
    "PuzzleVisibility": puzzles.Visibility,
    "Tag": puzzles.Tag,
    "GameMode": scoring.Mode,
    "GameVisibility": VisibilityOfGame,
    "GameStatus": events.GameStatus,
    "BanType": accounts.BanType,
    "CommentType": comments.CommentType,
    "VoteType": comments.VoteType,
    "ProblemType": moderation.ProblemType,
    "ReportStatus": moderation.ReportStatus,
    "ReviewType": moderation.ReviewType,
    "Keymap": preferences.Keymap,
    "Theme": preferences.Theme,
    "SubmissionOutcome": submissions.Outcome,
    "LobbyPushEvent": events.LobbyPush,
    "LobbyBroadcastEvent": events.LobbyBroadcast,
    "GamePushEvent": events.GamePush,
    "GameBroadcastEvent": events.GameBroadcast,
    "WsLobbySendEvent": events.WsLobbySend,
    "WsLobbyReceiveEvent": events.WsLobbyReceive,
    "WsGameSendEvent": events.WsGameSend,
    "WsGameReceiveEvent": events.WsGameReceive,
}
"""Named unions of string literals (and their values as constants). A model's field whose
values are exactly one of these is typed by its name."""

INTERNAL: Mapping[type[BaseModel], str] = {
    Wire: "the base class of the answers",
    Page: "generic; its concrete pages are exported (PuzzlePage)",
    events.Frame: "the base class of the live games' server payloads",
    events.Body: "the base class of the live games' client payloads",
    execution.Runtime: "the executor's view of Piston's runtimes (the API sends LanguageDto)",
    execution.Stage: "Piston's run stage as the executor reads it (the API sends StageDto)",
    execution.RunResult: "Piston's execute answer as the executor reads it",
    execution.TestOutcome: "one test of a batch inside the executor",
    execution.TestSummary: "the executor's aggregation (the API sends PuzzleResultInformation)",
}
"""Pydantic models of the arena that are not part of its API, and why."""

CHANNELS: Mapping[str, tuple[str, Mapping[str, Any], Mapping[str, Any]]] = {
    "lobby": (events.LOBBY_TOPIC, events.LOBBY_PUSHES, events.LOBBY_BROADCASTS),
    "game": (events.GAME_TOPIC, events.GAME_PUSHES, events.GAME_BROADCASTS),
}
"""Each channel: its topic, its pushes (event → (payload, reply)), its broadcasts."""

DOORS: Mapping[str, tuple[str, Mapping[str, Any], Mapping[str, Any]]] = {
    "ws": (events.WS_LOBBY_PATH, events.WS_LOBBY_SENDS, events.WS_LOBBY_RECEIVES),
    "wsGame": (events.WS_GAME_PATH, events.WS_GAME_SENDS, events.WS_GAME_RECEIVES),
}
"""CodinCod's /ws door: each path, what a client sends, what the server sends (by event)."""


def enum_values(kind: Any) -> list[str]:
    if isinstance(kind, type) and issubclass(kind, Enum):
        return [str(member.value) for member in kind]
    if typing.get_origin(kind) is Literal:
        return [str(value) for value in typing.get_args(kind)]
    raise TypeError(f"not an enum or a Literal: {kind!r}")


def exported_models() -> list[type[BaseModel]]:
    return list(dict.fromkeys([*REQUESTS, *ANSWERS]))


# -- the schema ---------------------------------------------------------------------------------


def schema() -> dict[str, Any]:
    """One JSON Schema: every registered model and enum under ``$defs`` (sorted by name), and
    a root ``ArenaChannels`` that maps each live-game event to its payload."""
    entries: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        *((model, "validation") for model in REQUESTS),
        *((model, "serialization") for model in ANSWERS),
    ]
    refs, combined = models_json_schema(entries, by_alias=True, ref_template="#/$defs/{model}")
    raw: dict[str, Any] = combined.get("$defs", {})
    # one name per definition: the class's (or NAMES'), "Input" for a request's second schema
    rename: dict[str, str] = {}
    inputs: set[type[BaseModel]] = set()
    for (found, _mode), ref in refs.items():
        model = typing.cast(type[BaseModel], found)
        key = ref["$ref"].rsplit("/", 1)[1]
        name = NAMES.get(model, model.__name__)
        if key.endswith("-Input") and (model, "serialization") in refs:
            name += "Input"
            inputs.add(model)
        rename[key] = name
    for key, definition in raw.items():
        rename.setdefault(key, definition.get("title", key).replace("-", ""))
    taken: dict[str, str] = {}
    for key, name in rename.items():
        if name in taken and taken[name] != key:
            raise ValueError(f"two definitions named {name}: {taken[name]} and {key}")
        taken[name] = key
    defs: dict[str, Any] = {}
    for key, definition in raw.items():
        # a title inside a definition would become a type alias of its own (a field's)
        definition = dict(_untitled(_retarget(definition, rename)), title=rename[key])
        defs[rename[key]] = definition
    enums = {name: enum_values(kind) for name, kind in ENUMS.items()}
    for name, values in enums.items():
        if name in defs:
            raise ValueError(f"enum {name} has the name of a model")
        defs[name] = {"title": name, "type": "string", "enum": values}
    by_values = {tuple(values): name for name, values in enums.items()}
    if len(by_values) != len(enums):
        raise ValueError("two enums have the same values")
    for name, definition in defs.items():
        if name not in enums:
            defs[name] = _name_enums(definition, by_values)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ArenaChannels",
        "description": "The live games. The Phoenix channels (lobby, game): each topic, what a "
        "client pushes (payload and ok reply) and what the server sends, by event name. "
        "CodinCod's /ws door (ws, wsGame): each path, what a client sends and what the server "
        "sends, by event name; a frame is the payload's fields beside `event` (WsFrame).",
        "type": "object",
        "additionalProperties": False,
        "required": sorted([*CHANNELS, *DOORS]),
        "properties": {
            **{name: _channel(*CHANNELS[name], inputs) for name in CHANNELS},
            **{name: _door(*DOORS[name], inputs) for name in DOORS},
        },
        "$defs": {name: defs[name] for name in sorted(defs)},
    }


def _ref(model: type[BaseModel] | None, mode: JsonSchemaMode, inputs: set[type[BaseModel]]) -> Any:
    """A payload's type; ``inputs``: the models whose request type is ``…Input``."""
    if model is None:  # no payload: an empty object
        return {"type": "object", "tsType": "Record<string, never>"}
    name = NAMES.get(model, model.__name__)
    if mode == "validation" and model in inputs:
        name += "Input"
    return {"$ref": f"#/$defs/{name}"}


def _group(items: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": sorted(items),
        "properties": {event: items[event] for event in sorted(items)},
    }


def _address(template: str) -> dict[str, Any]:
    """A topic or path: the string itself, or a template literal type for ``{gameId}``."""
    if "{" not in template:
        return {"type": "string", "const": template}
    return {"type": "string", "tsType": "`" + template.replace("{gameId}", "${string}") + "`"}


def _channel(
    topic: str,
    pushes: Mapping[str, Any],
    broadcasts: Mapping[str, Any],
    inputs: set[type[BaseModel]],
) -> dict[str, Any]:
    """A Phoenix channel's schema."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["topic", "push", "reply", "broadcast"],
        "properties": {
            "topic": _address(topic),
            "push": _group({e: _ref(p, "validation", inputs) for e, (p, _) in pushes.items()}),
            "reply": _group({e: _ref(r, "serialization", inputs) for e, (_, r) in pushes.items()}),
            "broadcast": _group(
                {e: _ref(m, "serialization", inputs) for e, m in broadcasts.items()}
            ),
        },
    }


def _door(
    path: str,
    sends: Mapping[str, Any],
    receives: Mapping[str, Any],
    inputs: set[type[BaseModel]],
) -> dict[str, Any]:
    """A /ws endpoint's schema."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["path", "send", "receive"],
        "properties": {
            "path": _address(path),
            "send": _group({e: _ref(m, "validation", inputs) for e, m in sends.items()}),
            "receive": _group({e: _ref(m, "serialization", inputs) for e, m in receives.items()}),
        },
    }


def _retarget(node: Any, rename: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                out[key] = "#/$defs/" + rename[value.removeprefix("#/$defs/")]
            else:
                out[key] = _retarget(value, rename)
        return out
    if isinstance(node, list):
        return [_retarget(item, rename) for item in node]
    return node


_SCHEMA_MAPS = ("properties", "$defs", "patternProperties")


def _untitled(node: Any) -> Any:
    """``node`` without the ``title`` keywords of its schemas (a property named ``title``
    stays)."""
    if isinstance(node, dict):
        return {
            key: {name: _untitled(item) for name, item in value.items()}
            if key in _SCHEMA_MAPS and isinstance(value, dict)
            else _untitled(value)
            for key, value in node.items()
            if key != "title"
        }
    if isinstance(node, list):
        return [_untitled(item) for item in node]
    return node


def _name_enums(node: Any, by_values: Mapping[tuple[str, ...], str]) -> Any:
    """Inline ``{"enum": [...]}`` of exactly a registered enum's values → a reference to it."""
    if isinstance(node, dict):
        values = node.get("enum")
        if isinstance(values, list) and tuple(values) in by_values:
            # alone: a $ref with siblings (a default, a description) is another type to the
            # generator, a copy of the enum under another name
            return {"$ref": f"#/$defs/{by_values[tuple(values)]}"}
        return {key: _name_enums(value, by_values) for key, value in node.items()}
    if isinstance(node, list):
        return [_name_enums(item, by_values) for item in node]
    return node


# -- TypeScript ---------------------------------------------------------------------------------


class GeneratorMissing(RuntimeError):
    """node or the npm generator is not installed."""


def dashboard_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "dashboard"


_COMPILE = """
const { compile } = require(process.argv[1]);
let text = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { text += chunk; });
process.stdin.on("end", () => {
  compile(JSON.parse(text), "ArenaChannels", {
    bannerComment: "",
    unreachableDefinitions: true,
    additionalProperties: false,
    strictIndexSignatures: true,
    format: true,
    style: { printWidth: 100, singleQuote: false, semi: true, trailingComma: "all" },
  }).then((ts) => process.stdout.write(ts), (error) => {
    process.stderr.write(String(error && error.stack || error) + "\\n");
    process.exit(1);
  });
});
"""


def typescript(dashboard: Path | None = None) -> str:
    """The generated file's text."""
    folder = dashboard or dashboard_dir()
    node = shutil.which("node")
    package = folder / "node_modules" / GENERATOR
    if node is None:
        raise GeneratorMissing("node is not installed (run `make dashboard`, which needs npm)")
    if not (package / "package.json").is_file():
        raise GeneratorMissing(
            f"{GENERATOR} is not installed in {folder}/node_modules "
            f"(run `make dashboard`, or `npm ci` in {folder})"
        )
    document = schema()
    done = subprocess.run(  # noqa: S603 - our script; the schema comes on stdin
        [node, "-e", _COMPILE, str(package)],
        input=json.dumps(document, sort_keys=False),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{GENERATOR} failed: {done.stderr.strip()}")
    return _HEADER + _REFERENCED.sub("", done.stdout).rstrip() + "\n" + _constants()


_NOTE = (
    r"^ \* This interface was referenced by `ArenaChannels`'s JSON-Schema\n"
    r"^ \* via the `definition` \"\w+\"\.\n"
)
_REFERENCED = re.compile(rf"^/\*\*\n{_NOTE}^ \*/\n|^ \*\n{_NOTE}", re.MULTILINE)
"""The generator's note on each definition that the root does not reach (all of them, here)."""


_HEADER = f"""\
// GENERATED FILE: do not edit. Regenerate with `make types`, i.e.
//   {COMMAND}
// from the arena's pydantic models (the registry in appliance/arena/typegen.py) through their
// JSON Schema (requests as validated, answers as serialised, by alias) with the npm
// {GENERATOR}. `make test` fails when this copy differs from a fresh one.
/* eslint-disable */

"""


def _constants() -> str:
    lines = [
        "",
        "/** Each enum's values, in the server's order (for pickers and checks). */",
        "export const ARENA_ENUMS = {",
    ]
    lines += [f"  {name}: {json.dumps(enum_values(ENUMS[name]))}," for name in ENUMS]
    lines += [
        "} as const satisfies { [name: string]: readonly string[] };",
        "",
        "/** The live games' topics: the lobby, and a game's by its id. */",
        f"export const LOBBY_TOPIC = {json.dumps(events.LOBBY_TOPIC)};",
        'export const GAME_TOPIC_PREFIX = "game:";',
        "",
        "/** CodinCod's /ws door: the waiting room's path, and a game's by its id. */",
        f"export const WS_LOBBY_PATH = {json.dumps(events.WS_LOBBY_PATH)};",
        f"export const WS_GAME_PATH_PREFIX = {json.dumps(events.WS_GAME_PATH.split('{')[0])};",
        "",
        "/** A /ws frame: the event's name beside its payload's fields (none: just the name). */",
        "export type WsFrame<Events> = {",
        "  [E in keyof Events]: { event: E } & (Events[E] extends Record<string, never>",
        "    ? unknown",
        "    : Events[E]);",
        "}[keyof Events];",
        'export type WsLobbySendFrame = WsFrame<ArenaChannels["ws"]["send"]>;',
        'export type WsLobbyReceiveFrame = WsFrame<ArenaChannels["ws"]["receive"]>;',
        'export type WsGameSendFrame = WsFrame<ArenaChannels["wsGame"]["send"]>;',
        'export type WsGameReceiveFrame = WsFrame<ArenaChannels["wsGame"]["receive"]>;',
        "",
    ]
    return "\n".join(lines)


def write(dest: Path, dashboard: Path | None = None) -> bool:
    """Write the file; whether it changed."""
    text = typescript(dashboard)
    if dest.is_file() and dest.read_text(encoding="utf-8") == text:
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text, encoding="utf-8")
    return True


def models_of(modules: Iterable[Any]) -> list[type[BaseModel]]:
    """The pydantic models defined in ``modules`` (for the registry's test)."""
    found: list[type[BaseModel]] = []
    for module in modules:
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found
