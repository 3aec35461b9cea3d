"""schemathesis against ``/api/openapi.json`` on a real server: every operation of every part,
anonymous and authenticated (the API key on the analytics API, the login cookie on its auth
routes), seeded, a bounded number of examples per operation (``make fuzz``: many more).

Each response must be no 5xx, of a documented status, of the documented media type, and match
its documented schema. Generated ids are mostly swapped for the set-up's real ones (the
website, its share link and goal) so requests reach the handlers instead of a 404.
"""

from __future__ import annotations

import copy
import tempfile
import zlib
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.conftest import EXAMPLES, FuzzTarget

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _document() -> dict[str, Any]:
    """The document the server serves, made in this process (the operations must be known
    when pytest collects; ``test_the_server_serves_this_document`` checks it is the same)."""
    from appliance.server import create_app
    from appliance.settings import load_settings

    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(load_settings(data_dir=Path(data_dir)), name="sparkhouse_fuzz_document")
        document: dict[str, Any] = app.ctx.openapi_document()
        return document


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT))
schema.config.update(request_timeout=30)
schema.config.max_stream_events = 1  # a room's stream never ends: its first event is enough
schema.config.generation.update(max_examples=EXAMPLES, deterministic=True)


def test_the_server_serves_this_document(fuzz_target: FuzzTarget) -> None:
    served = httpx.get(f"{fuzz_target.url}/api/openapi.json", timeout=10).json()
    assert served == DOCUMENT
    assert "x-undocumented" not in served


def _keep(value: Any) -> bool:
    """A quarter of the generated ids are kept (deterministically): the 404 paths run too."""
    return zlib.crc32(repr(value).encode()) % 4 == 0


def _aim(case: Any, target: FuzzTarget) -> None:
    """Swap most generated ids for the set-up's real ones; deletions keep theirs, so the
    set-up's website, share link and goal stay for the rest of the run."""
    params = case.path_parameters or {}
    real = {
        "website_id": target.website_id,
        "share_id": target.share_id,
        "goal_id": target.goal_id,
        "room_id": "fuzz",
    }
    if case.method.upper() != "DELETE":
        for name, value in real.items():
            if name in params and not _keep(params[name]):
                params[name] = value
    body = case.body
    if isinstance(body, dict) and not _keep(body):
        if "website_id" in body:
            body["website_id"] = target.website_id
        if isinstance(body.get("payload"), dict) and "website" in body["payload"]:
            body["payload"]["website"] = target.website_id
        if "d" in body and "n" in body:
            body["d"] = target.domain


def _call(case: Any, target: FuzzTarget, headers: dict[str, str]) -> None:
    _aim(case, target)
    target.counts["examples"] += 1
    response = case.call(base_url=target.url, headers=headers)
    target.counts[f"status_{response.status_code // 100}xx"] += 1
    try:
        case.validate_response(response, checks=CHECKS)
    except Exception:
        target.counts["failures"] += 1
        raise


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # seeded by the test's name: the same examples every run
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_anonymous(case: Any, fuzz_target: FuzzTarget) -> None:
    """No credentials: the analytics API answers 401 (or its public routes), never a 5xx."""
    _call(case, fuzz_target, {})


@schema.parametrize()
@FUZZ_SETTINGS
def test_authenticated(case: Any, fuzz_target: FuzzTarget) -> None:
    """The API key on the analytics API, the login cookie on its cookie-only auth routes."""
    if case.path.startswith("/api/auth/"):
        headers = {"Cookie": f"spk_session={fuzz_target.cookie}"}
    else:
        headers = {"Authorization": f"Bearer {fuzz_target.api_key}"}
    _call(case, fuzz_target, headers)
