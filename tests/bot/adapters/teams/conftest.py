"""Fixtures: the Bot Connector stand-in, and the Teams bot served over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.adapters.teams import attach_teams
from bot.runner import TurnRunner
from bot.settings import Settings
from bot.store import MemoryStore
from knowledge import default_knowledge
from testsupport.ports import free_port
from testsupport.teams_standin import ConnectorStandIn, TeamsClient


def make_settings(**overrides: Any) -> Settings:
    # No .env and nothing from the environment: the test says exactly what is configured.
    values: dict[str, Any] = {"microsoft_app_id": None, "microsoft_app_password": None,
                              "microsoft_app_type": "MultiTenant",
                              "microsoft_app_tenant_id": None, "redis_url": None}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class ServedBot:
    url: str
    runner: TurnRunner
    store: Any

    async def state(self, key: str) -> Any:
        """The stored state for a conversation key (None when there is none)."""
        loaded = await self.store.load(key)
        return loaded.data


@pytest.fixture
async def connector() -> AsyncIterator[ConnectorStandIn]:
    standin = await ConnectorStandIn().start()
    yield standin
    await standin.stop()
    # Every card the bot sent, in every test, renders in Teams.
    assert not standin.problems, "\n".join(standin.problems)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    return free_port()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


ServeBot = Callable[..., Awaitable[ServedBot]]


@pytest.fixture
async def serve_bot() -> AsyncIterator[ServeBot]:
    runners: list[web.AppRunner] = []

    async def serve(settings: Settings | None = None, store: Any = None,
                    **attach_kw: Any) -> ServedBot:
        store = store if store is not None else MemoryStore()
        runner = TurnRunner(store, default_knowledge())
        app = web.Application()
        attach_teams(app, runner, settings or make_settings(), **attach_kw)
        app_runner = web.AppRunner(app, access_log=None)
        await app_runner.setup()
        site = web.TCPSite(app_runner, "127.0.0.1", 0)
        await site.start()
        runners.append(app_runner)
        host, port = app_runner.addresses[0][:2]
        return ServedBot(f"http://{host}:{port}", runner, store)

    yield serve
    for app_runner in runners:
        await app_runner.cleanup()


@pytest.fixture
async def bot(serve_bot: ServeBot) -> ServedBot:
    """The bot in emulator mode (no app id) on a MemoryStore."""
    return await serve_bot()


@pytest.fixture
def ada(http: aiohttp.ClientSession, bot: ServedBot, connector: ConnectorStandIn) -> TeamsClient:
    """A person in a 1:1 chat with the bot."""
    return TeamsClient(http, bot.url, connector.url)
