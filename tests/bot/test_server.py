"""The HTTP server's own endpoints, over real HTTP on loopback, and `serve` as a process."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.pictures.http import PICTURES_KEY
from bot.server import RUNNER_KEY, STORE_KEY, build_app
from bot.settings import Settings
from bot.store import MemoryStore, StateStore
from bot.store.redis_store import RedisStore
from testsupport.ports import free_port

MakeClient = Callable[[web.Application], Awaitable[TestClient]]


@pytest.fixture
async def client_for() -> AsyncIterator[MakeClient]:
    clients: list[TestClient] = []

    async def make(app: web.Application) -> TestClient:
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


def settings(**values: object) -> Settings:
    # Constructed explicitly so the developer's environment cannot change what is tested.
    fields: dict[str, object] = {"redis_url": None, "knowledge_path": None,
                                 "slack_bot_token": None, "microsoft_app_id": None, **values}
    return Settings(_env_file=None, **fields)  # type: ignore[call-arg,arg-type]


async def test_healthz_is_ok(client_for: MakeClient) -> None:
    client = await client_for(build_app(settings(), store=MemoryStore()))
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.text() == "ok"


async def test_metrics_are_prometheus_text_and_count_turns(client_for: MakeClient) -> None:
    from dialogs.events import Event

    app = build_app(settings(), store=MemoryStore())
    client = await client_for(app)
    await app[RUNNER_KEY].handle(Event.cmd("cli:metrics-test", "start"))
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.content_type == "text/plain"
    body = await response.text()
    assert "# TYPE turns_total counter" in body
    assert 'turns_total{outcome="ok",platform="cli"}' in body


async def test_platform_endpoints_are_mounted_and_verify_callers(client_for: MakeClient
                                                                  ) -> None:
    app = build_app(settings(slack_bot_token="xoxb-test", slack_signing_secret="test-secret",
                             microsoft_app_id="00000000-0000-0000-0000-000000000001",
                             microsoft_app_password="test-password"),
                    store=MemoryStore())
    client = await client_for(app)
    # Unsigned / unauthenticated requests reach the adapters and are turned away by them.
    slack = await client.post("/slack/events", data="command=/which-approach")
    assert slack.status == 401
    activity = {"type": "message", "id": "1", "text": "hi", "channelId": "msteams",
                "serviceUrl": "http://127.0.0.1:9/", "from": {"id": "user"},
                "recipient": {"id": "bot"}, "conversation": {"id": "conv"}}
    teams = await client.post("/api/messages", json=activity)
    assert teams.status == 401


async def test_slack_is_not_mounted_without_its_settings(client_for: MakeClient) -> None:
    client = await client_for(build_app(settings(), store=MemoryStore()))
    assert (await client.post("/slack/events", data="x=1")).status in (404, 405)


def test_the_runner_and_the_pictures_share_one_compiled_knowledge() -> None:
    # Compiled once: its caches (the cards decided, rule 9's outcomes) exist once per process.
    app = build_app(settings(), store=MemoryStore())
    assert app[PICTURES_KEY].maker.compiled is app[RUNNER_KEY].compiled


async def test_readyz_with_the_memory_store(client_for: MakeClient) -> None:
    client = await client_for(build_app(settings(), store=MemoryStore()))
    assert (await client.get("/readyz")).status == 200


async def test_readyz_with_redis_reachable(client_for: MakeClient, redis_url: str) -> None:
    store = RedisStore(redis_url)
    try:
        client = await client_for(build_app(settings(), store=store))
        assert (await client.get("/readyz")).status == 200
    finally:
        await store.close()


async def test_readyz_is_503_when_redis_is_unreachable(client_for: MakeClient) -> None:
    store: StateStore = RedisStore(f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=0.5)
    try:
        client = await client_for(build_app(settings(), store=store))
        response = await client.get("/readyz")
        assert response.status == 503
        # Liveness is not readiness: the process is up even when Redis is not.
        assert (await client.get("/healthz")).status == 200
    finally:
        await store.close()


async def test_readyz_recovers_when_redis_comes_back(client_for: MakeClient, own_redis) -> None:  # type: ignore[no-untyped-def]
    store = RedisStore(own_redis.url, timeout_seconds=0.5)
    try:
        client = await client_for(build_app(settings(), store=store))
        assert (await client.get("/readyz")).status == 200
        own_redis.stop()
        assert (await client.get("/readyz")).status == 503
        own_redis.start()
        assert (await client.get("/readyz")).status == 200
    finally:
        await store.close()


def test_memory_store_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.server"):
        build_app(settings())
    assert any("REDIS_URL" in r.getMessage() for r in caplog.records)


def test_no_warning_when_redis_is_configured(caplog: pytest.LogCaptureFixture,
                                             redis_url: str) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.server"):
        build_app(settings(redis_url=redis_url))
    assert not any("REDIS_URL" in r.getMessage() for r in caplog.records)


async def test_created_store_is_closed_on_cleanup(own_redis) -> None:  # type: ignore[no-untyped-def]
    app = build_app(settings(redis_url=own_redis.url))
    runner = web.AppRunner(app)
    await runner.setup()
    assert await app[STORE_KEY].ping()
    checker = own_redis.client()
    others = lambda: len(checker.client_list()) - 1  # noqa: E731  (minus the checker itself)
    assert others() >= 1
    await runner.cleanup()
    assert others() == 0
    checker.close()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.slow
def test_serve_command_answers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k.upper() not in {name.upper() for name in Settings.model_fields}}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1",
                             "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        status = None
        for _ in range(300):  # wait for the port to open (a start-up guard, not a timing check)
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.1)
        assert (status, body) == (200, "ok")
        assert _get(f"http://127.0.0.1:{port}/readyz")[0] == 200
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out == ""  # logs go to stderr
    assert "Traceback" not in err
    assert "REDIS_URL" in err  # the in-memory warning
