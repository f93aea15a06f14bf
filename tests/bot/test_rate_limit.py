"""The per-person turn limit: enforced once, in the runner, for every surface; counted in Redis
(shared by replicas, in the save's own round trip) or in process for the memory store. A turn
over the limit gets the friendly message and changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis.asyncio as aioredis
import redis.exceptions
from aiohttp.test_utils import TestClient, TestServer
from redis.crc import key_slot

from bot.metrics import Metrics
from bot.rate_limit import WINDOW_SECONDS, WindowCounter
from bot.runner import TurnRunner
from bot.server import build_app
from bot.settings import Settings
from bot.store import MemoryStore, StateStore, StoreUnavailable
from bot.store.base import Saved
from bot.store.redis_store import RedisStore
from dialogs import machine
from dialogs.compiled import CompiledKnowledge
from dialogs.events import Event
from dialogs.machine import StepResult
from dialogs.state import ConversationState
from knowledge import default_knowledge
from testsupport.redis_server import RedisServer

KEY = "slack:T1:U1"
LIMIT = 3




def runner_on(store: StateStore, limit: int = LIMIT) -> TurnRunner:
    return TurnRunner(store, default_knowledge(), metrics=Metrics(),
                      rate_limit_per_minute=limit)


def say(text: str, event_id: str, key: str = KEY) -> Event:
    return Event.typed(key, text, event_id=event_id)


def test_window_counter_counts_per_key_and_forgets_at_the_window_end() -> None:
    now = [1000.0 * WINDOW_SECONDS]
    counter = WindowCounter(WINDOW_SECONDS, clock=lambda: now[0])
    assert [counter.hit("a") for _ in range(3)] == [1, 2, 3]
    assert counter.hit("b") == 1
    now[0] += WINDOW_SECONDS - 1
    assert counter.hit("a") == 4
    now[0] += 1
    assert counter.hit("a") == 1
    assert len(counter) == 1  # b's count went with the old window


async def test_turns_over_the_limit_get_the_message_and_change_nothing(
        store: StateStore) -> None:
    runner = runner_on(store)
    kb = default_knowledge()
    results = [await runner.handle(say(text, f"e{i}")) for i, text in
               enumerate(["start", "customer service", "yes"])]
    assert [r.outcome for r in results] == ["ok"] * LIMIT
    before = await store.load(KEY)

    over = await runner.handle(say("about 5k examples", "e-over"))
    assert over.outcome == "rate_limited"
    assert [r.kind for r in over.replies] == ["error"]
    assert over.replies[0].text == kb.message("rate_limited")
    assert over.state is None
    assert await store.load(KEY) == before
    # The refused event was not marked as applied: once the window passes it can be sent again.
    assert not (await store.load(KEY, "e-over")).duplicate
    assert runner.metrics.registry.get_sample_value(
        "turns_total", {"platform": "slack", "outcome": "rate_limited"}) == 1.0


async def test_the_limit_is_per_person(store: StateStore) -> None:
    runner = runner_on(store)
    for i in range(LIMIT + 1):
        await runner.handle(say("start", f"a{i}"))
    other = await runner.handle(say("start", "b0", key="slack:T1:U2"))
    assert other.outcome == "ok"


async def test_redelivered_events_are_dropped_before_they_count(store: StateStore) -> None:
    runner = runner_on(store, limit=2)
    assert (await runner.handle(say("start", "e1"))).outcome == "ok"
    # A duplicate is dropped silently, never answered with the limit message.
    assert (await runner.handle(say("start", "e1"))).outcome == "duplicate"
    assert (await runner.handle(say("customer service", "e2"))).outcome == "ok"


async def test_zero_means_no_limit(store: StateStore) -> None:
    runner = runner_on(store, limit=0)
    outcomes = {(await runner.handle(say("help", f"e{i}"))).outcome for i in range(40)}
    assert outcomes == {"ok"}


async def test_replicas_share_one_count_in_redis(redis_url: str) -> None:
    stores = [RedisStore(redis_url), RedisStore(redis_url)]
    try:
        replicas = [runner_on(s) for s in stores]
        outcomes = [(await replicas[i % 2].handle(say("help", f"e{i}"))).outcome
                    for i in range(LIMIT + 2)]
        assert outcomes == ["ok"] * LIMIT + ["rate_limited"] * 2
    finally:
        for s in stores:
            await s.close()


async def test_the_redis_counter_expires_with_its_window_and_shares_the_slot(
        redis_url: str) -> None:
    store = RedisStore(redis_url)
    client = aioredis.from_url(redis_url)
    try:
        await runner_on(store).handle(say("start", "e1"))
        rate_key = store.rate_key(KEY)
        assert int(await client.get(rate_key)) == 1
        assert 0 < await client.ttl(rate_key) <= WINDOW_SECONDS
        # Same Cluster slot as the state, so the save's script may touch both.
        assert key_slot(rate_key.encode()) == key_slot(store.state_key(KEY).encode())
        # A counter left without a TTL (say, by a crash between the two commands) gets one
        # at the next turn instead of counting forever.
        await client.persist(rate_key)
        await runner_on(store).handle(say("help", "e2"))
        assert 0 < await client.ttl(rate_key) <= WINDOW_SECONDS
    finally:
        await client.aclose()
        await store.close()


async def test_serve_applies_the_setting_on_every_surface_it_mounts() -> None:
    settings = Settings(_env_file=None, rate_limit_per_minute=2,  # type: ignore[call-arg]
                        web_cookie_secret="test-secret")
    client = TestClient(TestServer(build_app(settings, store=MemoryStore())))
    await client.start_server()
    try:
        kinds = []
        for _ in range(3):
            response = await client.post("/web/turn", json={"command": "help"})
            assert response.status == 200
            kinds.append([r["kind"] for r in await response.json()])
        assert "error" not in kinds[0] and "error" not in kinds[1]
        assert kinds[2] == ["error"]
    finally:
        await client.close()


async def test_a_full_redis_refuses_a_counted_turn_whole_and_still_reads(
        redis_factory: Callable[..., RedisServer]) -> None:
    server = redis_factory(extra=["--maxmemory", "2mb", "--maxmemory-policy", "noeviction"])
    store = RedisStore(server.url)
    try:
        first = await store.save(KEY, '{"x": 1}', 0)
        assert first.outcome == "ok"
        filler = server.client()
        try:
            for i in range(10_000):  # until Redis refuses writes
                filler.set(f"fill:{i}", "x" * 1024)
        except redis.exceptions.OutOfMemoryError:
            # Then well below what it holds, so no write can slip in as memory frees up.
            filler.config_set("maxmemory", "1mb")
        else:
            pytest.fail("redis never filled up")
        finally:
            filler.close()
        # The counter's failure does not refuse the turn by the limit: the state's own write
        # is what fails, and the turn is not applied, not half-applied.
        with pytest.raises(StoreUnavailable):
            await store.save(KEY, '{"x": 2}', 1, "e1", rate_limit=LIMIT,
                             expected_token=first.token)
        loaded = await store.load(KEY, "e1")
        assert (loaded.data, loaded.version, loaded.duplicate) == ('{"x": 1}', 1, False)
        # Reads need no memory: a stale save is still handed what is stored.
        stale = await store.save(KEY, '{"x": 3}', 0, "e2", rate_limit=LIMIT)
        assert (stale.outcome, stale.version, stale.current) == ("conflict", 1, '{"x": 1}')
    finally:
        await store.close()


class CountingStore(MemoryStore):
    """The memory store on a clock the test moves, counting the saves that reach it."""

    def __init__(self) -> None:
        self.now = 1000.0 * WINDOW_SECONDS + WINDOW_SECONDS - 5  # 5 s left in the window
        super().__init__(clock=lambda: self.now)
        self.saves = 0

    async def save(self, *args: object, **kw: object) -> Saved:
        self.saves += 1
        return await super().save(*args, **kw)  # type: ignore[arg-type]


async def test_once_over_the_limit_a_flood_is_refused_without_work_until_the_window_ends(
        ) -> None:
    store = CountingStore()
    steps: list[str] = []

    def counting_step(state: ConversationState, event: Event,
                      ck: CompiledKnowledge) -> StepResult:
        steps.append(event.event_id or "")
        return machine.step(state, event, ck)

    runner = TurnRunner(store, default_knowledge(), step=counting_step, metrics=Metrics(),
                        rate_limit_per_minute=2, clock=lambda: store.now)
    outcomes = [(await runner.handle(say("help", f"e{i}"))).outcome for i in range(10)]
    assert outcomes == ["ok", "ok"] + ["rate_limited"] * 8
    # The third turn reached the store and was refused there; the seven after it, at once.
    assert (len(steps), store.saves) == (3, 3)
    # A redelivery of an event applied before the limit is still dropped without a word.
    assert (await runner.handle(say("help", "e0"))).outcome == "duplicate"
    assert (len(steps), store.saves) == (3, 3)
    store.now += 5  # the window is over, for the store and for the runner
    assert (await runner.handle(say("help", "e-next"))).outcome == "ok"


async def test_redis_says_how_long_until_the_window_ends(redis_url: str) -> None:
    store = RedisStore(redis_url)
    try:
        first = await store.save(KEY, "{}", 0, "e1", rate_limit=1)
        refused = await store.save(KEY, "{}", 1, "e2", rate_limit=1, expected_token=first.token)
        assert refused.outcome == "rate_limited"
        assert WINDOW_SECONDS - 5 < refused.wait_seconds <= WINDOW_SECONDS
    finally:
        await store.close()


def test_a_full_window_does_not_outlive_its_minute() -> None:
    from bot.rate_limit import WindowCounter

    now = [0.0]
    counter = WindowCounter(60, clock=lambda: now[0])
    for n in range(5):
        counter.hit(f"addr-{n}")
    assert len(counter) == 5 and counter.count("addr-1") == 1
    now[0] = 61.0
    assert len(counter) == 0 and counter.count("addr-1") == 0
