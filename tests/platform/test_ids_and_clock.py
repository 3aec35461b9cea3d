"""The one id generator and the one clock of the appliance (platform/ids.py, clock.py)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from appliance.platform.clock import utc_now, utc_now_aware
from appliance.platform.ids import LOWER_ALNUM, derived_uuid, random_id, uuid4, uuid7


def test_random_id_has_prefix_length_and_alphabet() -> None:
    ids = {random_id(10, "site_") for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"site_[0-9a-z]{10}", value) for value in ids)
    assert re.fullmatch(r"[ab]{5}", random_id(5, alphabet="ab"))
    assert LOWER_ALNUM == "0123456789abcdefghijklmnopqrstuvwxyz"


def test_uuid4_is_a_random_uuid() -> None:
    value = uuid.UUID(uuid4())
    assert value.version == 4
    assert uuid4() != uuid4()


def test_uuid7_is_version_7_and_time_ordered() -> None:
    ids = [uuid7(1_700_000_000 + i) for i in range(5)]
    assert ids == sorted(ids)
    parsed = uuid.UUID(ids[0])
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert int(ids[0].replace("-", "")[:12], 16) == 1_700_000_000_000  # the milliseconds


def test_derived_uuid_is_stable_and_separates_its_parts() -> None:
    assert derived_uuid("a", "b") == derived_uuid("a", "b")
    assert derived_uuid("a", "b") != derived_uuid("ab")
    assert str(uuid.UUID(derived_uuid("x"))) == derived_uuid("x")


def test_utc_now_is_naive_utc_and_aware_variant_agrees() -> None:
    naive, aware = utc_now(), utc_now_aware()
    assert naive.tzinfo is None
    assert aware.tzinfo is UTC
    assert abs(aware.replace(tzinfo=None) - naive) < timedelta(seconds=5)
    assert abs(datetime.now(UTC) - aware) < timedelta(seconds=5)
