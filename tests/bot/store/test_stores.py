"""Both stores keep the StateStore contract: compare-and-set on the version, event-id dedup
applied atomically with the write, TTL expiry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.store import MemoryStore, StateStore
from bot.store.redis_store import RedisStore

KEY = "slack:T1:U1"


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[StateStore]:
    if request.param == "memory":
        yield MemoryStore()
        return
    url = request.getfixturevalue("redis_url")
    redis_store = RedisStore(url, prefix="t")
    yield redis_store
    await redis_store.close()


async def test_new_conversation_loads_empty_at_version_zero(store: StateStore) -> None:
    loaded = await store.load(KEY, "e1")
    assert (loaded.data, loaded.version, loaded.duplicate) == (None, 0, False)


async def test_save_then_load_round_trips_and_bumps_version(store: StateStore) -> None:
    saved = await store.save(KEY, '{"a":1}', expected_version=0, event_id="e1")
    assert (saved.outcome, saved.version) == ("ok", 1)
    saved = await store.save(KEY, '{"a":2}', expected_version=1, event_id="e2",
                             expected_token=saved.token)
    assert (saved.outcome, saved.version) == ("ok", 2)
    loaded = await store.load(KEY)
    assert (loaded.data, loaded.version, loaded.token) == ('{"a":2}', 2, saved.token)


async def test_the_right_version_from_another_write_is_a_conflict(store: StateStore) -> None:
    # A version number can come round again (the state expired, a failover lost writes):
    # the write's token tells two states at the same version apart.
    mine = await store.save(KEY, "mine", expected_version=0)
    await drop(store, KEY)
    theirs = await store.save(KEY, "theirs", expected_version=0)
    assert theirs.version == mine.version == 1 and theirs.token != mine.token
    saved = await store.save(KEY, "mine again", expected_version=1, expected_token=mine.token)
    assert (saved.outcome, saved.version, saved.current, saved.token) == (
        "conflict", 1, "theirs", theirs.token)
    assert (await store.load(KEY)).data == "theirs"


async def test_a_conflict_hands_back_the_stored_state(store: StateStore) -> None:
    first = await store.save(KEY, "first", expected_version=0)
    saved = await store.save(KEY, "late", expected_version=0, event_id="e2")
    assert (saved.outcome, saved.version, saved.current, saved.token) == (
        "conflict", 1, "first", first.token)
    new = await store.save("slack:T1:U9", "x", expected_version=3, expected_token="t")
    assert (new.outcome, new.version, new.current, new.token) == ("conflict", 0, None, "")


async def test_stale_version_is_a_conflict_and_writes_nothing(store: StateStore) -> None:
    await store.save(KEY, "first", expected_version=0)
    saved = await store.save(KEY, "second", expected_version=0, event_id="e9")
    assert (saved.outcome, saved.version) == ("conflict", 1)
    loaded = await store.load(KEY, "e9")
    # The losing write neither changed the state nor marked its event as applied.
    assert (loaded.data, loaded.version, loaded.duplicate) == ("first", 1, False)


async def test_applied_event_id_is_a_duplicate_on_load_and_save(store: StateStore) -> None:
    await store.save(KEY, "once", expected_version=0, event_id="e1")
    assert (await store.load(KEY, "e1")).duplicate
    assert not (await store.load(KEY, "e2")).duplicate
    # A redelivery racing past load is still refused by save, even at the right version.
    saved = await store.save(KEY, "twice", expected_version=1, event_id="e1",
                             expected_token=(await store.load(KEY)).token)
    assert (saved.outcome, saved.version) == ("duplicate", 1)
    assert (await store.load(KEY)).data == "once"


async def test_duplicate_wins_over_conflict(store: StateStore) -> None:
    a = await store.save(KEY, "a", expected_version=0, event_id="e1")
    await store.save(KEY, "b", expected_version=1, event_id="e2", expected_token=a.token)
    saved = await store.save(KEY, "c", expected_version=1, event_id="e1", expected_token=a.token)
    assert saved.outcome == "duplicate"


async def test_event_ids_are_scoped_to_their_conversation(store: StateStore) -> None:
    await store.save(KEY, "a", expected_version=0, event_id="e1")
    other = "slack:T1:U2"
    assert not (await store.load(other, "e1")).duplicate
    assert (await store.save(other, "b", expected_version=0, event_id="e1")).outcome == "ok"


async def test_saves_without_event_id_are_never_duplicates(store: StateStore) -> None:
    a = await store.save(KEY, "a", expected_version=0)
    assert a.outcome == "ok"
    assert (await store.save(KEY, "b", expected_version=1, expected_token=a.token)).outcome == "ok"


async def test_racing_saves_at_one_version_let_exactly_one_win(store: StateStore) -> None:
    results = await asyncio.gather(*(
        store.save(KEY, f"writer {i}", expected_version=0, event_id=f"e{i}")
        for i in range(20)))
    winners = [i for i, r in enumerate(results) if r.outcome == "ok"]
    assert len(winners) == 1
    assert all(r.outcome == "conflict" and r.version == 1
               for r in results if r.outcome != "ok")
    assert (await store.load(KEY)).data == f"writer {winners[0]}"


async def drop(store: StateStore, key: str) -> None:
    """The conversation's state gone, as after its TTL (or a failover that lost it)."""
    if isinstance(store, MemoryStore):
        del store._states[key]
    else:
        assert isinstance(store, RedisStore)
        await store.client.delete(store.state_key(key))


async def test_ping(store: StateStore) -> None:
    assert await store.ping()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_memory_state_expires_after_its_ttl() -> None:
    clock = FakeClock()
    store = MemoryStore(state_ttl_seconds=100, dedup_ttl_seconds=10, clock=clock)
    await store.save(KEY, "a", expected_version=0, event_id="e1")
    clock.now += 99
    assert (await store.load(KEY)).data == "a"
    clock.now += 2
    loaded = await store.load(KEY, "e1")
    assert (loaded.data, loaded.version, loaded.duplicate) == (None, 0, False)


async def test_memory_dedup_marker_expires_before_the_state() -> None:
    clock = FakeClock()
    store = MemoryStore(state_ttl_seconds=100, dedup_ttl_seconds=10, clock=clock)
    await store.save(KEY, "a", expected_version=0, event_id="e1")
    clock.now += 11
    loaded = await store.load(KEY, "e1")
    assert (loaded.data, loaded.duplicate) == ("a", False)


async def test_memory_each_save_renews_the_ttl() -> None:
    clock = FakeClock()
    store = MemoryStore(state_ttl_seconds=100, clock=clock)
    a = await store.save(KEY, "a", expected_version=0)
    clock.now += 90
    await store.save(KEY, "b", expected_version=1, expected_token=a.token)
    clock.now += 90
    assert (await store.load(KEY)).data == "b"


async def test_memory_sweep_forgets_expired_conversations() -> None:
    clock = FakeClock()
    store = MemoryStore(state_ttl_seconds=10, dedup_ttl_seconds=10, clock=clock)
    for i in range(1024):
        if i == 1:
            clock.now += 20  # everything saved so far has expired
        await store.save(f"cli:{i}", "x", expected_version=0, event_id="e")
    assert "cli:0" not in store._states
    assert ("cli:0", "e") not in store._seen
