"""Saves made together share one pipeline, and each still gets its own answer: its own outcome,
its own error, in the order the scripts ran."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis

from bot.store import StoreUnavailable
from bot.store.batching import ScriptBatcher
from bot.store.redis_store import RedisStore
from testsupport.ports import free_port

# Keeps Redis busy for ARGV[1] milliseconds (DEBUG SLEEP is disabled in the test server).
STALL_LUA = """
local t = redis.call('TIME')
local stop = t[1] * 1000000 + t[2] + ARGV[1] * 1000
repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] >= stop
return 1
"""


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[RedisStore]:
    redis_store = RedisStore(redis_url)
    yield redis_store
    await redis_store.close()


def stall_redis(client: redis.Redis, milliseconds: int) -> asyncio.Future[Any]:
    """Keep Redis busy for a while, from a thread (the client is a blocking one)."""
    return asyncio.get_running_loop().run_in_executor(None, client.eval, STALL_LUA, 0,
                                                      milliseconds)


def count_pipelines(store: RedisStore) -> list[int]:
    """Record the size of every pipeline the store's save batcher sends."""
    batcher = store._run_save
    assert isinstance(batcher, ScriptBatcher)
    sizes: list[int] = []
    send = batcher._pipeline

    async def counting(batch: list[Any]) -> list[Any]:
        sizes.append(len(batch))
        return await send(batch)

    batcher._pipeline = counting  # type: ignore[method-assign]
    return sizes


async def test_saves_made_together_share_a_pipeline_and_each_gets_its_outcome(
        store: RedisStore) -> None:
    assert (await store.save("c:done", "{}", 0, "e-done")).outcome == "ok"
    sizes = count_pipelines(store)
    saved = await asyncio.gather(
        *(store.save(f"c:{i}", f'{{"n": {i}}}', 0, f"e{i}") for i in range(20)),
        store.save("c:done", "{}", 0, "e-done"),       # already applied
        store.save("c:done", "{}", 0, "e-other"),      # stale version
        store.save("c:limited", "{}", 0, "e-l", rate_limit=1),
        store.save("c:limited", "{}", 0, "e-l2", rate_limit=1),  # the second in its minute
    )
    assert [s.outcome for s in saved] == ["ok"] * 20 + ["duplicate", "conflict", "ok",
                                                        "rate_limited"]
    assert saved[21].current == "{}" and saved[21].version == 1
    assert sizes == [24]  # one pipeline for everything started in the same loop pass
    loaded = [await store.load(f"c:{i}") for i in range(20)]
    assert [ld.data for ld in loaded] == [f'{{"n": {i}}}' for i in range(20)]


async def test_a_save_after_redis_forgot_the_script_loads_it_again(
        store: RedisStore, redis_url: str) -> None:
    first = await store.save("c:1", "a", 0)
    assert first.outcome == "ok"
    with redis.Redis.from_url(redis_url) as client:
        client.script_flush()  # as after a restart: the cached script is gone
    saved = await asyncio.gather(store.save("c:1", "b", 1, expected_token=first.token),
                                 store.save("c:2", "c", 0))
    assert [s.outcome for s in saved] == ["ok", "ok"]
    assert (await store.load("c:1")).data == "b"


async def test_redis_down_fails_every_save_of_the_batch_within_the_deadline() -> None:
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=0.5)
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        results = await asyncio.gather(*(store.save(f"c:{i}", "{}", 0) for i in range(10)),
                                       return_exceptions=True)
        assert all(isinstance(r, StoreUnavailable) for r in results)
        assert loop.time() - started < 1.5
    finally:
        await store.close()


async def test_a_save_run_twice_answers_ok_and_changes_nothing_more(
        store: RedisStore, redis_url: str) -> None:
    # redis-py re-sends a whole pipeline after a dropped connection, so a batch's scripts can
    # run a second time: each must find its own write, not a duplicate or a conflict.
    keys = [store.state_key("c:1"), store.rate_key("c:1"), store.seen_key("c:1", "e1")]
    args = [0, "", '{"n": 1}', "tok-1", 600, 600, 60, 5]
    script = store._save_script
    first = await script(keys=keys, args=args)
    again = await script(keys=keys, args=args)
    assert first == again == ["ok", 1, None, "tok-1"]
    # Also when another write came in between (the marker still knows the token).
    await store.save("c:1", '{"n": 2}', 1, "e2", expected_token="tok-1")
    assert await script(keys=keys, args=args) == ["ok", 2, None, "tok-1"]
    # Without an event id the store marks the call itself, so the same holds even after
    # another write came in between (the state's token alone would no longer tell).
    call = [store.state_key("c:2"), store.rate_key("c:2"), store.call_key("c:2", "tok-2")]
    call_args = [0, "", "{}", "tok-2", 600, 60, 60, 5]
    assert await script(keys=call, args=call_args) == ["ok", 1, None, "tok-2"]
    await store.save("c:2", '{"other": 1}', 1, expected_token="tok-2")
    assert await script(keys=call, args=call_args) == ["ok", 2, None, "tok-2"]
    with redis.Redis.from_url(redis_url, decode_responses=True) as client:
        assert client.get(store.rate_key("c:1")) == "1"  # counted once
        assert client.hget(store.state_key("c:1"), "s") == '{"n": 2}'
        assert client.hget(store.state_key("c:2"), "s") == '{"other": 1}'  # applied once


