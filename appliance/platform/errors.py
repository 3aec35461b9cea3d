"""The one error type of the appliance, and the default shape it is answered in.

A service, a model validator or a route raises :class:`ServiceError` and does nothing else
with it: no part builds an error response by hand. Nothing here knows HTTP (services have
none); the platform's error handler (``JsonErrorHandler`` in platform/http.py) turns the error
into the response, with the body made by the renderer of the route's part — the envelope
``{"error": {"code", "message", "field"}}`` (:func:`envelope`) unless the part registered
another, because its spec fixes another shape (``http.register_error_renderer``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input: the top-level ``field`` ("body" for the body as a whole),
    where inside it (``path``: list indexes, keys), and what."""

    field: str
    message: str
    path: tuple[str | int, ...] = ()

    @property
    def where(self) -> str:
        """The dotted path of the problem: ``"sizes.1"``."""
        return ".".join(str(part) for part in (self.field, *self.path))

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ServiceError(Exception):
    """A refusal: ``status`` (an HTTP status number, the only HTTP it carries), a stable
    machine ``code``, a ``message`` for people, and the ``field`` it is about (None when it
    is about no one field).

    - ``headers``: response headers that belong to the refusal (``Retry-After``, ``Allow``,
      ``ETag``).
    - ``extra``: more members of the answer (``retry_after_ms``, the room's ``current``
      record); the envelope adds them to its ``error`` object.
    - ``problems``: every problem found, when validation found several; ``field`` and
      ``message`` already tell all of them, a renderer may list them one by one.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        extra: Mapping[str, Any] | None = None,
        problems: Sequence[Problem] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        self.problems = tuple(problems)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.status}, {self.code!r}, {self.message!r}, "
            f"field={self.field!r})"
        )


ErrorRenderer = Callable[[ServiceError], Any]
"""Makes the JSON body of a part's refusals; the status and headers are the error's own."""


def envelope(error: ServiceError) -> dict[str, Any]:
    """The default body: ``{"error": {"code", "message", "field", **extra}}``."""
    return {
        "error": {
            "code": error.code,
            "message": error.message,
            "field": error.field,
            **error.extra,
        }
    }


@dataclass(frozen=True, slots=True)
class Wording:
    """How refused input is answered, where a part's spec fixes it (the default is the
    platform's own):

    - ``code``: one code for every refusal of input, in place of ``invalid_json`` and
      ``invalid_<field>`` (a 415 keeps ``unsupported_media_type``); None keeps them.
    - ``field``: what the error's ``field`` is: the first problem's top-level field
      (``"name"``), its dotted path (``"path"``: ``"items.0.url"``) or nothing (``"none"``).
    - ``message``: every problem with its path (``"all"``), the first one with its path
      (``"first"``), or the first one's text alone (``"bare"``).
    """

    code: str | None = None
    field: Literal["name", "path", "none"] = "name"
    message: Literal["all", "first", "bare"] = "all"


PLATFORM_WORDING = Wording()


def invalid_input(
    problems: Sequence[Problem],
    *,
    status: int = 422,
    fields: Collection[str] = (),
    wording: Wording = PLATFORM_WORDING,
    label: str | None = None,
) -> ServiceError:
    """Refuse input that has ``problems``, worded by ``wording``. By default the error names
    the first one's field, with code ``invalid_<field>`` when it is one of the input's
    ``fields`` (``invalid_body`` for anything else: an unknown field, the body as a whole),
    and its message tells every problem. ``label`` names the input at the start of the
    message, where a body holds several (``"event 2: url: ..."``)."""
    first = problems[0]
    if wording.code is not None:
        code = wording.code
    else:
        code = f"invalid_{first.field}" if first.field in fields else "invalid_body"
    if wording.message == "all":
        message = "; ".join(str(problem) for problem in problems)
    else:
        message = str(first) if wording.message == "first" else first.message
    if label is not None:
        message = f"{label}: {message}"
    field = {"name": first.field, "path": first.where, "none": None}[wording.field]
    return ServiceError(status, code, message, field, problems=problems)
