"""The platform's identity service where no HTTP route shows it: bcrypt's own threads, the
first-run secret file, and attempts counted atomically against a real SQLite store."""

from __future__ import annotations

import asyncio
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from appliance.platform.auth import FirstRunSecret, IdentityRepository, IdentityService
from appliance.platform.auth.service import LOCKOUT_FAILURES
from appliance.platform.store import Store


def test_a_burst_of_password_checks_leaves_the_default_executor_free(tmp_path: Path) -> None:
    """The analytics flush and the clicker snapshots run in the loop's default executor: a
    burst of bcrypt checks queued there would hold them up."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        default = ThreadPoolExecutor(1)
        loop.set_default_executor(default)
        identity = IdentityService(
            IdentityRepository(Store.in_dir(tmp_path)), session_days=1, bcrypt_rounds=10
        )
        try:
            hashed = await identity.hash_password("the right password")
            burst = [
                asyncio.ensure_future(identity.check_password(f"guess {n}", hashed))
                for n in range(20)
            ]
            await asyncio.sleep(0)  # the burst is queued first
            await asyncio.to_thread(lambda: None)
            assert not all(check.done() for check in burst)
            assert await asyncio.gather(*burst) == [False] * 20
        finally:
            identity.close()
            default.shutdown()

    asyncio.run(main())


def test_first_run_secret_is_private_and_kept_until_discarded(tmp_path: Path) -> None:
    old_umask = os.umask(0)  # the most permissive umask: the file must still be 0600
    try:
        secret_file = FirstRunSecret.in_dir(tmp_path / "data")
        assert secret_file.read() is None
        secret = secret_file.ensure()
    finally:
        os.umask(old_umask)
    assert len(secret) >= 32
    assert stat.S_IMODE(secret_file.path.stat().st_mode) == 0o600
    assert secret_file.ensure() == secret == secret_file.read()  # made once
    secret_file.path.chmod(0o644)  # e.g. copied in by hand
    assert secret_file.ensure() == secret
    assert stat.S_IMODE(secret_file.path.stat().st_mode) == 0o600
    secret_file.discard()
    assert not secret_file.path.exists() and secret_file.read() is None
    secret_file.discard()  # twice is fine
    assert secret_file.ensure() != secret


async def test_concurrent_attempts_never_pass_the_limit(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path)
    await store.start()
    identity = IdentityService(IdentityRepository(store), session_days=1)
    try:
        results = await asyncio.gather(
            *(identity.begin_attempt("login", "203.0.113.9") for _ in range(25))
        )
        granted = [attempt for attempt in results if attempt is not None]
        assert len(granted) == LOCKOUT_FAILURES
        assert await identity.locked_out("login", "203.0.113.9")
        assert not await identity.locked_out("setup", "203.0.113.9")  # scopes are apart
        assert not await identity.locked_out("login", "203.0.113.10")
        await identity.forget_attempt(granted[0])  # a success does not count
        assert not await identity.locked_out("login", "203.0.113.9")
    finally:
        identity.close()
        await store.stop()
