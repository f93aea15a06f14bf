"""A conversation whose Redis values were corrupted by something else (a version that is not
a whole number, a key of the wrong type) starts again, says so and logs it; never a 500, never
a permanent "can't reach my memory", and the replaced key expires like any other (issue 16
item 9). Against the real redis-server the suite starts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot.metrics import Metrics
from bot.runner import TurnRunner
from bot.store.redis_store import RedisStore
from dialogs.events import Event
from dialogs.replies import Notice, Question
from knowledge import default_knowledge

KEY = "slack:T1:U1"
Corrupt = Callable[[Any, str], Awaitable[Any]]

CORRUPTIONS: dict[str, Corrupt] = {
    "version not a number": lambda r, k: r.hset(k, mapping={"v": "abc", "s": "{}", "t": "x"}),
    "decimal version": lambda r, k: r.hset(k, mapping={"v": "1.5", "s": "{}", "t": "x"}),
    "negative version": lambda r, k: r.hset(k, mapping={"v": "-2", "s": "{}", "t": "x"}),
    "huge version": lambda r, k: r.hset(k, mapping={"v": "1e300", "s": "{}", "t": "x"}),
    "a string, not a hash": lambda r, k: r.set(k, "garbage"),
    "a list, not a hash": lambda r, k: r.rpush(k, "a", "b"),
}


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[RedisStore]:
    redis_store = RedisStore(redis_url, state_ttl_seconds=3600)
    yield redis_store
    await redis_store.close()


@pytest.mark.parametrize("fresh_process", [True, False], ids=["new process", "cached copy"])
@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
async def test_a_corrupt_conversation_starts_again_and_carries_on(
        store: RedisStore, corruption: str, fresh_process: bool,
        caplog: pytest.LogCaptureFixture) -> None:
    kb = default_knowledge()
    runner = TurnRunner(store, kb, metrics=Metrics())
    if not fresh_process:  # this process saved the conversation before it was corrupted
        assert (await runner.handle(Event.typed(KEY, "hi", event_id="e0"))).outcome == "ok"
    state_key = store.state_key(KEY)
    await store.client.delete(state_key)
    await CORRUPTIONS[corruption](store.client, state_key)

    result = await runner.handle(Event.typed(KEY, "support bot for our helpdesk",
                                             event_id="e1"))

    assert result.outcome == "ok"
    assert any(isinstance(r, Notice) and r.text == kb.message("start_again")
               for r in result.replies)
    assert any(isinstance(r, Question) for r in result.replies)
    assert "stored conversation state dropped" in caplog.text
    assert await store.client.type(state_key) == "hash"
    assert 0 < await store.client.ttl(state_key) <= 3600
    # The next turn is an ordinary one, also from a process that never saw it.
    again = await TurnRunner(store, kb, metrics=Metrics()).handle(
        Event.typed(KEY, "yes, about 5k examples", event_id="e2"))
    assert again.outcome == "ok"
    assert not any(isinstance(r, Notice) and r.text == kb.message("start_again")
                   for r in again.replies)


@pytest.mark.parametrize("corruption", ["a string, not a hash", "decimal version"])
async def test_load_reports_a_corrupt_state_as_unreadable(store: RedisStore,
                                                          corruption: str) -> None:
    await CORRUPTIONS[corruption](store.client, store.state_key(KEY))
    loaded = await store.load(KEY, "e1")
    assert loaded.data == "" and loaded.version == 0 and not loaded.duplicate


async def test_a_seen_marker_of_the_wrong_type_counts_as_unseen(store: RedisStore) -> None:
    await store.client.rpush(store.seen_key(KEY, "e1"), "x")
    saved = await store.save(KEY, '{"x": 1}', 0, "e1")
    assert saved.outcome == "ok"
    assert (await store.save(KEY, '{"x": 2}', 1, "e1")).outcome == "duplicate"
