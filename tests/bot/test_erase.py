""""Delete my data" erases everything the bot keeps about a person, in both stores and over
the web page; `which-approach erase-workspace` erases one workspace's conversations from Redis
and nobody else's (issue 16, "a person's data is theirs to erase")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import redis
from aiohttp.test_utils import TestClient, TestServer

from bot.metrics import Metrics
from bot.runner import TurnRunner
from bot.server import build_app
from bot.settings import Settings
from bot.store.base import StateStore
from bot.store.memory import MemoryStore
from bot.store.redis_store import RedisStore
from dialogs.events import Event
from dialogs.machine import FORGET_CONFIRM
from knowledge import default_knowledge

KEY = "slack:T1:U1"
OTHER = "slack:T1:U2"


async def _talk(runner: TurnRunner, key: str, n: int = 3) -> None:
    for i, text in enumerate(["start", "support bot for our helpdesk", "yes"][:n]):
        assert (await runner.handle(Event.typed(key, text, event_id=f"{key}-{i}"))
                ).outcome == "ok"


async def test_confirmed_delete_erases_the_conversation_and_nobody_elses(
        store: StateStore) -> None:
    runner = TurnRunner(store, default_knowledge(), metrics=Metrics(), rate_limit_per_minute=30)
    await _talk(runner, KEY)
    await _talk(runner, OTHER)
    assert (await runner.handle(Event.typed(KEY, "delete my data"))).outcome == "ok"
    assert (await store.load(KEY)).data is not None  # asked, not yet erased

    result = await runner.handle(Event.typed(KEY, "yes, delete my data", event_id="del"))

    assert result.outcome == "ok"
    assert (await store.load(KEY)).data is None
    assert not (await store.load(KEY, f"{KEY}-0")).duplicate  # dedup markers gone too
    assert (await store.load(OTHER)).data is not None
    if isinstance(store, RedisStore):
        tag = store.state_key(KEY).removesuffix("state")
        assert [k async for k in store.client.scan_iter(match=tag.replace("{", "\\{") + "*")
                ] == []
    # Talking again starts from the beginning.
    again = await runner.handle(Event.typed(KEY, "hi", event_id="after"))
    assert again.outcome == "ok" and again.state is not None
    assert again.state.slots.use_case is None


async def test_the_web_page_button_erases() -> None:
    store = MemoryStore()
    settings = Settings(_env_file=None, web_cookie_secret="erase-secret")  # type: ignore[call-arg]
    client = TestClient(TestServer(build_app(settings, store=store)))
    await client.start_server()
    try:
        await client.post("/web/turn", json={"command": "start"})
        await client.post("/web/turn", json={"text": "support bot for our helpdesk"})
        assert len(store._states) == 1
        prompt = await (await client.post("/web/turn", json={"command": "forget"})).json()
        confirm = [c for r in prompt for c in r.get("choices", [])
                   if c["value"] == FORGET_CONFIRM]
        assert confirm
        response = await client.post("/web/turn", json={"command": "topic",
                                                        "value": confirm[0]["value"]})
        assert response.status == 200
        assert store._states == {}
    finally:
        await client.close()


def test_erase_workspace_from_the_cli(redis_url: str, tmp_path: Path) -> None:
    import asyncio

    async def seed() -> None:
        store = RedisStore(redis_url)
        runner = TurnRunner(store, default_knowledge(), metrics=Metrics())
        for key in ("slack:T1:U1", "slack:T1:U2", "slack:T2:U1",
                    "teams:tenant-a:aad-1", "web:browser-1"):
            await _talk(runner, key, n=2)
        await store.close()

    asyncio.run(seed())
    env = {k: v for k, v in os.environ.items()
           if k.upper() not in {name.upper() for name in Settings.model_fields}}
    env["REDIS_URL"] = redis_url
    done = subprocess.run([sys.executable, "-m", "bot", "erase-workspace", "--platform",
                           "slack", "--id", "T1", "--yes"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Erased 2 conversation(s) of slack:T1" in done.stdout

    async def left() -> set[str]:
        store = RedisStore(redis_url)
        present = {key for key in ("slack:T1:U1", "slack:T1:U2", "slack:T2:U1",
                                   "teams:tenant-a:aad-1", "web:browser-1")
                   if (await store.load(key)).data is not None}
        await store.close()
        return present

    assert asyncio.run(left()) == {"slack:T2:U1", "teams:tenant-a:aad-1", "web:browser-1"}
    client = redis.Redis.from_url(redis_url)
    assert client.dbsize() > 0
    client.close()