async def test_a_matching_token_at_another_version_is_not_taken_for_this_save(
        store: RedisStore) -> None:
    # Tokens are random: the same one at a version this save could not have written is
    # someone else's write, and the save goes on to its compare-and-set.
    script = store._save_script
    keys = [store.state_key("c:1"), store.rate_key("c:1")]
    assert (await script(keys=keys, args=[0, "", "a", "same", 600, 600, 60, 0]))[0] == "ok"
    reply = await script(keys=keys, args=[3, "x", "b", "same", 600, 600, 60, 0])
    assert reply == ["conflict", 1, "a", "same"]


async def test_a_state_written_before_tokens_reads_and_saves(
        store: RedisStore, redis_url: str) -> None:
    # What an earlier release wrote: 'v' and 's' only, and "1" as the seen marker.
    with redis.Redis.from_url(redis_url) as client:
        client.hset(store.state_key("c:old"), mapping={"v": 5, "s": '{"n": 5}'})
        client.set(store.seen_key("c:old", "e-old"), "1")
    loaded = await store.load("c:old")
    assert (loaded.data, loaded.version, loaded.token) == ('{"n": 5}', 5, "")
    assert (await store.save("c:old", "{}", 5, "e-old")).outcome == "duplicate"
    saved = await store.save("c:old", '{"n": 6}', 5, "e-new")
    assert (saved.outcome, saved.version) == ("ok", 6)


async def test_a_batch_that_goes_wrong_after_redis_answered_fails_every_save(
        store: RedisStore) -> None:
    batcher = store._run_save
    assert isinstance(batcher, ScriptBatcher)

    async def one_reply_short(batch: list[Any]) -> list[Any]:
        return [["ok", 1, None, "t"]] * (len(batch) - 1)

    batcher._pipeline = one_reply_short  # type: ignore[method-assign]
    results = await asyncio.wait_for(asyncio.gather(
        *(store.save(f"c:{i}", "{}", 0) for i in range(3)), return_exceptions=True), 5)
    assert all(isinstance(r, StoreUnavailable) for r in results)


async def test_a_save_cancelled_before_its_batch_goes_out_does_not_disturb_the_others(
        store: RedisStore) -> None:
    doomed = asyncio.ensure_future(store.save("c:gone", "{}", 0))
    kept = asyncio.ensure_future(store.save("c:kept", "{}", 0))
    await asyncio.sleep(0)  # both queued in the same batch
    doomed.cancel()
    assert (await kept).outcome == "ok"
    with pytest.raises(asyncio.CancelledError):
        await doomed


async def test_saves_that_arrive_while_a_batch_is_out_go_together_in_the_next(
        store: RedisStore) -> None:
    batcher = store._run_save
    assert isinstance(batcher, ScriptBatcher)
    sizes: list[int] = []
    out = asyncio.Event()
    answer = asyncio.Event()
    send = batcher._pipeline

    async def held(batch: list[Any]) -> list[Any]:
        sizes.append(len(batch))
        out.set()
        await answer.wait()  # Redis is slow to answer the first batch
        return await send(batch)

    batcher._pipeline = held  # type: ignore[method-assign]
    first = asyncio.ensure_future(store.save("c:first", "{}", 0))
    await out.wait()
    rest = [asyncio.ensure_future(store.save(f"c:{i}", "{}", 0)) for i in range(10)]
    for later in range(3):  # and more, in later loop passes, while it is still out
        await asyncio.sleep(0)
        rest.append(asyncio.ensure_future(store.save(f"c:later{later}", "{}", 0)))
    await asyncio.sleep(0.05)
    assert sizes == [1]  # nothing else is sent while a batch is out
    answer.set()
    saved = await asyncio.gather(first, *rest)
    assert [s.outcome for s in saved] == ["ok"] * 14
    assert sizes == [1, 13]


