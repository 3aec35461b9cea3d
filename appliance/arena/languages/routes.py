"""HTTP of the arena's languages (codincod-contract.md §3.6, §3.8): the languages the executor
offers, one by id, and ``POST /execute`` (one judged run; nothing is stored)."""

from __future__ import annotations

from typing import Any

from sanic import Request
from sanic.response import HTTPResponse

from appliance.arena import docs
from appliance.arena.accounts.guard import signed_in
from appliance.arena.errors import arena_error
from appliance.arena.execution import ExecutionService
from appliance.arena.http import arena_blueprint, arena_route, parse_body
from appliance.arena.languages.models import (
    ExecuteAnswer,
    ExecuteBody,
    LanguageDto,
    LanguageList,
)
from appliance.arena.languages.service import LanguageService, execution_refusals
from appliance.platform.http import json_response
from appliance.platform.openapi import Doc

blueprint = arena_blueprint("arena_languages")


def _languages(request: Request) -> LanguageService:
    languages: LanguageService = request.app.ctx.arena.languages
    return languages


def _execution(request: Request) -> ExecutionService:
    execution: ExecutionService = request.app.ctx.arena.execution
    return execution


@arena_route(
    blueprint,
    "/programming-language",
    ["GET"],
    docs=Doc(
        summary="The programming languages the code executor offers now",
        description="Sorted by language, then by version, newest first. Ids are stable: a "
        "language:version keeps its id while the executor offers it and after.",
        tag=docs.TAG,
        responses=docs.replies({200: LanguageList}, 503),
    ),
)
async def list_languages(request: Request) -> HTTPResponse:
    with execution_refusals():
        installed = await _languages(request).installed()
    return json_response({"languages": [LanguageDto.of(item).wire() for item in installed]})


@arena_route(
    blueprint,
    "/programming-language/<language_id>",
    ["GET"],
    docs=Doc(
        summary="A programming language by id",
        tag=docs.TAG,
        responses=docs.replies({200: LanguageDto}, 404),
    ),
)
async def language(request: Request, language_id: str) -> HTTPResponse:
    found = await _languages(request).by_id(language_id)
    if found is None:
        raise arena_error(404, "Programming language not found", error="Not Found")
    return json_response(LanguageDto.of(found).wire())


@arena_route(
    blueprint,
    "/execute",
    ["POST"],
    limit="execute",
    docs=Doc(
        summary="Run code on one test and judge it (nothing is stored)",
        description="stdin is testInput; the test passes when testOutput, right-trimmed, "
        "equals the run's output (stdout and stderr) or its stdout, right-trimmed. The exit "
        "code is ignored.",
        tag=docs.TAG,
        body=ExecuteBody,
        security=docs.SIGNED_IN,
        responses=docs.replies({200: ExecuteAnswer}, 502, 503, guarded=True),
    ),
)
async def execute(request: Request) -> HTTPResponse:
    await signed_in(request)
    body = parse_body(request, ExecuteBody)
    with execution_refusals():
        summary = await _execution(request).run_tests(
            body.language, body.code, [(body.test_input, body.test_output)]
        )
    result = summary.tests[0].result
    answer: dict[str, Any] = {}
    if result.run is not None:
        answer["run"] = result.run.wire()
    if result.compile_ is not None:
        answer["compile"] = result.compile_.wire()
    answer["puzzleResultInformation"] = summary.model_dump(mode="json")
    return json_response(answer)
