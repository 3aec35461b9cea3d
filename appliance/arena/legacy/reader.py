"""Reading one collection of a ``mongoexport``: JSON lines (one document a line, the tool's
default) or a JSON array (``--jsonArray``), in Extended JSON (``$oid``, ``$date``,
``$numberLong``, ``$numberInt``, ``$numberDouble``, …) parsed by pymongo's ``bson.json_util``
(canonical and relaxed forms alike). ``bson`` loads only here, when an import runs.

A line that is not a document is reported with its number and the parser's words; the other
lines are read all the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INSTALL_HINT = (
    "the CodinCod import needs pymongo's bson package: pip install 'pymongo>=4.10,<5' "
    "(it is one of sparkhouse's dependencies; the binary ships it)"
)


class ReaderUnavailable(RuntimeError):
    """bson (pymongo) is not installed."""


@dataclass(frozen=True)
class Entry:
    """One document of the file (``document``), or why its line could not be read
    (``error``); ``where`` says which (``line 12``, ``item 3``)."""

    where: str
    document: dict[str, Any] | None = None
    error: str | None = None


def _loads() -> Any:
    try:
        from bson import json_util
    except ImportError:  # pragma: no cover - a dependency; kept for a trimmed install
        raise ReaderUnavailable(INSTALL_HINT) from None
    return json_util.loads


def _is_array(path: Path) -> bool:
    with path.open("rb") as file:
        while chunk := file.read(4096):
            stripped = chunk.lstrip(b"\xef\xbb\xbf \t\r\n")
            if stripped:
                return stripped.startswith(b"[")
    return False


def read(path: Path) -> Iterator[Entry]:
    """The file's documents in order; nothing for a missing file."""
    if not path.is_file():
        return
    loads = _loads()
    if _is_array(path):
        try:
            items = loads(path.read_text(encoding="utf-8-sig"))
        except Exception as error:  # bson raises ValueError, TypeError, InvalidId, …
            yield Entry("file", error=f"not a JSON array of documents: {error}")
            return
        if not isinstance(items, list):
            yield Entry("file", error="not a JSON array of documents")
            return
        for number, item in enumerate(items, 1):
            if isinstance(item, dict):
                yield Entry(f"item {number}", document=item)
            else:
                yield Entry(f"item {number}", error="not a document (an object)")
        return
    with path.open(encoding="utf-8-sig") as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            try:
                document = loads(line)
            except Exception as error:
                yield Entry(f"line {number}", error=f"not Extended JSON: {error}")
                continue
            if isinstance(document, dict):
                yield Entry(f"line {number}", document=document)
            else:
                yield Entry(f"line {number}", error="not a document (an object)")
