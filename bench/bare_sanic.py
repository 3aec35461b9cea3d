"""The baseline of the HTTP ingest benches: a minimal Sanic app, nothing of the appliance.

A standalone script, not part of the appliance::

    python bench/bare_sanic.py --port 8002

One route, ``/bare``: POST (what the benches load) answers 202 with ``{}``, GET (the harness's
health check) 200. No middleware, no signals, no access log, no error handler of our own, the
defaults of Sanic in the appliance's venv (uvloop, TouchUp): what Sanic itself reaches per request
on this machine. A bench reports the appliance's req/s as a fraction of this one's, measured in
the same run, so the ratio shows everything the appliance adds to a request.
"""

from __future__ import annotations

import argparse

from sanic import Request, Sanic
from sanic.response import HTTPResponse

PATH = "/bare"
_EMPTY = b"{}"

app = Sanic("bare", configure_logging=False)
app.config.MOTD = False


@app.route(PATH, methods=["GET", "POST"])
async def bare(request: Request) -> HTTPResponse:
    status = 202 if request.method == "POST" else 200
    return HTTPResponse(_EMPTY, status=status, content_type="application/json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app.run(
        host="127.0.0.1",
        port=args.port,
        single_process=True,
        access_log=False,
        motd=False,
        debug=False,
    )


if __name__ == "__main__":
    main()
