"""A test double of a Piston v2 server: a real HTTP server on 127.0.0.1 (a thread running
``http.server``) that speaks Piston's wire shapes, so the arena's Piston backend is tested
over real HTTP without Docker or a privileged Piston.

Faithful to Piston (api/src/api/v2.js): ``GET /api/v2/runtimes`` answers a list of
``{language, version, aliases, runtime?}``; ``POST /api/v2/execute`` checks its body in
Piston's order and answers 400 ``{"message": ...}`` with Piston's messages (language and
version required as strings, files required as an array whose entries have a string
``content``, ``<language>-<version> runtime is unknown``), else
``{language, version, run: {stdout, stderr, output, code, signal}}``.

Not Piston: it "executes" only python, by running the code with this machine's interpreter,
unsandboxed (the tests send only their own code), and its ``output`` is stdout then stderr
rather than interleaved. Knobs let a test make it misbehave: ``runtimes_answer`` (e.g. a
``{"message"}`` object instead of a list) and ``execute_error`` (a 500 ``{"message"}``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PYTHON_VERSION = "{}.{}.{}".format(*sys.version_info[:3])
DEFAULT_RUNTIMES: list[dict[str, Any]] = [
    {"language": "python", "version": PYTHON_VERSION, "aliases": ["py", "py3", "python3"]},
    {
        "language": "javascript",
        "version": "20.11.1",
        "aliases": ["node-javascript", "node-js", "javascript", "js"],
        "runtime": "node",
    },
]


class FakePiston:
    """Start with ``start()`` (returns the base URL), stop with ``stop()``."""

    def __init__(self) -> None:
        self.runtimes: list[dict[str, Any]] = [dict(entry) for entry in DEFAULT_RUNTIMES]
        self.runtimes_answer: Any = None  # when set, answered instead of the runtime list
        self.execute_error: str | None = None
        self.runtimes_requests = 0
        self.execute_bodies: list[Any] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def answer(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path != "/api/v2/runtimes":
                    return self.answer(404, {"message": "Not Found"})
                fake.runtimes_requests += 1
                answer = fake.runtimes if fake.runtimes_answer is None else fake.runtimes_answer
                self.answer(200, answer)

            def do_POST(self) -> None:
                if self.path != "/api/v2/execute":
                    return self.answer(404, {"message": "Not Found"})
                length = int(self.headers.get("content-length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"null")
                except ValueError:
                    return self.answer(400, {"message": "Invalid JSON"})
                fake.execute_bodies.append(body)
                status, answer = fake.execute(body)
                self.answer(status, answer)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def execute(self, body: Any) -> tuple[int, Any]:
        """Piston's checks, in its order, then a run (python only)."""
        if not isinstance(body, dict):
            body = {}
        language, version, files = body.get("language"), body.get("version"), body.get("files")
        if not language or not isinstance(language, str):
            return 400, {"message": "language is required as a string"}
        if not version or not isinstance(version, str):
            return 400, {"message": "version is required as a string"}
        if not isinstance(files, list):
            return 400, {"message": "files is required as an array"}
        for index, file in enumerate(files):
            if not isinstance(file, dict) or not isinstance(file.get("content"), str):
                return 400, {"message": f"files[{index}].content is required as a string"}
        runtime = next(
            (
                entry
                for entry in self.runtimes
                if (entry["language"] == language or language in entry["aliases"])
                and entry["version"] == version
            ),
            None,
        )
        if runtime is None:
            return 400, {"message": f"{language}-{version} runtime is unknown"}
        if self.execute_error is not None:
            return 500, {"message": self.execute_error}
        if runtime["language"] != "python":
            return 500, {"message": "this fake Piston only runs python"}
        try:
            done = subprocess.run(
                [sys.executable, "-I", "-c", files[0]["content"]],
                input=str(body.get("stdin", "")).encode(),
                capture_output=True,
                timeout=3,
            )
        except subprocess.TimeoutExpired:
            run = {"stdout": "", "stderr": "", "output": "", "code": None, "signal": "SIGKILL"}
        else:
            stdout, stderr = done.stdout.decode(), done.stderr.decode()
            run = {
                "stdout": stdout,
                "stderr": stderr,
                "output": stdout + stderr,
                "code": done.returncode,
                "signal": None,
            }
        return 200, {"language": runtime["language"], "version": runtime["version"], "run": run}
