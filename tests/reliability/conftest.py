"""A redis-server of the test's own for the serve-level runs: append-only with fsync on every
write (so a killed server keeps every write it answered, and "nothing lost" is about the bot),
and DEBUG enabled (DEBUG SLEEP makes it slow)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from testsupport.redis_server import RedisServer

DURABLE = ["--appendonly", "yes", "--appendfsync", "always", "--enable-debug-command", "yes"]


@pytest.fixture
def durable_redis(redis_factory: Callable[..., RedisServer]) -> RedisServer:
    return redis_factory(extra=DURABLE)
