"""Fixtures shared by the runtime's tests."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.store.base import StateStore
from bot.store.memory import MemoryStore
from bot.store.redis_store import RedisStore


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[StateStore]:
    """Each store in turn: a test using it runs once on memory, once on a real Redis."""
    if request.param == "memory":
        yield MemoryStore()
        return
    redis_store = RedisStore(request.getfixturevalue("redis_url"))
    yield redis_store
    await redis_store.close()


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """For tests that set up logging: the root logger's handlers and level as they were."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.captureWarnings(False)
