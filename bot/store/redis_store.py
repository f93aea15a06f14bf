"""The Redis state store: one hash per conversation, compare-and-set and dedup in one Lua call.

Key layout (the `{...}` part is a Redis Cluster hash tag, so both keys of a conversation live
in one slot and the Lua script may touch them together):

    <prefix>:{<tag>}:state            hash {v: version, s: state JSON}, TTL = state TTL
    <prefix>:{<tag>}:seen:<event>     "1", TTL = dedup TTL
    <prefix>:{<tag>}:rate             turns in the current rate-limit window, TTL = window

`<tag>` and `<event>` are short SHA-1 digests of the conversation key and the event id: keys
stay short and never carry anything a person or a platform typed.

A turn costs two round trips: `load` (one pipeline) or `load_counted` (one EVALSHA, when a
rate limit is set) and `save` (one EVALSHA).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from bot.store.base import Loaded, Saved, StoreBusy, StoreUnavailable

if TYPE_CHECKING:
    from bot.settings import Settings

T = TypeVar("T")

# KEYS[1] state hash, KEYS[2] seen marker (absent when the event has no id).
# ARGV: expected version, state JSON, state TTL, dedup TTL.
# Reads come first and the first write is HSET: under `maxmemory noeviction` Redis refuses the
# first write of a script that starts out of memory, so nothing is ever half-written.
SAVE_LUA = """
local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if KEYS[2] and redis.call('EXISTS', KEYS[2]) == 1 then
  return {'duplicate', current}
end
if current ~= tonumber(ARGV[1]) then
  return {'conflict', current}
