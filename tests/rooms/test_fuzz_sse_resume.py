"""Hypothesis over the resume headers of a room's stream (``Last-Event-ID`` and
``?lastEventId=``) against a real server, over a raw socket.

Whatever the client claims to have seen, the server answers: the stream (the current record,
or only ``retry:`` when the client already has the current version) or a 4xx; never a 5xx,
never a hang, never a traceback in its log. Seeded (derandomize) and bounded.
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass
from urllib.parse import quote, unquote_plus

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import RunningServer
from tests.rooms.support import new_room_id

EXAMPLES = 200
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ANSWER_SECONDS = 5.0
LOG_ALARMS = ("Traceback", "ERROR", "CRITICAL", "never retrieved")
VERSION = 3  # the room's version once the test has written it three times


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    first: bytes  # the body (an error) or the stream's first block


def ask(port: int, target: str, header_lines: list[bytes]) -> Answer:
    """One GET over a raw socket: the status, the headers, and the body or the first SSE
    block; an AssertionError when nothing comes back in time."""
    request = b"\r\n".join(
        [
            f"GET {target} HTTP/1.1".encode(),
            f"Host: 127.0.0.1:{port}".encode(),
            b"Accept: text/event-stream",
            *header_lines,
            b"Connection: close",
            b"",
            b"",
        ]
    )
    with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_SECONDS) as sock:
        sock.sendall(request)
        deadline = time.monotonic() + ANSWER_SECONDS
        data = b""

        def more() -> bytes:
            assert time.monotonic() < deadline, "no answer in time: a hung stream"
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                raise AssertionError("no answer in time: a hung stream") from None
            return chunk

        while b"\r\n\r\n" not in data:
            chunk = more()
            assert chunk, f"closed without an answer: {data[:200]!r}"
            data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        status = int(status_line.split()[1])
        if "content-length" in headers:
            while len(body) < int(headers["content-length"]):
                chunk = more()
                assert chunk, "the body was cut short"
                body += chunk
            return Answer(status, headers, body)
        assert headers.get("transfer-encoding") == "chunked", headers
        # The stream: read chunks until its first block (ended by a blank line) is complete.
        text = b""
        while b"\n\n" not in text:
            while b"\r\n" not in body:
                body += more()
            size_line, rest = body.split(b"\r\n", 1)
            size = int(size_line, 16)
            assert size > 0, "the stream ended before its first block"
            while len(rest) < size + 2:
                rest += more()
            text += rest[:size]
            body = rest[size + 2 :]
        return Answer(status, headers, text.split(b"\n\n", 1)[0])


def resumes_at(claim: str | None) -> bool:
    """Whether the stream treats ``claim`` as the current version (rooms/routes.py: digits,
    at most 18, surrounding whitespace ignored)."""
    if claim is None:
        return False
    stripped = claim.strip()
    return (
        stripped.isascii()
        and stripped.isdigit()
        and len(stripped) <= 18
        and (int(stripped) == VERSION)
    )


# A header value: any bytes but CR and LF (those end the header; that is the parser's fuzz).
header_bytes = st.one_of(
    st.binary(max_size=64).map(lambda raw: raw.replace(b"\r", b"").replace(b"\n", b"")),
    st.sampled_from([b"3", b" 3 ", b"03", b"2", b"4", b"-3", b"3.0", b"0x3", b"\xff3", b"\t3"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(lambda n: str(n).encode()),
    st.integers(min_value=1_000, max_value=20_000).map(lambda size: b"9" * size),
)
query_values = st.one_of(
    st.text(max_size=40).map(lambda text: quote(text, safe="")),
    st.text(alphabet="0123456789%abcdefABCDEF+&=;", max_size=24),  # raw, often invalid escapes
    st.sampled_from(["3", "%33", "%ff", "%", "%zz", "3%00", "%C3%28", "+3+"]),
)


def test_resume_headers_are_answered_cleanly(server: RunningServer) -> None:
    room_id = new_room_id("fuzz")
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for n in range(VERSION):
            assert client.put(f"/api/rooms/{room_id}", json={"state": {"n": n}}).status_code == 200
    path = f"/api/rooms/{room_id}/stream"
    started_at = len(server.log())
    statuses: dict[int, int] = {}

    @FUZZ
    @given(
        header=st.none() | header_bytes,
        second_header=st.none() | header_bytes,
        query=st.none() | query_values,
    )
    def example(header: bytes | None, second_header: bytes | None, query: str | None) -> None:
        lines = [
            b"Last-Event-ID: " + value for value in (header, second_header) if value is not None
        ]
        target = path if query is None else f"{path}?lastEventId={query}"
        answer = ask(server.port, target, lines)
        statuses[answer.status] = statuses.get(answer.status, 0) + 1
        assert answer.status < 500, (answer.status, answer.first[:300])
        if answer.status != 200:
            assert 400 <= answer.status < 500
            return
        assert answer.headers["content-type"].startswith("text/event-stream")
        fields = dict(line.split(b": ", 1) for line in answer.first.split(b"\n") if b": " in line)
        claims = [value.decode("latin-1") for value in (header, second_header) if value]
        claims += [unquote_plus(query)] if query is not None else []
        if b"data" not in fields:  # only retry: the client has the current version
            assert set(fields) == {b"retry"}, answer.first
            assert any(resumes_at(claim) for claim in claims), (header, second_header, query)
            return
        assert fields[b"id"] == str(VERSION).encode()
        assert json.loads(fields[b"data"])["version"] == VERSION
        first = next((value for value in (header, second_header) if value is not None), None)
        if first is not None and first.isascii():
            assert not resumes_at(first.decode()), f"{first!r} is the current version"

    example()
    time.sleep(0.3)
    logged = server.log()[started_at:]
    alarms = [line for line in logged.splitlines() if any(word in line for word in LOG_ALARMS)]
    assert not alarms, "\n".join(alarms[:20])
    print(f"resume headers fuzz: {sum(statuses.values())} examples, statuses {statuses}")
    assert statuses.get(200, 0) > EXAMPLES // 2, statuses
