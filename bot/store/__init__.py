"""State stores behind one interface (base.StateStore): Redis, or in-memory by default."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.store.base import Loaded, Saved, StateStore, StoreUnavailable
from bot.store.memory import MemoryStore

if TYPE_CHECKING:
    from bot.settings import Settings

__all__ = ["Loaded", "MemoryStore", "Saved", "StateStore", "StoreUnavailable", "make_store"]


def make_store(settings: Settings) -> StateStore:
    """Redis when REDIS_URL is set, else the in-process store."""
    if settings.redis_url:
        from bot.store.redis_store import RedisStore  # imported here: redis only when used

        return RedisStore.from_settings(settings)
    return MemoryStore(state_ttl_seconds=settings.state_ttl_seconds,
                       dedup_ttl_seconds=settings.dedup_ttl_seconds,
                       max_conversations=settings.memory_store_max_conversations)
