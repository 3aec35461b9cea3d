"""The one place identifiers are made: short random ids (``site_…``, ``goal_…``, ``key_…``),
random and time-ordered UUIDs, MongoDB-style object ids, and UUIDs derived from their inputs."""

from __future__ import annotations

import hashlib
import random
import secrets
import string
import time
import uuid

LOWER_ALNUM = string.digits + string.ascii_lowercase
"""``[0-9a-z]``: the alphabet of the short ids of analytics-api.md 1.2."""


def random_id(length: int, prefix: str = "", alphabet: str = LOWER_ALNUM) -> str:
    """``prefix`` + ``length`` characters of ``alphabet``, from the secrets module (ids are
    guessable otherwise, and some of them are shown to the public)."""
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


def uuid4() -> str:
    """A random UUID as text (share links, clicker players)."""
    return str(uuid.uuid4())


def uuid7(now: float | None = None) -> str:
    """A time-ordered UUID (RFC 9562 version 7): 48 bits of Unix milliseconds (``now`` in
    seconds, default the current time), then random bits. For ids that need uniqueness, not
    secrecy (analytics events), so the fast PRNG does."""
    ms = int((time.time() if now is None else now) * 1000) & 0xFFFF_FFFF_FFFF
    rand = random.getrandbits(74)
    value = ms << 80 | 0x7 << 76 | (rand >> 62) << 64 | 0b10 << 62 | (rand & (1 << 62) - 1)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def derived_uuid(*parts: str) -> str:
    """A UUID-shaped text that is a one-way function of ``parts``: the same inputs always give
    the same id, and the id does not reveal them."""
    return str(uuid.UUID(bytes=hashlib.sha256("\x00".join(parts).encode()).digest()[:16]))


def object_id(now: float | None = None) -> str:
    """A 24-hex id shaped like a MongoDB ObjectId (4 bytes of Unix seconds, then 8 random
    bytes): the arena's ids, which CodinCod's frontend checks with ``ObjectId.isValid``.
    Time-ordered by their first 8 characters; random enough not to be guessed."""
    seconds = int(time.time() if now is None else now) & 0xFFFF_FFFF
    return f"{seconds:08x}{secrets.token_hex(8)}"
