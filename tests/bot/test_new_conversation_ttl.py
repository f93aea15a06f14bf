"""A conversation that never got past its first question is kept for a short while only, and
the in-memory store holds a bounded number of conversations (issue 16 item 3)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.metrics import Metrics
from bot.runner import TurnRunner
from bot.store.memory import MemoryStore
from bot.store.redis_store import RedisStore
from dialogs.events import Event
from knowledge import default_knowledge

SHORT, LONG = 600, 30 * 86400


@pytest.fixture
async def redis_store(redis_url: str) -> AsyncIterator[RedisStore]:
    store = RedisStore(redis_url, state_ttl_seconds=LONG)
    yield store
    await store.close()


async def test_an_unanswered_conversation_gets_the_short_ttl_until_answered(
        redis_store: RedisStore) -> None:
    runner = TurnRunner(redis_store, default_knowledge(), metrics=Metrics(),
                        new_conversation_ttl_seconds=SHORT)
    key = "web:visitor-1"
    assert (await runner.handle(Event.cmd(key, "start"))).outcome == "ok"
    ttl = await redis_store.client.ttl(redis_store.state_key(key))
    assert 0 < ttl <= SHORT

    assert (await runner.handle(Event.typed(key, "a support bot for our helpdesk"))
            ).outcome == "ok"
    assert await redis_store.client.ttl(redis_store.state_key(key)) > SHORT


async def test_without_the_setting_every_conversation_keeps_the_state_ttl(
        redis_store: RedisStore) -> None:
    runner = TurnRunner(redis_store, default_knowledge(), metrics=Metrics())
    await runner.handle(Event.cmd("web:visitor-2", "start"))
    assert await redis_store.client.ttl(redis_store.state_key("web:visitor-2")) > SHORT


async def test_the_memory_store_expires_unanswered_conversations_early() -> None:
    now = [0.0]
    store = MemoryStore(state_ttl_seconds=LONG, clock=lambda: now[0])
    runner = TurnRunner(store, default_knowledge(), metrics=Metrics(),
                        new_conversation_ttl_seconds=SHORT)
    await runner.handle(Event.cmd("web:a", "start"))
    await runner.handle(Event.cmd("web:b", "start"))
    await runner.handle(Event.typed("web:b", "a support bot for our helpdesk"))
    now[0] = SHORT + 1
    assert (await store.load("web:a")).data is None
    assert (await store.load("web:b")).data is not None


async def test_the_memory_store_keeps_at_most_its_cap_least_recently_written_first() -> None:
    store = MemoryStore(max_conversations=3)
    for name in "abcd":
        assert (await store.save(name, "{}", 0, f"e-{name}")).outcome == "ok"
    assert (await store.save("b", "{}", 1, "e-b2", expected_token=(await store.load("b")).token)
            ).outcome == "ok"
    assert (await store.save("e", "{}", 0)).outcome == "ok"
    present = {name for name in "abcde" if (await store.load(name)).data is not None}
    assert present == {"b", "d", "e"}