end
local version = current + 1
redis.call('HSET', KEYS[1], 'v', version, 's', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
if KEYS[2] then
  redis.call('SET', KEYS[2], '1', 'EX', ARGV[4])
end
return {'ok', version}
"""

# KEYS[1] state hash, KEYS[2] rate counter, KEYS[3] seen marker (absent when no event id).
# ARGV[1]: the rate window in seconds. Returns {version, state, duplicate 0|1, count}; count
# is 0 for a duplicate (not counted) and -1 when the counter could not be written.
# The counter is a fixed window opened by the turn that finds it absent; EXPIRE NX gives a
# TTL to a counter that has none, so no counter outlives its window. pcall: a counter that
# cannot be written (Redis full) must not fail the load.
LOAD_COUNTED_LUA = """
local state = redis.call('HMGET', KEYS[1], 'v', 's')
if KEYS[3] and redis.call('EXISTS', KEYS[3]) == 1 then
  return {state[1], state[2], 1, 0}
end
local count = redis.pcall('INCR', KEYS[2])
if type(count) ~= 'number' then
  return {state[1], state[2], 0, -1}
end
if type(redis.pcall('EXPIRE', KEYS[2], ARGV[1], 'NX')) ~= 'number' then
  count = -1
end
return {state[1], state[2], 0, count}
"""

_DIGEST_CHARS = 16  # 64 bits: collisions are not a practical concern at any deployment size
# redis-py's pools (plain and per cluster node) hold 100 connections and refuse the 101st
# command with MaxConnectionsError instead of waiting; a burst of turns queues here instead,
# still within the operation's deadline.
MAX_IN_FLIGHT = 100


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:_DIGEST_CHARS]


class RedisStore:
    def __init__(self, url: str, *, prefix: str = "wa", state_ttl_seconds: int = 30 * 86400,
                 dedup_ttl_seconds: int = 86400, timeout_seconds: float = 1.0,
                 cluster: bool = False) -> None:
        self._prefix = prefix
        self._state_ttl = int(state_ttl_seconds)
        self._dedup_ttl = int(dedup_ttl_seconds)
        # Bounds a whole operation, the one reconnect-and-retry included, so an outage costs
        # a turn about this long and no more.
        self._deadline = timeout_seconds
        self._in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
        options: dict[str, Any] = dict(
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            decode_responses=True,
            # Bytes that are not UTF-8 (a state written by something else) arrive as text the
            # runner cannot parse, and it starts the conversation again, not a crash.
            encoding_errors="replace",
            # One immediate retry: replaces a pooled connection that died while Redis
            # restarted; more would only stretch an outage.
            retry=Retry(NoBackoff(), 1),
        )
        self._client: Any
        if cluster:
            self._client = RedisCluster.from_url(url, **options)
        else:
            self._client = aioredis.from_url(url, health_check_interval=30, **options)
        self._save_script = self._client.register_script(SAVE_LUA)
        self._load_counted_script = self._client.register_script(LOAD_COUNTED_LUA)

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisStore:
        assert settings.redis_url is not None
        return cls(settings.redis_url, prefix=settings.redis_key_prefix,
                   state_ttl_seconds=settings.state_ttl_seconds,
                   dedup_ttl_seconds=settings.dedup_ttl_seconds,
                   timeout_seconds=settings.redis_timeout_seconds,
                   cluster=settings.redis_cluster)

    @property
    def client(self) -> Any:
        """The underlying redis.asyncio client (for readiness checks, rate limits, benchmarks)."""
        return self._client

    def state_key(self, conversation: str) -> str:
        return f"{self._prefix}:{{{_digest(conversation)}}}:state"

    def seen_key(self, conversation: str, event_id: str) -> str:
        return f"{self._prefix}:{{{_digest(conversation)}}}:seen:{_digest(event_id)}"

    async def _call(self, operation: Callable[[], Awaitable[T]]) -> T:
        started = False
        try:
            async with asyncio.timeout(self._deadline), self._in_flight:
                started = True
                return await operation()
        except TimeoutError as error:
            if not started:  # the deadline passed queued behind our own in-flight calls
                raise StoreBusy("queued") from error
            raise StoreUnavailable(type(error).__name__) from error
        except (RedisError, OSError) as error:
            # The message names the failure, never a key's content or the URL's password.
            raise StoreUnavailable(type(error).__name__) from error

    async def load(self, key: str, event_id: str | None = None) -> Loaded:
        state_key = self.state_key(key)

        async def run() -> list[Any]:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.hmget(state_key, "v", "s")
                if event_id is not None:
                    pipe.exists(self.seen_key(key, event_id))
                return list(await pipe.execute())

        results = await self._call(run)
        version, data = results[0]
        duplicate = event_id is not None and bool(results[1])
        if data is None:
            return Loaded(data=None, version=0, duplicate=duplicate)
        return Loaded(data=data, version=int(version or 0), duplicate=duplicate)

    def rate_key(self, conversation: str) -> str:
        return f"{self._prefix}:{{{_digest(conversation)}}}:rate"

    async def load_counted(self, key: str, event_id: str | None,
                           window_seconds: int) -> tuple[Loaded, int | None]:
        """`load`, and one more turn on the conversation's counter unless the event is a
        duplicate, in one round trip (the LOAD_COUNTED_LUA script).

        The count is None when the counter could not be updated (Redis full, or older than
        7.0): a limit then lets the turn through rather than refuse everyone.
        """
        keys = [self.state_key(key), self.rate_key(key)]
        if event_id is not None:
            keys.append(self.seen_key(key, event_id))
        version, data, duplicate, count = await self._call(
            lambda: self._load_counted_script(keys=keys, args=[int(window_seconds)]))
        loaded = (Loaded(data=None, version=0, duplicate=bool(duplicate)) if data is None
                  else Loaded(data=data, version=int(version or 0), duplicate=bool(duplicate)))
        return loaded, None if int(count) < 0 else int(count)

    async def save(self, key: str, data: str, expected_version: int,
                   event_id: str | None = None) -> Saved:
        keys = [self.state_key(key)]
        if event_id is not None:
            keys.append(self.seen_key(key, event_id))
        args = [expected_version, data, self._state_ttl, self._dedup_ttl]
        outcome, version = await self._call(lambda: self._save_script(keys=keys, args=args))
        if outcome not in ("ok", "conflict", "duplicate"):
            raise StoreUnavailable(f"unexpected script reply {outcome!r}")
        return Saved(outcome, int(version))

    async def memory_usage(self, conversation: str) -> int | None:
        """Bytes Redis uses for a conversation's state key (MEMORY USAGE), None if absent."""
        key = self.state_key(conversation)
        return await self._call(lambda: self._client.memory_usage(key, samples=0))

    async def ping(self) -> bool:
        try:
            return bool(await self._call(self._client.ping))
        except StoreUnavailable:
            return False

    async def close(self) -> None:
        await self._client.aclose()
