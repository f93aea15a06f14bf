"""Overload is not an outage: a call that never got a slot says "busy", not "Redis is down"."""

from __future__ import annotations

import pytest

from bot.metrics import Metrics
from bot.runner import TurnRunner
from bot.store.base import StoreBusy, StoreUnavailable
from bot.store.redis_store import RedisStore
from dialogs.events import Event
from dialogs.replies import ErrorReply
from knowledge import default_knowledge


@pytest.mark.slow
async def test_a_call_that_waited_out_its_deadline_for_a_slot_is_busy(redis_url: str) -> None:
    store = RedisStore(redis_url, timeout_seconds=0.2)
    try:
        # Every slot held, as by other turns in flight in this process.
        for _ in range(100):
            await store._in_flight.acquire()
        with pytest.raises(StoreBusy):
            await store.load("slack:T1:U1")
        kb = default_knowledge()
        result = await TurnRunner(store, kb, metrics=Metrics()).handle(
            Event.cmd("slack:T1:U1", "start"))
        assert result.outcome == "store_error"
        assert result.replies == [ErrorReply(text=kb.message("busy"))]
        for _ in range(100):
            store._in_flight.release()
        # Slots free again: the same store answers (the turn above wrote nothing).
        assert (await store.load("slack:T1:U1")).data is None
    finally:
        await store.close()


async def test_an_unreachable_redis_is_still_unavailable_not_busy() -> None:
    store = RedisStore("redis://127.0.0.1:1/0", timeout_seconds=0.2)
    try:
        with pytest.raises(StoreUnavailable) as caught:
            await store.load("slack:T1:U1")
        assert not isinstance(caught.value, StoreBusy)
    finally:
        await store.close()
