"""The state store's circuit breaker: in a Redis outage turns fail at once, a probe finds Redis
again, and turns then go through (behaviour, not timing; the latency figures are
benchmarks/bench_outage.py's)."""

from __future__ import annotations

import asyncio

import pytest

from bot.metrics import Metrics
from bot.runner import TurnRunner
from bot.store.base import StoreBusy, StoreUnavailable
from bot.store.breaker import CircuitBreaker
from bot.store.redis_store import RedisStore
from dialogs.events import Event
from knowledge import default_knowledge
from testsupport.redis_server import RedisServer


class Probe:
    def __init__(self) -> None:
        self.answer = False
        self.calls = 0

    async def __call__(self) -> bool:
        self.calls += 1
        return self.answer


async def _until(condition: object, guard_seconds: float = 10.0) -> None:
    """Wait for `condition()` to hold (a guard against hanging, not a timing check)."""
    for _ in range(int(guard_seconds / 0.01)):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.01)
    pytest.fail("condition never held")


async def test_it_opens_after_failures_in_a_row_and_a_success_resets_the_count() -> None:
    breaker = CircuitBreaker(Probe(), failures_to_open=3, probe_every=0.01)
    breaker.failed()
    breaker.failed()
    breaker.succeeded()
    breaker.failed()
    breaker.failed()
    assert not breaker.is_open
    breaker.failed()
    assert breaker.is_open
    await breaker.close()


async def test_it_stays_open_while_the_probe_fails_and_closes_when_it_succeeds() -> None:
    probe = Probe()
    breaker = CircuitBreaker(probe, failures_to_open=1, probe_every=0.01)
    breaker.failed()
    await _until(lambda: probe.calls >= 3)
    assert breaker.is_open
    probe.answer = True
    await _until(lambda: not breaker.is_open)
    breaker.failed()  # one failure after closing opens it again (failures_to_open=1)
    assert breaker.is_open
    await breaker.close()


async def test_a_redis_outage_fails_turns_at_once_and_recovery_lets_them_through(
        own_redis: RedisServer) -> None:
    store = RedisStore(own_redis.url)
    kb = default_knowledge()
    runner = TurnRunner(store, kb, metrics=Metrics())
    try:
        assert (await runner.handle(Event.typed("slack:T1:U1", "hi", event_id="a"))
                ).outcome == "ok"
        own_redis.stop()
        for n in range(3):
            result = await runner.handle(Event.typed("slack:T1:U1", "hi", event_id=f"b{n}"))
            assert result.outcome == "store_error"
        # Open now: refused without a round trip, with the same friendly reply.
        with pytest.raises(StoreUnavailable, match="circuit open"):
            await store.load("slack:T1:U1")
        result = await runner.handle(Event.typed("slack:T1:U2", "hi", event_id="c"))
        assert result.outcome == "store_error"
        assert result.replies[0].text == kb.message("store_down")
        assert not await store.ping()

        own_redis.start()
        await _until(lambda: not store._breaker.is_open)  # type: ignore[union-attr]
        result = await runner.handle(Event.typed("slack:T1:U2", "hi", event_id="d"))
        assert result.outcome == "ok"
    finally:
        await store.close()


async def test_an_overloaded_process_does_not_open_it(redis_url: str) -> None:
    store = RedisStore(redis_url)

    async def busy() -> None:
        raise StoreBusy("queued")

    try:
        for _ in range(5):
            with pytest.raises(StoreBusy):
                await store._call(busy)
        assert await store.ping()
    finally:
        await store.close()


async def test_while_it_is_open_the_runner_answers_without_stepping(
        own_redis: RedisServer) -> None:
    from bot.runner import TurnRunner as Runner
    from dialogs import machine

    steps = 0

    def counting_step(state, event, ck):  # type: ignore[no-untyped-def]
        nonlocal steps
        steps += 1
        return machine.step(state, event, ck)

    store = RedisStore(own_redis.url)
    runner = Runner(store, default_knowledge(), step=counting_step, metrics=Metrics())
    try:
        own_redis.stop()
        for n in range(3):
            await runner.handle(Event.typed("slack:T1:U1", "hi", event_id=f"a{n}"))
        assert store.refusing
        stepped = steps
        result = await runner.handle(Event.typed("slack:T1:U1", "hi", event_id="b"))
        assert result.outcome == "store_error" and steps == stepped
    finally:
        await store.close()


async def test_a_readiness_ping_that_reaches_redis_closes_it(own_redis: RedisServer) -> None:
    store = RedisStore(own_redis.url)
    try:
        own_redis.stop()
        for _ in range(3):
            with pytest.raises(StoreUnavailable):
                await store.load("slack:T1:U1")
        assert store.refusing
        assert not await store.ping()  # a real PING while Redis is down
        own_redis.start()
        assert await store.ping()
        assert not store.refusing
        assert (await store.save("slack:T1:U1", "{}", 0)).outcome == "ok"
    finally:
        await store.close()
