#!/usr/bin/env python3
"""Play one arena run against a started server and say where it ran, or why it could not.

    python3 packaging/arena-check.py http://127.0.0.1:4798

Registers an account, then ``POST /api/v1/execute`` (the puzzle page's Run: Python reversing a
line). Prints one line and exits 0 in either expected case:

    arena: a python run passed (sandbox or Piston)
    arena: no code runs here (503): <the server's advice>

Anything else (the run failed, another status) exits 1. Used by packaging/buildah-check.sh,
which runs the image where it has no sandbox of its own; standard library only, because the
image checks run it with the host's python3.
"""

from __future__ import annotations

import http.cookiejar
import json
import sys
import urllib.error
import urllib.request
from typing import Any


def post(opener: urllib.request.OpenerDirector, url: str, body: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 - http(s) to the server under check
        url,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    try:
        with opener.open(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as refused:
        text = refused.read()
        try:
            return refused.code, json.loads(text)
        except ValueError:
            return refused.code, text.decode(errors="replace")
    except urllib.error.URLError as error:
        raise SystemExit(f"arena: {url} cannot be reached: {error.reason}") from None


def main(base: str) -> int:
    # the token cookie of the registration signs the run in
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    api = base.rstrip("/") + "/api/v1"
    account = {"email": "image@example.org", "username": "image_check", "password": "x" * 16}
    status, body = post(opener, api + "/register", account)
    if status != 200:
        print(f"arena: register answered {status}: {body}", file=sys.stderr)
        return 1
    run = {"language": "python", "code": "print(input()[::-1])", "testInput": "abc"}
    status, body = post(opener, api + "/execute", {**run, "testOutput": "cba"})
    if status == 200 and body.get("puzzleResultInformation", {}).get("result") == "success":
        print("arena: a python run passed (sandbox or Piston)")
        return 0
    if status == 503 and isinstance(body, dict):
        print(f"arena: no code runs here (503): {body.get('message')}")
        return 0
    print(f"arena: execute answered {status}: {body}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
