"""The embedded default store: a dict in this process, same semantics as the Redis store.

Conversations live as long as the process (or their TTL). Used by the terminal chat without
`REDIS_URL` and by tests; one process only, so no cross-replica guarantees.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.rate_limit import WINDOW_SECONDS, WindowCounter
from bot.store.base import Loaded, Saved, workspace_of

# Sweep expired entries every this many saves, so a long-running process does not keep
# every conversation and event id it ever saw.
_SWEEP_EVERY = 1024
DEFAULT_MAX_CONVERSATIONS = 100_000


@dataclass
class _Entry:
    version: int
    data: str
    expires_at: float
    token: str = ""


class MemoryStore:
    def __init__(self, *, state_ttl_seconds: float = 30 * 86400,
                 dedup_ttl_seconds: float = 86400,
                 max_conversations: int = DEFAULT_MAX_CONVERSATIONS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._state_ttl = state_ttl_seconds
        # Bounds memory whatever arrives: past the cap, the least recently written go first.
        self._max_conversations = max(1, max_conversations)
        self._max_seen = 10 * self._max_conversations
        self._dedup_ttl = dedup_ttl_seconds
        self._clock = clock
        self._states: dict[str, _Entry] = {}
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = asyncio.Lock()
        self._saves = 0
        self._turns = WindowCounter(WINDOW_SECONDS, clock=clock)

    def _state(self, key: str, now: float) -> _Entry | None:
        entry = self._states.get(key)
        if entry is not None and entry.expires_at <= now:
            del self._states[key]
            return None
        return entry

    def _is_seen(self, key: str, event_id: str | None, now: float) -> bool:
        if event_id is None:
            return False
        expires_at = self._seen.get((key, event_id))
        if expires_at is None:
            return False
        if expires_at <= now:
            del self._seen[(key, event_id)]
            return False
        return True

    async def load(self, key: str, event_id: str | None = None) -> Loaded:
        async with self._lock:
            now = self._clock()
            entry = self._state(key, now)
            return Loaded(data=entry.data if entry else None,
                          version=entry.version if entry else 0,
                          duplicate=self._is_seen(key, event_id, now),
                          token=entry.token if entry else "")

    async def save(self, key: str, data: str, expected_version: int,
                   event_id: str | None = None, *, rate_limit: int = 0,
                   expected_token: str = "", ttl_seconds: int | None = None) -> Saved:
        async with self._lock:
            now = self._clock()
            entry = self._state(key, now)
            current = entry.version if entry else 0
            token = entry.token if entry else ""
            if self._is_seen(key, event_id, now):
                return Saved("duplicate", current)
            if rate_limit > 0 and self._turns.hit(key) > rate_limit:
                return Saved("rate_limited", current, wait_seconds=self._turns.seconds_left())
            if current != expected_version or token != expected_token:
                return Saved("conflict", current, entry.data if entry else None, token)
            written = secrets.token_hex(8)
            ttl = self._state_ttl if ttl_seconds is None else ttl_seconds
            # Re-inserted, so the dict's order is least recently written first.
            self._states.pop(key, None)
            self._states[key] = _Entry(current + 1, data, now + ttl, written)
            while len(self._states) > self._max_conversations:
                del self._states[next(iter(self._states))]
            if event_id is not None:
                self._seen[(key, event_id)] = now + self._dedup_ttl
                while len(self._seen) > self._max_seen:
                    del self._seen[next(iter(self._seen))]
            self._saves += 1
            if self._saves % _SWEEP_EVERY == 0:
                self._sweep(now)
            return Saved("ok", current + 1, None, written)

    def _sweep(self, now: float) -> None:
        for key in [k for k, e in self._states.items() if e.expires_at <= now]:
            del self._states[key]
        for seen in [k for k, t in self._seen.items() if t <= now]:
            del self._seen[seen]

    async def erase(self, key: str) -> int:
        async with self._lock:
            removed = 1 if self._states.pop(key, None) is not None else 0
            for seen in [k for k in self._seen if k[0] == key]:
                del self._seen[seen]
                removed += 1
            return removed

    async def erase_workspace(self, workspace: str) -> int:
        async with self._lock:
            keys = [k for k in self._states if workspace and workspace_of(k) == workspace]
            for key in keys:
                del self._states[key]
            for seen in [k for k in self._seen if workspace and workspace_of(k[0]) == workspace]:
                del self._seen[seen]
            return len(keys)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        return None
