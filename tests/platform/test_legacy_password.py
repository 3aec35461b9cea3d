"""Imported password hashes (``legacy$`` + plain bcrypt of the password, CodinCod's): they
verify, a wrong password does not, and the first successful check replaces the hash by the
house scheme (bcrypt over the SHA-256 prehash)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import bcrypt

from appliance.platform.auth import IdentityRepository, IdentityService, Role, User
from appliance.platform.auth.service import LEGACY_BCRYPT
from appliance.platform.clock import utc_now
from appliance.platform.store import Store

PASSWORD = "an old CodinCod password"


def test_a_legacy_hash_verifies_and_is_upgraded_on_the_first_login(tmp_path: Path) -> None:
    async def main() -> None:
        store = Store.in_dir(tmp_path)
        await store.start()
        repository = IdentityRepository(store)
        identity = IdentityService(repository, session_days=1, bcrypt_rounds=4)
        try:
            legacy = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4, prefix=b"2a")).decode()
            now = utc_now()
            user = User("0123456789abcdef01234567", "old", Role.USER, False, now, now)
            await repository.add_user(replace(user, password_hash=LEGACY_BCRYPT + legacy))
            stored = await identity.user_by_id(user.id)
            assert stored is not None
            assert await identity.check_password(PASSWORD, stored.password_hash)
            assert not await identity.verify_password(stored, "not the password")
            unchanged = await identity.user_by_id(user.id)
            assert unchanged is not None and unchanged.password_hash == LEGACY_BCRYPT + legacy

            assert await identity.verify_password(stored, PASSWORD)
            upgraded = await identity.user_by_id(user.id)
            assert upgraded is not None and upgraded.password_hash is not None
            assert not upgraded.password_hash.startswith(LEGACY_BCRYPT)
            assert await identity.verify_password(upgraded, PASSWORD)
            assert not await identity.check_password("not the password", upgraded.password_hash)
            # the plain bcrypt alone (no marker) is not taken for the house scheme
            assert not await identity.check_password(PASSWORD, legacy)
        finally:
            identity.close()
            await store.stop()

    asyncio.run(main())


def test_a_legacy_hash_reads_only_the_first_72_bytes_as_bcryptjs_did() -> None:
    from appliance.platform.auth.service import _check_password_sync

    long_password = "x" * 80
    legacy = bcrypt.hashpw(long_password.encode()[:72], bcrypt.gensalt(4)).decode()
    assert _check_password_sync(long_password, LEGACY_BCRYPT + legacy)
    assert _check_password_sync("x" * 72, LEGACY_BCRYPT + legacy)
    assert not _check_password_sync("x" * 71, LEGACY_BCRYPT + legacy)
    assert not _check_password_sync(long_password, LEGACY_BCRYPT + "garbage")
