"""Hypothesis over Phoenix Channels frames against a real server (the appliance plus the test
channel ``echo:*``): both serializers (vsn 2.0.0 arrays, 1.0.0 objects), wrong shapes and
types, huge refs, unknown topics and events, deep nesting, binary frames and text frames that
are not UTF-8.

Whatever arrives, the server answers (a heartbeat sent after the frames gets its reply) or
closes the socket with a clean close code; never a traceback in its log, never a hung socket.
Seeded (derandomize) and bounded, so ``make test`` runs the same examples every time.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.conftest import RunningServer

EXAMPLES = 300
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CLEAN_CLOSE_CODES = {1000, 1003, 1007, 1009}
"""Normal, unsupported data (binary), invalid payload (not UTF-8, not a frame), too big."""
ANSWER_SECONDS = 5.0
LOG_ALARMS = ("Traceback", "ERROR", "CRITICAL", "never retrieved")


@dataclass(frozen=True)
class Frame:
    data: str | bytes
    text: bool  # bytes sent in a text frame: not UTF-8

    def send(self, ws: ClientConnection) -> None:
        ws.send(self.data, text=self.text if isinstance(self.data, bytes) else None)


# -- strategies ---------------------------------------------------------------------------

huge_refs = st.one_of(
    st.integers(min_value=2**63, max_value=2**200),
    st.integers(min_value=1_000, max_value=100_000).map(lambda size: "7" * size),
)
refs = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.integers(),
    st.floats(),
    st.booleans(),
    huge_refs,
    st.lists(st.integers(), max_size=2),
)
topics = st.one_of(
    st.sampled_from(
        ["phoenix", "board:lobby", "clicker:lobby", "echo:fuzz", "echo:", "room:x", "", "*"]
    ),
    st.text(max_size=40),
)
events = st.one_of(
    st.sampled_from(
        [
            "heartbeat",
            "phx_join",
            "phx_leave",
            "phx_reply",
            "phx_close",
            "phx_error",
            "echo",
            "fail",
            "push",
            "broadcast",
            "click",
            "sparkle_event",
        ]
    ),
    st.text(max_size=20),
).filter(lambda event: event != "crash")  # the test channel's deliberate crash logs one
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=16,
)
payloads = st.one_of(st.dictionaries(st.text(max_size=8), json_values, max_size=4), json_values)


def dumps(value: Any) -> str:
    return json.dumps(value)  # NaN and Infinity come out as the non-JSON words, on purpose


v2_frames = st.tuples(refs, refs, topics, events, payloads).map(lambda t: dumps(list(t)))
# Well formed (refs strings or null, payload an object): these reach the channels' handlers.
good_refs = st.text(max_size=12) | st.integers(1, 10**6).map(str)
good_refs |= st.integers(min_value=1_000, max_value=100_000).map(lambda size: "7" * size)
objects = st.dictionaries(st.text(max_size=8), json_values, max_size=4)
good_v2 = st.tuples(st.none() | good_refs, good_refs, topics, events, objects).map(
    lambda t: dumps(list(t))
)
good_v1 = st.fixed_dictionaries(
    {"topic": topics, "event": events, "payload": objects, "ref": good_refs},
    optional={"join_ref": st.none() | good_refs},
).map(dumps)
v2_wrong_lengths = st.lists(json_values, max_size=7).map(dumps)
v1_frames = st.fixed_dictionaries(
    {},
    optional={
        "topic": topics,
        "event": events,
        "payload": payloads,
        "ref": refs,
        "join_ref": refs,
        "extra": json_values,
    },
).map(dumps)
# Deep payloads for the echo channel, which answers with what it got (up to past the 1024
# levels orjson reads).
depths = st.integers(min_value=50, max_value=1100)
deep_v2 = depths.map(lambda n: f'[null,"1","echo:fuzz","echo",{{"a":{"[" * n}{"]" * n}}}]')
deep_v1 = depths.map(
    lambda n: (
        f'{{"topic":"echo:fuzz","event":"echo","ref":"1","payload":{{"a":{"[" * n}{"]" * n}}}}}'
    )
)
deep_frames = st.one_of(deep_v2, deep_v1)
not_utf8 = st.binary(min_size=1, max_size=300).filter(lambda data: not _is_utf8(data))


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


any_frame = st.one_of(
    v2_frames.map(lambda text: Frame(text, True)),
    v1_frames.map(lambda text: Frame(text, True)),
    v2_wrong_lengths.map(lambda text: Frame(text, True)),
    json_values.map(lambda value: Frame(dumps(value), True)),
    st.text(max_size=200).map(lambda text: Frame(text, True)),
    deep_frames.map(lambda text: Frame(text, True)),
    st.binary(max_size=200).map(lambda data: Frame(data, False)),
    not_utf8.map(lambda data: Frame(data, True)),
)
# A join first, often, so pushes reach a joined channel's handlers.
joins = st.sampled_from(["echo:fuzz", "clicker:lobby", "board:lobby"])


@st.composite
def examples(draw: st.DrawFn) -> tuple[str, str | None, list[Frame]]:
    """A serializer, maybe a join, and 1–4 frames: mostly well formed for that serializer
    (so the channels' handlers see them), the rest anything at all; or, joined to the echo
    channel, a deeply nested payload it would answer with."""
    vsn = draw(st.sampled_from(["2.0.0", "1.0.0"]))
    if draw(st.integers(0, 7)) == 0:
        deep = deep_v2 if vsn == "2.0.0" else deep_v1
        return vsn, "echo:fuzz", [Frame(draw(deep), True)]
    good = (good_v2 if vsn == "2.0.0" else good_v1).map(lambda text: Frame(text, True))
    sent = draw(
        st.one_of(
            st.lists(good, min_size=1, max_size=4),
            st.lists(st.one_of(good, any_frame), min_size=1, max_size=4),
        )
    )
    return vsn, draw(st.none() | joins), sent


# -- the client side of one example ---------------------------------------------------------


def frame_of(vsn: str, join_ref: str | None, ref: str, topic: str, event: str, payload: Any) -> str:
    if vsn == "2.0.0":
        return json.dumps([join_ref, ref, topic, event, payload])
    return json.dumps(
        {"join_ref": join_ref, "ref": ref, "topic": topic, "event": event, "payload": payload}
    )


def ref_of(vsn: str, message: Any) -> Any:
    if vsn == "2.0.0":
        assert isinstance(message, list) and len(message) == 5, message
        return message[1]
    assert isinstance(message, dict) and {"topic", "event", "payload", "ref"} <= message.keys()
    return message["ref"]


def answered_or_closed(url: str, vsn: str, join: str | None, sent: list[Frame]) -> str:
    """Send the frames, then a heartbeat; 'answered' when its reply comes back, 'closed'
    when the server closed the socket cleanly. Fails on a hang or an unclean close."""
    with connect(f"{url}?vsn={vsn}", max_size=None, open_timeout=5, close_timeout=2) as ws:
        try:
            if join is not None:
                ws.send(frame_of(vsn, "j", "j", join, "phx_join", {}))
            for frame in sent:
                frame.send(ws)
            ws.send(frame_of(vsn, None, "probe", "phoenix", "heartbeat", {}))
            deadline = time.monotonic() + ANSWER_SECONDS
            while True:
                remaining = deadline - time.monotonic()
                assert remaining > 0, "the socket hung: no heartbeat reply and no close"
                raw = ws.recv(timeout=remaining)
                assert isinstance(raw, str), "the server sent a binary frame"
                message = json.loads(raw)  # every frame the server sends is JSON
                if ref_of(vsn, message) == "probe":
                    return "answered"
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
            assert code in CLEAN_CLOSE_CODES, f"closed with {code} ({closed})"
            return "closed"
        except TimeoutError:
            pytest.fail("the socket hung: no heartbeat reply and no close")


def new_log(server: RunningServer, offset: int) -> str:
    return server.log()[offset:]


def assert_quiet(logged: str) -> None:
    alarms = [line for line in logged.splitlines() if any(word in line for word in LOG_ALARMS)]
    assert not alarms, "\n".join(alarms[:20])


def test_phoenix_frames_are_answered_or_closed_cleanly(platform_server: RunningServer) -> None:
    url = platform_server.ws_url
    started_at = len(platform_server.log())
    outcomes: dict[str, int] = {}

    @FUZZ
    @given(examples())
    def example(drawn: tuple[str, str | None, list[Frame]]) -> None:
        vsn, join, sent = drawn
        offset = len(platform_server.log())
        outcome = answered_or_closed(url, vsn, join, sent)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        assert_quiet(new_log(platform_server, offset))

    example()
    # The server let go of every socket: none still open on its side, no read left pending.
    deadline = time.monotonic() + 5  # under Sanic's close timeout (10 s): nothing lingers
    with httpx.Client(base_url=platform_server.url, timeout=10) as client:
        while True:
            sockets = client.get("/api/system").json()["realtime"]["sockets"]
            pending = client.get("/_compat/ws-pending-reads").json()["pending"]
            if sockets == pending == 0:
                break
            assert time.monotonic() < deadline, f"{sockets} sockets open, {pending} reads pending"
            time.sleep(0.1)
    assert_quiet(new_log(platform_server, started_at))
    print(f"phoenix frames fuzz: {sum(outcomes.values())} examples, {outcomes}")
    # Both ways out were taken: the fuzz reached the handlers and the refusals.
    assert outcomes.get("answered", 0) > EXAMPLES // 10, outcomes
    assert outcomes.get("closed", 0) > EXAMPLES // 10, outcomes
