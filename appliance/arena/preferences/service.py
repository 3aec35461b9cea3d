"""Arena preferences (codincod-contract.md §3.3): one record per account, read, replaced
(PUT), changed (PATCH) and deleted by its owner. No HTTP here.

* PUT is CodinCod's upsert: the fields sent overwrite the stored ones, the others keep their
  value (a first PUT gives them their defaults), an omitted ``blockedUsers`` becomes ``[]``,
  and an ``editor`` sent is the whole editor (the switches it leaves out are on again, the
  keymap vscode).
* PATCH is ``$set`` of the fields sent, upserting too; an ``editor`` sent changes only the
  settings it names (CodinCod's would reset the others to their defaults: a PATCH of one
  switch should not turn the rest back on).
* A body that fails validation never reaches here: nothing is written.
* Blocked users are stored for the frontend to honour; :meth:`PreferenceService.blocked`
  is the set a later context (the live games' chat) filters by.
"""

from __future__ import annotations

import asyncio
import dataclasses
import zlib
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from appliance.arena.accounts.models import Principal
from appliance.arena.errors import arena_error
from appliance.arena.preferences.models import (
    Preferences,
    PreferencesBody,
    complete_editor,
    default_editor,
)
from appliance.arena.preferences.store import PreferenceRepository
from appliance.arena.wire import new_id
from appliance.platform.clock import utc_now

NOT_FOUND = "Preferences not found"
ATTEMPTS = 8
"""Writes of one account that keep crossing another of its writes (from another process:
within one, :data:`STRIPES` queues them) give up after this many."""
STRIPES = 64
"""Locks that writes take by their account: one account's writes in this process wait their
turn instead of racing (and retrying); 64 bounds the memory, whatever the accounts."""

Change = Callable[[Preferences], Preferences]
T = TypeVar("T")


class PreferenceService:
    def __init__(self, repository: PreferenceRepository) -> None:
        self.repository = repository
        self._locks = [asyncio.Lock() for _ in range(STRIPES)]

    async def get(self, principal: Principal) -> Preferences:
        preferences = await self.repository.get(principal.account_id)
        if preferences is None:
            raise arena_error(404, NOT_FOUND)
        return preferences

    async def replace(self, principal: Principal, body: PreferencesBody) -> Preferences:
        """PUT: the fields sent overwrite; ``blockedUsers`` is what was sent, else empty."""

        def change(current: Preferences) -> Preferences:
            return dataclasses.replace(
                current,
                preferred_language=_or(body.preferred_language, current.preferred_language),
                theme=_or(body.theme, current.theme),
                blocked_users=tuple(body.blocked_users or ()),
                editor=(
                    {**default_editor(), **body.editor.sent()}
                    if body.editor is not None
                    else current.editor
                ),
            )

        return await self._write(principal.account_id, change)

    async def update(self, principal: Principal, body: PreferencesBody) -> Preferences:
        """PATCH: the fields sent overwrite, the editor's settings one by one."""

        def change(current: Preferences) -> Preferences:
            return dataclasses.replace(
                current,
                preferred_language=_or(body.preferred_language, current.preferred_language),
                theme=_or(body.theme, current.theme),
                blocked_users=(
                    tuple(body.blocked_users)
                    if body.blocked_users is not None
                    else current.blocked_users
                ),
                editor=(
                    {**complete_editor(current.editor), **body.editor.sent()}
                    if body.editor is not None
                    else current.editor
                ),
            )

        return await self._write(principal.account_id, change)

    async def delete(self, principal: Principal) -> None:
        if not await self.repository.delete(principal.account_id):
            raise arena_error(404, NOT_FOUND)

    async def blocked(self, account_id: str) -> frozenset[str]:
        """The ids the account blocked (none without a record)."""
        preferences = await self.repository.get(account_id)
        return frozenset(preferences.blocked_users) if preferences else frozenset()

    async def _write(self, account_id: str, change: Change) -> Preferences:
        """Read, ``change``, write back unless another write of the account came between
        (then again, from what it wrote)."""
        async with self._locks[zlib.crc32(account_id.encode()) % STRIPES]:
            return await self._write_once(account_id, change)

    async def _write_once(self, account_id: str, change: Change) -> Preferences:
        for _ in range(ATTEMPTS):
            current = await self.repository.get(account_id)
            now = utc_now()
            if current is None:
                fresh = Preferences(
                    id=new_id(),
                    account_id=account_id,
                    preferred_language=None,
                    theme=None,
                    blocked_users=(),
                    editor=default_editor(),
                    created_at=now,
                    updated_at=now,
                )
                written = change(fresh)
                if await self.repository.insert(written):
                    return written
                continue
            # Later than the one read, so the compare-and-set of a write that follows tells
            # them apart even within one tick of the clock.
            moment = max(now, current.updated_at + timedelta(microseconds=1))
            written = dataclasses.replace(change(current), updated_at=moment)
            if await self.repository.replace(written, current.updated_at):
                return written
        raise arena_error(409, "Preferences were being changed at the same time; try again")


def _or(sent: T | None, kept: T | None) -> T | None:
    return kept if sent is None else sent
