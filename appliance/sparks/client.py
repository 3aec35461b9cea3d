"""The board's Python client (``sparkhouse spark``): one spark, or a paced random stream."""

from __future__ import annotations

import argparse
import http.client
import random
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import orjson
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


class SparkClient:
    """Posts sparks over one keep-alive connection."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        self.prefix = parts.path.rstrip("/")
        self.connection = connection_class(parts.hostname, parts.port, timeout=timeout)

    def send(self, x: int, y: int, body: dict[str, Any]) -> tuple[int, Any]:
        payload = orjson.dumps(body)
        for attempt in (1, 2):
            try:
                self.connection.request(
                    "POST",
                    f"{self.prefix}/api/{x}/{y}",
                    body=payload,
                    headers={"Content-Type": "application/json"},
                )
                response = self.connection.getresponse()
                data = response.read()
                return response.status, orjson.loads(data) if data else None
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.connection.close()  # a closed keep-alive connection: reconnect once
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.connection.close()


def random_spark(rng: random.Random) -> tuple[int, int, dict[str, Any]]:
    return (
        rng.randrange(512),
        rng.randrange(512),
        {
            "color": [round(rng.random(), 3) for _ in range(3)],
            "radius": round(rng.uniform(4, 48), 1),
            "transparency": round(rng.uniform(0, 0.6), 2),
            "time_to_grow": round(rng.uniform(0, 3), 2),
        },
    )


def _parse_color(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise SystemExit(
            f"sparkhouse spark: --color must be r,g,b[,a] numbers, got {text!r}"
        ) from None


def run_spark_command(args: argparse.Namespace) -> int:
    try:
        client = SparkClient(args.url)
    except ValueError as exc:
        raise SystemExit(f"sparkhouse spark: {exc}") from None
    try:
        if args.random is not None:
            return _send_random(client, args.random, args.rate)
        if args.x is None or args.y is None:
            raise SystemExit("sparkhouse spark: give X and Y, or --random N")
        body = {
            "color": _parse_color(args.color),
            "radius": args.radius,
            "transparency": args.transparency,
            "time_to_grow": args.grow,
        }
        status, answer = client.send(args.x, args.y, body)
    except OSError as exc:
        raise SystemExit(
            f"sparkhouse spark: cannot reach {args.url} ({exc}); is `sparkhouse serve` running?"
        ) from None
    finally:
        client.close()
    if status == 202:
        print(f"sent spark at ({args.x}, {args.y})")
        return 0
    print(f"refused ({status}): {orjson.dumps(answer).decode()}", file=sys.stderr)
    return 1


def _send_random(client: SparkClient, count: int, rate: float) -> int:
    if count < 1 or rate <= 0:
        raise SystemExit("sparkhouse spark: --random needs N ≥ 1 and --rate > 0")
    rng = random.Random()
    failures = 0
    interval = 1.0 / rate
    start = time.monotonic()
    columns = (TextColumn("sparks"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task("sparks", total=count)
        for index in range(count):
            x, y, body = random_spark(rng)
            status, _ = client.send(x, y, body)
            failures += status != 202
            progress.advance(task)
            delay = start + (index + 1) * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    print(
        f"sent {count - failures} of {count} sparks" + (f"; {failures} refused" if failures else "")
    )
    return 1 if failures else 0
