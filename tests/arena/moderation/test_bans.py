"""Bans, report decisions with their escalation, and the audit log through HTTP
(codincod-contract.md §2, §3.10, §10): the documents, the fixed QUIRKs and DRIFTs (unban of a
user who is not banned and a ban of an unknown user are 4xx; the frontend's ``{duration,
reason}`` without ``userId``), the 403 a banned user gets everywhere, a ban's lapse, the ladder
across 10 upheld reports, and an audit row for every action."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.arena.conftest import signed_up
from tests.arena.moderation.support import (
    EXPLANATION,
    UNKNOWN_ID,
    counters,
    json_of,
    puzzle,
    report,
    user_id,
    username,
)
from tests.conftest import RunningServer

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
DAY = timedelta(days=1)


def when(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")


def ban(mod: httpx.Client, target: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = mod.post(f"/api/v1/moderation/user/{target}/ban/{kind}", json=body)
    found: dict[str, Any] = json_of(answer)
    return found


def history(mod: httpx.Client, target: str) -> list[dict[str, Any]]:
    bans: list[dict[str, Any]] = json_of(mod.get(f"/api/v1/moderation/user/{target}/ban/history"))[
        "bans"
    ]
    return bans


def audit(mod: httpx.Client, **params: Any) -> dict[str, Any]:
    found: dict[str, Any] = json_of(mod.get("/api/v1/moderation/audit", params=params))
    return found


def resolve(mod: httpx.Client, report_id: str, status: str = "resolved") -> httpx.Response:
    return mod.post(f"/api/v1/moderation/report/{report_id}/resolve", json={"status": status})


# -- bans by hand -------------------------------------------------------------------------------


def test_a_temporary_ban_by_duration_ms(
    mod_server: RunningServer, moderator: httpx.Client, user: httpx.Client
) -> None:
    target, name = user_id(user), username(user)
    answer = ban(
        moderator,
        target,
        "temporary",
        {"userId": target, "reason": "Spamming the game chat.", "durationMs": 3_600_000},
    )
    assert answer["message"] == "User temporarily banned"
    made = answer["ban"]
    assert set(made) == {
        "_id",
        "userId",
        "bannedBy",
        "banType",
        "reason",
        "startDate",
        "endDate",
        "isActive",
        "createdAt",
        "updatedAt",
    }
    assert made["userId"] == target and made["bannedBy"] == user_id(moderator)
    assert made["banType"] == "temporary" and made["isActive"] is True
    assert made["reason"] == "Spamming the game chat."
    assert all(ISO.fullmatch(made[key]) for key in ("startDate", "endDate", "createdAt"))
    assert when(made["endDate"]) - when(made["startDate"]) == timedelta(hours=1)
    assert counters(mod_server, target)[1:] == (1, made["_id"])
    # the user's public record names the ban in force
    record = json_of(moderator.get(f"/api/v1/user/{name}"))["user"]
    assert record["currentBan"] == made["_id"]


def test_the_frontends_ban_body_duration_in_days_without_user_id(
    moderator: httpx.Client, user: httpx.Client
) -> None:
    made = ban(moderator, user_id(user), "temporary", {"duration": 3, "reason": "Rude again."})[
        "ban"
    ]
    assert when(made["endDate"]) - when(made["startDate"]) == 3 * DAY


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "No duration given."},
        {"reason": "Zero duration.", "durationMs": 0},
        {"reason": "Negative days.", "duration": -1},
        {"reason": "short", "duration": 1},
        {"reason": "x" * 501, "duration": 1},
        {"reason": "Far too long a ban.", "duration": 10**9},
        {"duration": 1},
    ],
)
def test_invalid_temporary_bans_are_400(
    mod_server: RunningServer, moderator: httpx.Client, user: httpx.Client, body: dict[str, Any]
) -> None:
    target = user_id(user)
    answer = moderator.post(f"/api/v1/moderation/user/{target}/ban/temporary", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "Validation Error"
    assert counters(mod_server, target)[1:] == (0, None)


def test_a_permanent_ban_replaces_the_one_in_force(
    mod_server: RunningServer, moderator: httpx.Client, user: httpx.Client
) -> None:
    target = user_id(user)
    first = ban(moderator, target, "temporary", {"duration": 1, "reason": "First offence."})
    answer = ban(moderator, target, "permanent", {"reason": "Second offence, for good."})
    assert answer["message"] == "User permanently banned"
    made = answer["ban"]
    assert made["banType"] == "permanent" and "endDate" not in made and made["isActive"]
    assert counters(mod_server, target)[1:] == (2, made["_id"])
    bans = history(moderator, target)
    assert [entry["_id"] for entry in bans] == [made["_id"], first["ban"]["_id"]]  # newest first
    assert [entry["isActive"] for entry in bans] == [True, False]
    assert bans[0]["bannedBy"] == {"_id": user_id(moderator), "username": username(moderator)}


@pytest.mark.parametrize("kind", ["temporary", "permanent"])
@pytest.mark.parametrize("target", [UNKNOWN_ID, "not-an-id"])
def test_banning_an_unknown_user_is_404(moderator: httpx.Client, kind: str, target: str) -> None:
    answer = moderator.post(
        f"/api/v1/moderation/user/{target}/ban/{kind}",
        json={"reason": "Whoever this is.", "duration": 1},
    )
    assert answer.status_code == 404, answer.text  # CodinCod: 500
    assert answer.json()["message"] == "User not found"


def test_unban_ends_the_ban_and_notes_why(
    mod_server: RunningServer, moderator: httpx.Client, user: httpx.Client
) -> None:
    target = user_id(user)
    made = ban(moderator, target, "permanent", {"reason": "Cheating in games."})["ban"]
    assert user.get("/api/v1/user/me").status_code == 403
    answer = moderator.post(
        f"/api/v1/moderation/user/{target}/unban", json={"reason": "Appeal ok."}
    )
    assert json_of(answer) == {"message": "User unbanned successfully"}
    assert user.get("/api/v1/user/me").status_code == 200
    (entry,) = history(moderator, target)
    assert entry["_id"] == made["_id"] and entry["isActive"] is False
    assert entry["reason"] == "Cheating in games. | Unbanned by moderator: Appeal ok."
    assert counters(mod_server, target)[1:] == (1, None)


def test_unban_of_a_user_who_is_not_banned_is_409(
    moderator: httpx.Client, user: httpx.Client
) -> None:
    target = user_id(user)
    answer = moderator.post(
        f"/api/v1/moderation/user/{target}/unban", json={"reason": "Nothing to end."}
    )
    assert answer.status_code == 409, answer.text  # CodinCod: 500
    assert answer.json()["message"] == "User is not currently banned"
    ban(moderator, target, "permanent", {"reason": "Cheating in games."})
    json_of(
        moderator.post(
            f"/api/v1/moderation/user/{target}/unban", json={"reason": "Appeal accepted."}
        )
    )
    again = moderator.post(
        f"/api/v1/moderation/user/{target}/unban", json={"reason": "Again, really?"}
    )
    assert again.status_code == 409


@pytest.mark.parametrize("target", [UNKNOWN_ID, "nope"])
def test_unban_and_history_of_an_unknown_user_are_404(moderator: httpx.Client, target: str) -> None:
    unban = moderator.post(
        f"/api/v1/moderation/user/{target}/unban", json={"reason": "Whoever this is."}
    )
    assert unban.status_code == 404, unban.text
    assert moderator.get(f"/api/v1/moderation/user/{target}/ban/history").status_code == 404


def test_a_history_without_bans_is_empty(moderator: httpx.Client, user: httpx.Client) -> None:
    assert history(moderator, user_id(user)) == []


# -- what a ban does ----------------------------------------------------------------------------


def test_a_banned_user_is_refused_on_every_signed_in_route(
    moderator: httpx.Client, user: httpx.Client, other: httpx.Client
) -> None:
    target = user_id(user)
    victim = puzzle(other)
    made = ban(moderator, target, "temporary", {"duration": 2, "reason": "Spamming the chat."})
    end = made["ban"]["endDate"]
    message = f"You have been temporarily banned until {end}. Reason: Spamming the chat."
    expected = {
        "error": message,
        "message": message,
        "banDetails": {"type": "temporary", "reason": "Spamming the chat.", "endDate": end},
    }
    calls = [
        user.post("/api/v1/puzzle", json={"title": "A new puzzle"}),
        user.post("/api/v1/execute", json={"code": "print(1)", "language": "python"}),
        user.get("/api/v1/user/me"),
        user.put(f"/api/v1/puzzle/{victim}", json={"title": "Mine now"}),
        user.post(
            "/api/v1/report",
            json={
                "problematicIdentifier": victim,
                "problemType": "puzzle",
                "explanation": EXPLANATION,
            },
        ),
    ]
    for answer in calls:
        assert answer.status_code == 403, (answer.request.url, answer.text)
        assert answer.json() == expected
    # permanent: no end date
    ban(moderator, target, "permanent", {"reason": "For good this time."})
    answer = user.post("/api/v1/puzzle", json={"title": "A new puzzle"})
    assert answer.status_code == 403
    assert answer.json() == {
        "error": "You have been permanently banned. Reason: For good this time.",
        "message": "You have been permanently banned. Reason: For good this time.",
        "banDetails": {"type": "permanent", "reason": "For good this time.", "endDate": None},
    }
    # routes open to anyone stay open
    assert user.get("/api/v1/puzzle").status_code == 200


def test_a_temporary_ban_lapses(
    mod_server: RunningServer, moderator: httpx.Client, user: httpx.Client
) -> None:
    target = user_id(user)
    made = ban(moderator, target, "temporary", {"durationMs": 1500, "reason": "A short break."})
    assert user.post("/api/v1/puzzle", json={"title": "Too soon"}).status_code == 403
    time.sleep(1.7)
    assert user.post("/api/v1/puzzle", json={"title": "After the break"}).status_code == 201
    (entry,) = history(moderator, target)
    assert entry["_id"] == made["ban"]["_id"] and entry["isActive"] is False  # ended lazily
    assert counters(mod_server, target)[2] is None
    # nothing in force: unban has nothing to end
    unban = moderator.post(
        f"/api/v1/moderation/user/{target}/unban", json={"reason": "Too late for this."}
    )
    assert unban.status_code == 409


# -- report decisions and the escalation ladder -------------------------------------------------


def test_resolve_and_reject_answer_the_decided_report(
    mod_server: RunningServer, moderator: httpx.Client, user: httpx.Client, other: httpx.Client
) -> None:
    target = user_id(other)
    upheld = report(user, target, "user")
    answer = json_of(resolve(moderator, upheld["_id"]))
    assert answer["message"] == "Report resolved successfully"
    decided = answer["report"]
    assert decided["_id"] == upheld["_id"] and decided["status"] == "resolved"
    assert decided["resolvedBy"] == user_id(moderator)
    assert counters(mod_server, target)[0] == 1
    refused = report(user, target, "user")
    rejected = json_of(resolve(moderator, refused["_id"], "rejected"))["report"]
    assert rejected["status"] == "rejected" and rejected["resolvedBy"] == user_id(moderator)
    assert counters(mod_server, target)[0] == 1  # a rejected report counts for nothing
    # decided once
    assert resolve(moderator, upheld["_id"], "rejected").status_code == 409
    assert resolve(moderator, refused["_id"]).status_code == 409


@pytest.mark.parametrize("body", [{}, {"status": "pending"}, {"status": "done"}])
def test_resolve_needs_a_status(
    moderator: httpx.Client, user: httpx.Client, other: httpx.Client, body: dict[str, Any]
) -> None:
    filed = report(user, user_id(other), "user")
    answer = moderator.post(f"/api/v1/moderation/report/{filed['_id']}/resolve", json=body)
    assert answer.status_code == 400, answer.text


@pytest.mark.parametrize("target", [UNKNOWN_ID, "nope"])
def test_resolving_an_unknown_report_is_404(moderator: httpx.Client, target: str) -> None:
    answer = resolve(moderator, target)
    assert answer.status_code == 404 and answer.json()["message"] == "Report not found"


LADDER: list[tuple[str, timedelta | None] | None] = [
    None,
    None,
    ("temporary", DAY),
    ("temporary", DAY),
    ("temporary", 3 * DAY),
    ("temporary", 3 * DAY),
    ("temporary", 7 * DAY),
    ("temporary", 7 * DAY),
    ("temporary", 7 * DAY),
    ("permanent", None),
]
"""The automatic ban after the n-th upheld report (§10)."""


def test_the_escalation_ladder_across_ten_upheld_reports(
    mod_server: RunningServer, moderator: httpx.Client, user: httpx.Client, other: httpx.Client
) -> None:
    offender = user_id(other)
    authored = puzzle(other, "Offender's puzzle")
    bans_so_far = 0
    for n, expected in enumerate(LADDER, start=1):
        # reports about the user, their puzzle, their comment all count against them
        kind, target = ("puzzle", authored) if n % 3 == 0 else ("user", offender)
        filed = report(user, target, kind, f"Report number {n} about this offender, upheld.")
        json_of(resolve(moderator, filed["_id"]))
        report_count, ban_count, current = counters(mod_server, offender)
        assert report_count == n
        bans = history(moderator, offender)
        if expected is None:
            assert bans == [] and current is None
            continue
        bans_so_far += 1
        assert ban_count == bans_so_far and len(bans) == bans_so_far
        newest = bans[0]
        assert newest["_id"] == current and newest["isActive"] is True
        assert all(not entry["isActive"] for entry in bans[1:])  # the previous ban ended
        ban_type, length = expected
        assert newest["banType"] == ban_type
        assert newest["reason"] == (
            f"Automatic escalation: Report number {n} about this offender, upheld."
        )
        assert newest["bannedBy"] == {"_id": user_id(moderator), "username": username(moderator)}
        if length is None:
            assert "endDate" not in newest
        else:
            assert when(newest["endDate"]) - when(newest["startDate"]) == length
    refused = other.get("/api/v1/user/me")
    assert refused.status_code == 403 and refused.json()["banDetails"]["type"] == "permanent"
    escalations = audit(
        moderator, targetType="user", targetId=offender, action="user.ban.escalation"
    )
    assert escalations["pagination"]["total"] == 8
    assert [entry["details"]["reportCount"] for entry in escalations["data"]] == list(
        range(10, 2, -1)
    )


def test_an_upheld_report_whose_target_is_gone_still_resolves(
    mod_server: RunningServer, moderator: httpx.Client, user: httpx.Client, other: httpx.Client
) -> None:
    authored = puzzle(other, "Soon deleted")
    filed = report(user, authored, "puzzle")
    assert other.delete(f"/api/v1/puzzle/{authored}").is_success
    decided = json_of(resolve(moderator, filed["_id"]))["report"]
    assert decided["status"] == "resolved"
    assert counters(mod_server, user_id(other))[0] == 0


# -- the audit log ------------------------------------------------------------------------------


def test_every_action_is_in_the_audit_log(
    mod_server: RunningServer, moderator: httpx.Client, user: httpx.Client, other: httpx.Client
) -> None:
    me = {"_id": user_id(moderator), "username": username(moderator)}
    target = user_id(other)
    authored = puzzle(other, "Audited puzzle")
    json_of(moderator.post(f"/api/v1/moderation/puzzle/{authored}/approve"))
    json_of(
        moderator.post(
            f"/api/v1/moderation/puzzle/{authored}/revise", json={"reason": "Fix the title."}
        )
    )
    upheld = report(user, target, "user")
    json_of(resolve(moderator, upheld["_id"]))
    dismissed = report(user, target, "user")
    json_of(resolve(moderator, dismissed["_id"], "rejected"))
    temporary = ban(
        moderator, target, "temporary", {"durationMs": 60_000, "reason": "Cool off a while."}
    )
    permanent = ban(moderator, target, "permanent", {"reason": "For good now."})
    json_of(
        moderator.post(
            f"/api/v1/moderation/user/{target}/unban", json={"reason": "Appeal accepted."}
        )
    )

    on_puzzle = audit(moderator, targetType="puzzle", targetId=authored)
    assert [entry["action"] for entry in on_puzzle["data"]] == ["puzzle.revise", "puzzle.approve"]
    revise, approve = on_puzzle["data"]
    assert revise["actor"] == me and revise["targetType"] == "puzzle"
    assert revise["targetId"] == authored and ISO.fullmatch(revise["createdAt"])
    assert revise["details"] == {
        "title": "Audited puzzle",
        "previousVisibility": "approved",
        "reason": "Fix the title.",
    }
    assert approve["details"] == {"title": "Audited puzzle", "previousVisibility": "draft"}

    resolved = audit(moderator, targetType="report", targetId=upheld["_id"])["data"]
    assert [entry["action"] for entry in resolved] == ["report.resolve"]
    assert resolved[0]["details"] == {
        "status": "resolved",
        "problemType": "user",
        "problematicIdentifier": target,
    }
    rejected = audit(moderator, targetType="report", targetId=dismissed["_id"])["data"]
    assert [entry["action"] for entry in rejected] == ["report.reject"]

    on_user = audit(moderator, targetType="user", targetId=target)
    assert [entry["action"] for entry in on_user["data"]] == [
        "user.unban",
        "user.ban.permanent",
        "user.ban.temporary",
    ]
    unban, permanent_entry, temporary_entry = on_user["data"]
    assert unban["details"] == {
        "banId": permanent["ban"]["_id"],
        "banType": "permanent",
        "reason": "Appeal accepted.",
    }
    assert permanent_entry["details"] == {
        "banId": permanent["ban"]["_id"],
        "banType": "permanent",
        "reason": "For good now.",
    }
    assert temporary_entry["details"]["durationMs"] == 60_000
    assert temporary_entry["details"]["endDate"] == temporary["ban"]["endDate"]
    assert all(entry["actor"] == me for entry in on_user["data"])

    # newest first overall, paged
    page = audit(moderator, limit=2)
    assert page["pagination"]["limit"] == 2 and page["pagination"]["total"] >= 7
    assert [entry["action"] for entry in page["data"]] == ["user.unban", "user.ban.permanent"]
    second = audit(moderator, limit=2, page=2)
    assert [entry["action"] for entry in second["data"]] == [
        "user.ban.temporary",
        "report.reject",
    ]


@pytest.mark.parametrize(
    "params", [{"targetType": "game"}, {"targetId": "nope"}, {"limit": 101}, {"page": 0}]
)
def test_bad_audit_queries_are_400(moderator: httpx.Client, params: dict[str, Any]) -> None:
    assert moderator.get("/api/v1/moderation/audit", params=params).status_code == 400


def test_a_refused_action_writes_no_audit_row(moderator: httpx.Client, user: httpx.Client) -> None:
    target = user_id(user)
    assert (
        moderator.post(
            f"/api/v1/moderation/user/{target}/unban", json={"reason": "Not banned at all."}
        ).status_code
        == 409
    )
    assert audit(moderator, targetType="user", targetId=target)["data"] == []


def test_the_api_prefix_reaches_moderation(
    mod_server: RunningServer, moderator: httpx.Client
) -> None:
    assert moderator.get("/api/moderation/review").status_code == 200
    assert moderator.get("/api/moderation/review/").status_code == 200
    assert moderator.get("/api/moderation/audit").status_code == 200
    unknown = moderator.get("/api/moderation/nothing")
    assert unknown.status_code == 404 and unknown.json()["error"] == "Not Found"
    with signed_up(mod_server.url) as someone:
        assert someone.get("/api/moderation/review").status_code == 403
