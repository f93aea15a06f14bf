"""Redis specifics: key layout, TTLs, cluster slots, faults (down, restarted, full, password)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
import redis
from redis.crc import key_slot

from bot.settings import Settings
from bot.store import MemoryStore, StoreUnavailable, make_store
from bot.store.redis_store import RedisStore
from testsupport.ports import free_port
from testsupport.redis_server import RedisServer

KEY = "slack:T1:U1"


def keys_of(server: RedisServer) -> list[str]:
    with server.client() as client:
        return sorted(k.decode() for k in client.keys("*"))


async def test_keys_have_the_prefix_a_shared_tag_and_no_raw_text(
        redis_url: str, redis_server: RedisServer) -> None:
    store = RedisStore(redis_url, prefix="acme")
    conversation = "slack:TEAMSECRET:UPERSON"
    await store.save(conversation, "{}", expected_version=0, event_id="evt hello world")
    await store.close()
    keys = keys_of(redis_server)
    assert len(keys) == 2
    assert all(k.startswith("acme:{") for k in keys)
    assert any(k.endswith(":state") for k in keys) and any(":seen:" in k for k in keys)
    for raw in ("TEAMSECRET", "UPERSON", "slack", "hello", "evt"):
        assert not any(raw in k for k in keys)


def test_both_keys_of_a_conversation_share_one_cluster_slot() -> None:
    store = RedisStore("redis://127.0.0.1:1/0")
    for conversation in ("slack:T1:U1", "teams:tenant:aad-object-id", "cli:me", "web:x"):
        state = store.state_key(conversation)
        assert key_slot(state.encode()) == key_slot(
            store.seen_key(conversation, "event-1").encode())
    # Different people land on different keys (and, over many, spread across slots).
    slots = {key_slot(store.state_key(f"slack:T1:U{i}").encode()) for i in range(50)}
    assert len(slots) > 40


async def test_state_and_seen_keys_get_their_ttls(redis_url: str) -> None:
    store = RedisStore(redis_url, state_ttl_seconds=5000, dedup_ttl_seconds=300)
    await store.save(KEY, "{}", expected_version=0, event_id="e1")
    client = redis.Redis.from_url(redis_url)
    try:
        assert 4990 <= client.ttl(store.state_key(KEY)) <= 5000
        assert 290 <= client.ttl(store.seen_key(KEY, "e1")) <= 300
        stored = client.hgetall(store.state_key(KEY))
        assert (stored[b"v"], stored[b"s"], len(stored[b"t"])) == (b"1", b"{}", 8)
        assert client.get(store.seen_key(KEY, "e1")) == stored[b"t"]  # the marker knows the write
    finally:
        client.close()
        await store.close()


@pytest.mark.slow
async def test_a_conversation_expires_after_its_ttl(redis_url: str) -> None:
    store = RedisStore(redis_url, state_ttl_seconds=1, dedup_ttl_seconds=1)
    await store.save(KEY, "{}", expected_version=0, event_id="e1")
    for _ in range(50):  # wait for Redis to expire it (about a second), not a timing check
        loaded = await store.load(KEY, "e1")
        if loaded.data is None:
            break
        await asyncio.sleep(0.1)
    assert (loaded.data, loaded.version, loaded.duplicate) == (None, 0, False)
    # Starting over works: version 0 is expected again.
    assert (await store.save(KEY, "{}", expected_version=0)).outcome == "ok"
    await store.close()


async def test_memory_usage_of_a_state_key(redis_url: str) -> None:
    store = RedisStore(redis_url)
    assert await store.memory_usage(KEY) is None
    await store.save(KEY, '{"slots":{"use_case":"customer_service"}}', expected_version=0)
    usage = await store.memory_usage(KEY)
    assert usage is not None and 0 < usage < 2048
    await store.close()


async def test_unreachable_redis_raises_store_unavailable() -> None:
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=0.5)
    with pytest.raises(StoreUnavailable):
        await store.load(KEY, "e1")
    with pytest.raises(StoreUnavailable):
        await store.save(KEY, "{}", expected_version=0)
    assert not await store.ping()
    await store.close()


async def test_store_recovers_by_itself_when_redis_comes_back(own_redis: RedisServer) -> None:
    store = RedisStore(own_redis.url)
    assert (await store.save(KEY, "a", expected_version=0)).outcome == "ok"
    own_redis.stop()
    with pytest.raises(StoreUnavailable):
        await store.load(KEY)
    assert not await store.ping()
    own_redis.start()
    # Same client, pooled connections died with the server: no restart needed.
    assert await store.ping()
    assert (await store.save(KEY, "b", expected_version=0)).outcome == "ok"
    assert (await store.load(KEY)).data == "b"
    await store.close()


async def test_full_redis_refuses_the_write_and_leaves_state_whole(
        redis_factory: Callable[..., RedisServer]) -> None:
    server = redis_factory(extra=["--maxmemory-policy", "noeviction"])
    store = RedisStore(server.url)
    before = await store.save(KEY, "before", expected_version=0, event_id="e1")
    with server.client() as client:
        client.config_set("maxmemory", "1")  # already over the limit: every write is OOM
    with pytest.raises(StoreUnavailable):
        await store.save(KEY, "after", expected_version=1, event_id="e2",
                         expected_token=before.token)
    loaded = await store.load(KEY, "e2")
    assert (loaded.data, loaded.version, loaded.duplicate) == ("before", 1, False)
    await store.close()


async def test_password_in_the_url(redis_factory: Callable[..., RedisServer]) -> None:
    server = redis_factory(password="s3cret-pass")
    store = RedisStore(server.url)
    assert (await store.save(KEY, "a", expected_version=0)).outcome == "ok"
    await store.close()
    wrong = RedisStore(server.url.replace("s3cret-pass", "wrong"))
    with pytest.raises(StoreUnavailable) as info:
        await wrong.load(KEY)
    assert "s3cret" not in str(info.value) and "wrong" not in str(info.value)
    await wrong.close()


async def test_make_store_picks_redis_only_with_a_url(redis_url: str) -> None:
    assert isinstance(make_store(Settings(_env_file=None, redis_url=None)), MemoryStore)
    store = make_store(Settings(_env_file=None, redis_url=redis_url, redis_key_prefix="p"))
    assert isinstance(store, RedisStore)
    assert store.state_key(KEY).startswith("p:{")
    assert await store.ping()
    await store.close()


@pytest.mark.slow
async def test_slow_redis_is_cut_off_by_the_timeout(
        redis_factory: Callable[..., RedisServer]) -> None:
    server = redis_factory(extra=["--enable-debug-command", "yes"])
    store = RedisStore(server.url, timeout_seconds=0.3)
    await store.save(KEY, "a", expected_version=0)
    blocker = asyncio.create_task(asyncio.to_thread(_debug_sleep, server, 2))
    await asyncio.sleep(0.2)  # let DEBUG SLEEP take the server
    with pytest.raises(StoreUnavailable):
        await store.load(KEY)
    await blocker
    assert (await store.load(KEY)).data == "a"  # and all is well once it answers again
    await store.close()


def _debug_sleep(server: RedisServer, seconds: int) -> None:
    with server.client() as client:
        client.execute_command("DEBUG", "SLEEP", seconds)
