"""The real appliance plus two probe blueprints for tests/platform/test_errors.py: the same
routes on ``probe_shaped`` (which registers its own error renderer) and on ``probe_plain``
(which does not), so the tests see where the platform's one error path takes each error.

Run as ``python tests/platform/errors_app.py PORT DATA_DIR``; tests start it like the real server.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, Request
from sanic.exceptions import NotFound
from sanic.response import HTTPResponse

from appliance.platform.errors import ServiceError
from appliance.platform.http import json_response, register_error_renderer
from appliance.platform.validation import parse_model
from appliance.server import create_app
from appliance.settings import load_settings


class Probe(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1)
    sizes: list[int] = []


def render_probe_error(error: ServiceError) -> dict[str, Any]:
    return {
        "probe": error.code,
        "field": error.field,
        "problems": [str(problem) for problem in error.problems],
        **error.extra,
    }


def add_probe_routes(blueprint: Blueprint) -> Blueprint:
    @blueprint.get("/refuse")
    async def refuse(request: Request) -> HTTPResponse:
        raise ServiceError(
            409, "taken", "That name is taken", "name", {"X-Probe": "1"}, extra={"hint": "x"}
        )

    @blueprint.post("/model")
    async def model(request: Request) -> HTTPResponse:
        status = int(request.args.get("status", "422"))
        return json_response(parse_model(request, Probe, status=status).model_dump())

    @blueprint.get("/sanic")
    async def sanic_refusal(request: Request) -> HTTPResponse:
        raise NotFound("not here")

    @blueprint.get("/crash")
    async def crash(request: Request) -> HTTPResponse:
        raise RuntimeError("crashed on purpose")

    return blueprint


def main() -> None:
    port, data_dir = int(sys.argv[1]), Path(sys.argv[2])
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = create_app(load_settings(port=port, data_dir=data_dir), name="sparkhouse_errors_test")
    shaped = add_probe_routes(Blueprint("probe_shaped", url_prefix="/api/_probe/shaped"))
    register_error_renderer(shaped, render_probe_error)
    app.blueprint(shaped)
    app.blueprint(add_probe_routes(Blueprint("probe_plain", url_prefix="/api/_probe/plain")))
    app.run(host="127.0.0.1", port=port, single_process=True, access_log=False, motd=False)


if __name__ == "__main__":
    main()
