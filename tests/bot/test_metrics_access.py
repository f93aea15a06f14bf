"""`/metrics` is public only when nothing says otherwise: METRICS_TOKEN puts it behind a bearer
token, METRICS_PORT moves it off the main port (issue 16 item 10)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.server import build_app
from bot.settings import Settings, SettingsError, load_settings
from bot.store.memory import MemoryStore


async def _get(settings: Settings, headers: dict[str, str] | None = None) -> int:
    client = TestClient(TestServer(build_app(settings, store=MemoryStore())))
    await client.start_server()
    try:
        return (await client.get("/metrics", headers=headers or {})).status
    finally:
        await client.close()


def _settings(**kw: object) -> Settings:
    return Settings(_env_file=None, **kw)  # type: ignore[call-arg]


async def test_open_by_default() -> None:
    assert await _get(_settings()) == 200


@pytest.mark.parametrize("header, status", [(None, 401), ("Bearer wrong", 401),
                                            ("Basic bWV0cmljcw==", 401),
                                            ("Bearer metrics-t0ken", 200)])
async def test_behind_a_token(header: str | None, status: int) -> None:
    headers = {"Authorization": header} if header else {}
    assert await _get(_settings(metrics_token="metrics-t0ken"), headers) == status


async def test_with_a_port_of_its_own_it_leaves_the_main_port() -> None:
    assert await _get(_settings(metrics_port=9464)) == 404


def test_the_metrics_port_must_differ_from_the_main_one() -> None:
    with pytest.raises(SettingsError, match="METRICS_PORT"):
        load_settings(_env_file=None, port=9464, metrics_port=9464)