@pytest.mark.slow
async def test_a_batch_cut_off_by_the_deadline_never_hands_its_late_replies_to_the_next(
        redis_url: str) -> None:
    store = RedisStore(redis_url, timeout_seconds=0.3)
    try:
        assert (await store.save("c:1", '{"n": 1}', 0)).outcome == "ok"
        with redis.Redis.from_url(redis_url) as client:
            # Redis stalls past the deadline; the save's reply comes only after it.
            stall = stall_redis(client, 600)
            await asyncio.sleep(0.1)
            with pytest.raises(StoreUnavailable):
                await store.save("c:2", '{"n": 2}', 0)
            await stall
        # The next save reads its own reply on a new connection, not the late "ok" above.
        conflict = await store.save("c:1", '{"n": 9}', 0)
        assert (conflict.outcome, conflict.version, conflict.current) == ("conflict", 1,
                                                                          '{"n": 1}')
    finally:
        await store.close()


@pytest.mark.slow
async def test_a_save_queued_behind_a_stuck_batch_waits_one_deadline_not_two(
        redis_url: str) -> None:
    store = RedisStore(redis_url, timeout_seconds=1.0)
    try:
        assert (await store.save("c:warm", "{}", 0)).outcome == "ok"
        with redis.Redis.from_url(redis_url) as client:
            loop = asyncio.get_running_loop()
            stall = stall_redis(client, 2500)
            await asyncio.sleep(0.1)
            stuck = asyncio.ensure_future(store.save("c:1", "{}", 0))
            await asyncio.sleep(0.5)  # its batch is out, waiting; this one queues behind it
            queued_at = loop.time()
            with pytest.raises(StoreUnavailable):
                await store.save("c:2", "{}", 0)
            waited = loop.time() - queued_at
            with pytest.raises(StoreUnavailable):
                await stuck
            await stall
        # Its deadline ran from when it was queued (~1.0 s), not from when the stuck batch
        # gave up (~1.5 s).
        assert waited < 1.25
    finally:
        await store.close()


async def test_a_connection_killed_between_batches_is_replaced_and_the_save_goes_through(
        store: RedisStore, redis_url: str) -> None:
    assert (await store.save("c:1", '{"n": 1}', 0)).outcome == "ok"
    with redis.Redis.from_url(redis_url) as client:
        killed = client.client_kill_filter(_type="normal", skipme=True)
    assert killed >= 1  # the batcher's own connection among them
    saved = await store.save("c:1", '{"n": 2}', 1, expected_token=(
        await store.load("c:1")).token)
    assert (saved.outcome, saved.version) == ("ok", 2)


async def test_after_close_a_save_is_refused_and_opens_no_connection(redis_url: str) -> None:
    store = RedisStore(redis_url)
    assert (await store.save("c:1", "{}", 0)).outcome == "ok"
    batcher = store._run_save
    assert isinstance(batcher, ScriptBatcher)
    await store.close()
    with pytest.raises(StoreUnavailable):
        await store.save("c:1", "{}", 1)
    assert batcher._connection is None


async def test_saves_queued_when_the_drain_is_cancelled_are_answered_not_left_waiting(
        store: RedisStore) -> None:
    batcher = store._run_save
    assert isinstance(batcher, ScriptBatcher)
    out = asyncio.Event()

    async def never_answered(batch: list[Any]) -> list[Any]:
        out.set()
        await asyncio.Event().wait()
        return []

    batcher._pipeline = never_answered  # type: ignore[method-assign]
    first = asyncio.ensure_future(store.save("c:1", "{}", 0))
    await out.wait()
    queued = asyncio.ensure_future(store.save("c:2", "{}", 0))
    await asyncio.sleep(0)
    assert batcher._drain_task is not None
    batcher._drain_task.cancel()  # as at shutdown
    for save in (first, queued):
        with pytest.raises(StoreUnavailable):
            await asyncio.wait_for(save, 1)


async def test_a_save_queued_in_the_same_pass_as_close_is_answered(redis_url: str) -> None:
    store = RedisStore(redis_url)
    assert (await store.save("c:warm", "{}", 0)).outcome == "ok"
    save = asyncio.ensure_future(store.save("c:1", "{}", 0))
    await asyncio.sleep(0)  # queued; its drain task not started yet
    await store.close()
    with pytest.raises(StoreUnavailable):
        await asyncio.wait_for(save, 1)
