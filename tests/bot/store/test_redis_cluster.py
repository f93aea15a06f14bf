"""The Redis store on a Redis Cluster of three masters: hash tags keep a conversation's keys
in one slot, so the Lua compare-and-set and the load pipeline work on any node."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from redis.crc import key_slot

from bot.store.redis_store import RedisStore
from testsupport.redis_server import RedisServer, create_cluster, free_cluster_port

pytestmark = pytest.mark.slow  # a six-node Redis Cluster


@pytest.fixture
def cluster_url(redis_factory: Callable[..., RedisServer]) -> str:
    nodes = [redis_factory(port=free_cluster_port(),
                           extra=["--cluster-enabled", "yes",
                                  "--cluster-config-file", f"nodes-{i}.conf"])
             for i in range(3)]
    try:
        create_cluster(nodes)
    except RuntimeError as error:
        pytest.fail(f"cannot create a Redis Cluster for the test: {error}", pytrace=False)
    return nodes[0].url


async def test_cas_and_dedup_across_cluster_slots(cluster_url: str) -> None:
    store = RedisStore(cluster_url, cluster=True)
    conversations = [f"slack:T1:U{i}" for i in range(30)]
    slots = {key_slot(store.state_key(c).encode()) * 3 // 16384 for c in conversations}
    assert slots == {0, 1, 2}  # the conversations really are spread over the three masters
    for c in conversations:
        first = await store.save(c, "a", expected_version=0, event_id="e1")
        assert first.outcome == "ok"
        assert (await store.save(c, "b", expected_version=0, event_id="e2")).outcome == "conflict"
        assert (await store.save(c, "b", expected_version=1, event_id="e1",
                                 expected_token=first.token)).outcome == "duplicate"
        loaded = await store.load(c, "e1")
        assert (loaded.data, loaded.version, loaded.duplicate) == ("a", 1, True)
    token = (await store.load(conversations[0])).token
    racers = await asyncio.gather(*(
        store.save(conversations[0], f"w{i}", expected_version=1, event_id=f"r{i}",
                   expected_token=token)
        for i in range(10)))
    assert sum(r.outcome == "ok" for r in racers) == 1
    assert await store.ping()
    await store.close()
