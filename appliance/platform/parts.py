"""The contract between the platform and a part.

A part is one declared :class:`Part` (built in the part's ``__init__.py``): what it is, its
settings section, how it builds its services (its typed context), the blueprints, channels
and jobs those services serve, its lifecycle hooks, its CLI commands, the public paths that
carry their own CORS or no auth, and its migrations. ``server.py`` and ``cli.py`` only iterate
over the parts and run the lifecycle in one explicit order:

1. ``build`` every part (in the order of the part list), then mount blueprints, channels, jobs;
2. before serving: the platform store opens, then each part's ``start``, in order;
3. once serving: each part's ``serving`` in the background (warm-ups), then the scheduler;
4. after the server stopped: the scheduler stops, then each part's ``stop`` in reverse order,
   then the store closes.

A part's module-level import must stay light (no Sanic, SQLAlchemy or DuckDB): the CLI imports
every part to collect its commands. Heavy modules load inside the callables.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic_settings import BaseSettings

from appliance.platform.jobs import Jobs
from appliance.platform.realtime.broker import Broker
from appliance.platform.realtime.channels import Channel, ChannelRegistry
from appliance.platform.settings import PlatformSettings

if TYPE_CHECKING:  # the store pulls in SQLAlchemy, blueprints Sanic; the CLI needs neither
    from sanic import Blueprint

    from appliance.platform.store import Store

SectionT = TypeVar("SectionT", bound=BaseSettings)
ContextT = TypeVar("ContextT")

SettingsLoader = Callable[[argparse.Namespace], Any]
"""What a part's CLI commands call to read the settings (the entry point's loader, which
applies ``--data-dir`` and friends); the part reads only its own section of the result."""


@dataclass
class Platform:
    """What the platform hands each part when it is built."""

    settings: PlatformSettings
    broker: Broker
    channels: ChannelRegistry
    jobs: Jobs
    store: Store


@dataclass(frozen=True)
class PartInfo:
    """Shown on the home page and used by the dashboard's navigation."""

    name: str
    title: str
    path: str
    description: str
    topics: list[str] = field(default_factory=list)


def _nothing(_: Any) -> Sequence[Any]:
    return ()


def _no_jobs(_: Any, __: Jobs) -> None:
    return None


@dataclass(frozen=True, kw_only=True)
class Part(Generic[SectionT, ContextT]):
    """One part of the appliance, declared. ``ContextT`` is the part's typed context (a
    dataclass of its services), kept on ``app.ctx.<info.name>``."""

    info: PartInfo
    settings: type[SectionT]
    """The part's settings section; the composed settings hold it under ``info.name``."""
    build: Callable[[Platform, SectionT], ContextT]
    """Builds the part's services (no I/O: files open in ``start``)."""
    blueprints: Callable[[ContextT], Sequence[Blueprint]] = _nothing
    channels: Callable[[ContextT], Sequence[Channel]] = _nothing
    jobs: Callable[[ContextT, Jobs], None] = _no_jobs
    start: Callable[[ContextT], Awaitable[None]] | None = None
    """Before the server serves, after the store opened and the earlier parts started."""
    serving: Callable[[ContextT], Awaitable[None]] | None = None
    """Once the server serves, as a background task (failures are logged)."""
    stop: Callable[[ContextT], Awaitable[None]] | None = None
    """After the server stopped, before the later parts' (reverse order) and the store."""
    commands: Callable[[argparse._SubParsersAction[Any], SettingsLoader], None] | None = None
    """Adds the part's ``sparkhouse …`` subcommands."""
    public_paths: frozenset[str] = frozenset()
    """Paths outside ``/api/`` that answer JSON errors and carry their own CORS or no auth."""
    public_urls: Callable[[SectionT], Sequence[str]] = _nothing
    """URLs the part's settings say browsers reach the appliance at (analytics' public URL):
    their hosts pass the Host check and their origins count as the appliance's own."""
    notices: Callable[[SectionT, PlatformSettings], Sequence[str]] | None = None
    """Lines ``sparkhouse config`` prints after the settings: something a person must do now
    (e.g. analytics' pending first-run setup)."""
    migrations: Path | None = None
    """The part's Alembic version location (its branch of the platform store's schema)."""
    health: Callable[[ContextT], Sequence[str]] | None = None
    """What is wrong with the part right now, one short sentence per problem (e.g. ``snapshot
    write failed: no space left on device``); empty when healthy. ``/healthz`` calls it on
    every request and answers 503 with the problems: cheap, no I/O."""

    def section(self, settings: PlatformSettings) -> SectionT:
        """The part's section of the composed settings."""
        section = getattr(settings, self.info.name)
        if not isinstance(section, self.settings):
            raise TypeError(f"settings.{self.info.name} is not a {self.settings.__name__}")
        return section
