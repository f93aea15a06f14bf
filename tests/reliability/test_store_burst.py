"""A burst of turns larger than redis-py's connection pool waits for a connection instead of
failing: under load, the friendly "I can't reach my memory" is for outages only (redis-py 8
refuses a command past its pool's size with MaxConnectionsError). How the load run found it:
benchmarks/RESULTS-outage.md.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.store.redis_store import RedisStore

pytestmark = pytest.mark.slow  # load


async def test_more_concurrent_operations_than_the_pool_holds_all_succeed(redis_url: str) -> None:
    store = RedisStore(redis_url, timeout_seconds=5.0)
    try:
        loads = await asyncio.gather(*(store.load(f"burst:{i}", f"event:{i}")
                                       for i in range(300)))
        saves = await asyncio.gather(*(store.save(f"burst:{i}", "{}", 0, f"event:{i}")
                                       for i in range(300)))
    finally:
        await store.close()
    assert all(not loaded.duplicate and loaded.version == 0 for loaded in loads)
    assert [saved.outcome for saved in saves] == ["ok"] * 300
