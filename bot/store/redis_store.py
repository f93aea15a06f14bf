"""The Redis state store: one hash per conversation, compare-and-set and dedup in one Lua call.

Key layout (the `{...}` part is a Redis Cluster hash tag, so both keys of a conversation live
in one slot and the Lua script may touch them together):

    <prefix>:{<tag>}:state            hash {v: version, s: state JSON, t: write token},
                                      TTL = state TTL
    <prefix>:{<tag>}:seen:<event>     the write token of the save that applied it, TTL = dedup TTL
    <prefix>:{<tag>}:rate             turns in the current rate-limit window, TTL = window
    <prefix>:{<tag>}:call:<token>     a save without an event id, its write token, TTL = 60 s

`<tag>` and `<event>` are short SHA-1 digests of the conversation key and the event id: keys
stay short and never carry anything a person or a platform typed.

A turn costs one round trip when the runner knows the conversation's version (or that it is
new): `save`, one EVALSHA that also counts the turn against the rate limit and, on a version
conflict, returns the stored state. Saves go to Redis in batches on a connection of their
own, one batch at a time, so the saves that arrive while a batch is out share the next one
(batching.py). `load` (one pipeline) is for the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import redis
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.driver_info import DriverInfo
from redis.exceptions import RedisError

from bot.rate_limit import WINDOW_SECONDS
from bot.store.base import Loaded, Saved, StoreBusy, StoreUnavailable, workspace_of
from bot.store.batching import ScriptBatcher
from bot.store.breaker import CircuitBreaker

if TYPE_CHECKING:
    from bot.settings import Settings

T = TypeVar("T")

# KEYS[1] state hash, KEYS[2] rate counter, KEYS[3] the event's seen marker (for a save without
# an event id, a marker of this call alone; the script also runs without one). ARGV: expected
# version, expected token, state JSON, this write's token, state TTL, marker TTL, rate window in
# seconds, rate limit (0: the turn is not counted), the token that stands for a corrupt state,
# the digest of the conversation's workspace ('' for none: kept as 'w', for erasing a workspace).
# Returns {'ok', version, false, token}, {'duplicate', version}, {'rate_limited', version,
# false, '', milliseconds left in the window} or
# {'conflict', version, stored state or nil, stored token}: a conflict hands back what is
# stored, so the caller can step again on it without a separate load.
# The compare-and-set is on the version and the token of the write that stored the state: a
# version can come round again (the state expired, or a failover lost writes), a random token
# does not. The token is also the seen marker's value, so a save that runs a second time (redis-
# py re-sends a whole pipeline after a dropped connection) finds its own write and answers ok.
# Reads come first and the first write that must succeed is HSET: under `maxmemory noeviction`
# Redis refuses the first write of a script that starts out of memory, so nothing is ever
# half-written. The counter is written with pcall: a counter that cannot be written must not
# fail the turn (it is then let through). It is a fixed window opened by the turn that finds
# it absent; EXPIRE NX gives a TTL to a counter that has none, so none outlives its window.
# A state key that is not a hash, or whose version is not a whole number, is corrupt (written by
# something else): it counts as version 0 with the corrupt token, so the first save conflicts
# and hands back '' (an unreadable state: the runner starts the conversation again, says so and
# logs it), and the save that follows, expecting exactly that, replaces it. A seen marker of the
# wrong type counts as unseen and is replaced.
SAVE_LUA = """
local kind = redis.call('TYPE', KEYS[1])
kind = type(kind) == 'table' and kind['ok'] or kind
local stored = {false, false, false}
if kind == 'hash' then
  stored = redis.call('HMGET', KEYS[1], 'v', 's', 't')
end
local current = tonumber(stored[1] or '0')
local token = stored[3] or ''
local corrupt = kind ~= 'hash' and kind ~= 'none'
if current == nil or current < 0 or current ~= math.floor(current) or current >= 2^53 then
  corrupt = true
end
if corrupt then
  current, token, stored = 0, ARGV[9] or '!corrupt', {false, '', false}
end
if token == ARGV[4] and current == tonumber(ARGV[1]) + 1 then
  return {'ok', current, false, token}
end
if KEYS[3] then
  local seen = redis.pcall('GET', KEYS[3])
  if type(seen) == 'table' and seen['err'] then
    seen = false
  end
  if seen == ARGV[4] then
    return {'ok', current, false, seen}
  elseif seen then
    return {'duplicate', current}
  end
end
local limit = tonumber(ARGV[8])
if limit > 0 then
  local count = redis.pcall('INCR', KEYS[2])
  if type(count) == 'number'
      and type(redis.pcall('EXPIRE', KEYS[2], ARGV[7], 'NX')) == 'number'
      and count > limit then
    return {'rate_limited', current, false, '', redis.call('PTTL', KEYS[2])}
  end
end
if current ~= tonumber(ARGV[1]) or token ~= ARGV[2] then
  return {'conflict', current, stored[2], token}
end
local version = current + 1
if corrupt then
  redis.call('DEL', KEYS[1])
end
if (ARGV[10] or '') ~= '' then
  redis.call('HSET', KEYS[1], 'v', version, 's', ARGV[3], 't', ARGV[4], 'w', ARGV[10])
else
  redis.call('HSET', KEYS[1], 'v', version, 's', ARGV[3], 't', ARGV[4])
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
if KEYS[3] then
  redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[6])
end
return {'ok', version, false, ARGV[4]}
"""

# Stands for a corrupt stored state (see SAVE_LUA); no write makes it (theirs are hex).
CORRUPT_TOKEN = "!corrupt"
# Stands for a state read from its key of before REDIS_KEY_SECRET, to be moved on its next save.
LEGACY_TOKEN = "!legacy"
_DIGEST_CHARS = 16  # 64 bits: collisions are not a practical concern at any deployment size
# A write's token: 32 random bits, 8 hex characters. It only has to tell apart writes of one
# conversation. A field of its own, not folded into 'v': a release from before the token (a
# rolling deploy, a rollback) reads 'v' as a number and leaves 't' alone, and a stale 't' it
# leaves behind only ever makes the next compare-and-set fail on the version, never pass.
_TOKEN_BYTES = 4
# How long a save without an event id keeps the marker of its own call: long enough for redis-py
# to re-send it after a dropped connection, which it does at once.
_CALL_MARKER_TTL_SECONDS = 60
# redis-py's pools (plain and per cluster node) hold 100 connections and refuse the 101st
# command with MaxConnectionsError instead of waiting; a burst of turns queues here instead,
# still within the operation's deadline.
MAX_IN_FLIGHT = 100


def _glob_escape(text: str) -> str:
    """`text` matched literally in a SCAN pattern."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:_DIGEST_CHARS]


class RedisStore:
    def __init__(self, url: str, *, prefix: str = "wa", state_ttl_seconds: int = 30 * 86400,
                 dedup_ttl_seconds: int = 86400, timeout_seconds: float = 1.0,
                 cluster: bool = False, circuit_breaker: bool = True,
                 key_secret: str | None = None) -> None:
        self._prefix = prefix
        # With a secret, key names are keyed digests (HMAC) of the conversation keys, so a list
        # of user ids does not tell whose key is whose; keys named before it are still read.
        self._key_secret = key_secret.encode("utf-8") if key_secret else None
        self._state_ttl = int(state_ttl_seconds)
        self._dedup_ttl = int(dedup_ttl_seconds)
        # Bounds a whole operation, the one reconnect-and-retry included, so an outage costs
        # a turn about this long and no more.
        self._deadline = timeout_seconds
        self._in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
        # In an outage, turns fail at once instead of each waiting out the deadline.
        self._breaker = CircuitBreaker(self._probe) if circuit_breaker else None
        options: dict[str, Any] = dict(
            # No socket timeout (redis-py's default is 5 s): the deadline above bounds every
            # command already, and with one redis-py wraps each send in asyncio.wait_for (on
            # Python 3.11, a task per command) and each read in a timeout of its own. A
            # command cut off by the deadline is cancelled, and redis-py then drops that
            # connection, so no reply is ever read by the wrong command.
            socket_timeout=None,
            socket_connect_timeout=timeout_seconds,
            decode_responses=True,
            # Bytes that are not UTF-8 (a state written by something else) arrive as text the
            # runner cannot parse, and it starts the conversation again, not a crash.
            encoding_errors="replace",
            # One immediate retry: replaces a pooled connection that died while Redis
            # restarted; more would only stretch an outage.
            retry=Retry(NoBackoff(), 1),
            # Given, not looked up: redis-py otherwise reads its own package metadata for
            # every new pooled connection, which a burst pays a hundred times over.
            driver_info=DriverInfo(lib_version=redis.__version__),
        )
        self._client: Any
        if cluster:
            self._client = RedisCluster.from_url(url, **options)
        else:
            self._client = aioredis.from_url(url, health_check_interval=30, **options)
        self._save_script = self._client.register_script(SAVE_LUA)
        self._run_save: Callable[[list[str], list[Any]], Awaitable[Any]]
        if cluster:
            # A cluster pipeline would split by node anyway; each save goes on its own.
            self._run_save = lambda keys, args: self._call(
                lambda: self._save_script(keys=keys, args=args))
        else:
            self._run_save = ScriptBatcher(self._client.connection_pool.make_connection,
                                           self._save_script, self._call)

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisStore:
        assert settings.redis_url is not None
        return cls(settings.redis_url, prefix=settings.redis_key_prefix,
                   state_ttl_seconds=settings.state_ttl_seconds,
                   dedup_ttl_seconds=settings.dedup_ttl_seconds,
                   timeout_seconds=settings.redis_timeout_seconds,
                   cluster=settings.redis_cluster,
                   key_secret=(settings.redis_key_secret.get_secret_value()
                               if settings.redis_key_secret is not None else None))

    @property
    def refusing(self) -> bool:
        """True while the circuit breaker is open: every call would fail at once."""
        return self._breaker is not None and self._breaker.is_open

    @property
    def client(self) -> Any:
        """The underlying redis.asyncio client (for readiness checks, rate limits, benchmarks)."""
        return self._client

    def _name_digest(self, text: str) -> str:
        if self._key_secret is None:
            return _digest(text)
        return hmac.new(self._key_secret, text.encode("utf-8"),
                        hashlib.sha256).hexdigest()[:_DIGEST_CHARS]

    def _tagged(self, conversation: str) -> str:
        """The start every key of a conversation shares, its hash tag included."""
        return f"{self._prefix}:{{{self._name_digest(conversation)}}}:"

    def _legacy_tagged(self, conversation: str) -> str | None:
        """The same, as named before REDIS_KEY_SECRET was set (None when it is not set)."""
        if self._key_secret is None:
            return None
        return f"{self._prefix}:{{{_digest(conversation)}}}:"

    async def _legacy_state(self, conversation: str) -> str | None:
        """The state stored under the conversation's unkeyed name, if any (readable or not)."""
        legacy = self._legacy_tagged(conversation)
        if legacy is None:
            return None

        async def run() -> list[Any]:
            async with self._client.pipeline(transaction=False) as pipe:
                pipe.hget(legacy + "state", "s")
                return list(await pipe.execute(raise_on_error=False))

        (data,) = await self._call(run)
        return data if isinstance(data, str) else None

    async def _drop_legacy(self, conversation: str) -> None:
        legacy = self._legacy_tagged(conversation)
        if legacy is not None:
            # Moved: its other keys (markers, counter) expire on their own.
            await self._call(lambda: self._client.unlink(legacy + "state"))

    def state_key(self, conversation: str) -> str:
        return self._tagged(conversation) + "state"

    def seen_key(self, conversation: str, event_id: str) -> str:
        return f"{self._tagged(conversation)}seen:{_digest(event_id)}"

    def rate_key(self, conversation: str) -> str:
        return self._tagged(conversation) + "rate"

    def call_key(self, conversation: str, token: str) -> str:
        return f"{self._tagged(conversation)}call:{token}"

    async def _call(self, operation: Callable[[], Awaitable[T]], *,
                    since: float | None = None) -> T:
        """Run `operation` within the deadline, counted from `since` (on the loop's clock) when
        given: a batched save's deadline runs from when the save was queued, not from when its
        batch went out. While the circuit breaker is open it fails at once."""
        breaker = self._breaker
        if breaker is None:
            return await self._guarded(operation, since)
        if breaker.is_open:
            raise StoreUnavailable("circuit open")
        try:
            result = await self._guarded(operation, since)
        except StoreBusy:  # this process is overloaded; the store may be fine
            raise
        except StoreUnavailable:
            breaker.failed()
            raise
        breaker.succeeded()
        return result

    async def _probe(self) -> bool:
        """PING within the deadline, outside the breaker (it is what closes it)."""
        try:
            async with asyncio.timeout(self._deadline):
                return bool(await self._client.ping())
        except (RedisError, OSError, TimeoutError):
            return False

    async def _guarded(self, operation: Callable[[], Awaitable[T]],
                       since: float | None) -> T:
        started = False
        loop = asyncio.get_running_loop()
        deadline = (loop.time() if since is None else since) + self._deadline
        try:
            async with asyncio.timeout_at(deadline), self._in_flight:
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
                pipe.hmget(state_key, "v", "s", "t")
                if event_id is not None:
                    pipe.exists(self.seen_key(key, event_id))
                # A key of the wrong type (written by something else) comes back as its
                # error, not raised: it is a corrupt conversation, not an unreachable store.
                return list(await pipe.execute(raise_on_error=False))

        results = await self._call(run)
        duplicate = (event_id is not None and not isinstance(results[1], RedisError)
                     and bool(results[1]))
        stored = results[0]
        if isinstance(stored, RedisError):
            if "WRONGTYPE" not in str(stored):
                raise StoreUnavailable(type(stored).__name__)
            return self._corrupt(duplicate)
        version, data, token = stored
        if data is None:
            legacy = await self._legacy_state(key) if self._key_secret is not None else None
            if legacy is not None:
                return Loaded(data=legacy, version=0, duplicate=duplicate, token=LEGACY_TOKEN)
            return Loaded(data=None, version=0, duplicate=duplicate)
        if not (isinstance(version, str) and version.isascii() and version.isdigit()
                and len(version) < 16):
            return self._corrupt(duplicate)
        return Loaded(data=data, version=int(version), duplicate=duplicate,
                      token=token or "")

    @staticmethod
    def _corrupt(duplicate: bool) -> Loaded:
        # What a save hands back for it too (SAVE_LUA): unreadable, so the runner starts again.
        return Loaded(data="", version=0, duplicate=duplicate, token=CORRUPT_TOKEN)

    async def save(self, key: str, data: str, expected_version: int,
                   event_id: str | None = None, *, rate_limit: int = 0,
                   expected_token: str = "", ttl_seconds: int | None = None) -> Saved:
        migrating = expected_token == LEGACY_TOKEN
        if migrating:  # the state read from the old name goes to the new one
            expected_token = ""
        elif self._key_secret is not None and expected_version == 0 and not expected_token:
            # A conversation this process takes for new may live under its old name: one more
            # round trip, on its first turn in this process only.
            legacy = await self._legacy_state(key)
            if legacy is not None:
                return Saved("conflict", 0, legacy, LEGACY_TOKEN)
        tagged = self._tagged(key)  # the *_key methods' keys, digested once
        token = secrets.token_hex(_TOKEN_BYTES)
        if event_id is not None:
            marker, marker_ttl = f"{tagged}seen:{_digest(event_id)}", self._dedup_ttl
        else:
            # No event id to dedup on: a marker of this call alone, so that a run repeated
            # after another replica's write still finds its own (never a duplicate: the key
            # is new), kept only as long as a repeat could come.
            marker, marker_ttl = f"{tagged}call:{token}", _CALL_MARKER_TTL_SECONDS
        keys = [tagged + "state", tagged + "rate", marker]
        ttl = self._state_ttl if ttl_seconds is None else int(ttl_seconds)
        args = [expected_version, expected_token, data, token, ttl, marker_ttl,
                WINDOW_SECONDS, max(0, rate_limit), CORRUPT_TOKEN, self._workspace_mark(key)]
        reply = await self._run_save(keys, args)
        outcome = reply[0]
        if outcome not in ("ok", "conflict", "duplicate", "rate_limited"):
            raise StoreUnavailable(f"unexpected script reply {outcome!r}")
        current = reply[2] if len(reply) > 2 else None
        stored_token = reply[3] if len(reply) > 3 and reply[3] else ""
        wait_ms = int(reply[4]) if len(reply) > 4 else 0
        # A corrupt state comes back as "", which the runner cannot read: it starts again.
        current = "" if stored_token == CORRUPT_TOKEN else current or None
        if migrating and outcome == "ok":
            # Moved already: the old copy is only ever read when the new one is absent.
            with contextlib.suppress(StoreUnavailable):
                await self._drop_legacy(key)
        return Saved(outcome, int(reply[1]), current, stored_token,
                     max(0, wait_ms) / 1000)

    def _workspace_mark(self, conversation: str) -> str:
        workspace = workspace_of(conversation)
        return self._name_digest(workspace) if workspace else ""

    async def _delete_matching(self, pattern: str, wanted: Callable[[str], bool]) -> int:
        async def run() -> int:
            removed = 0
            batch: list[str] = []
            async for key in self._client.scan_iter(match=pattern, count=1000):
                if wanted(key):
                    batch.append(key)
                if len(batch) >= 500:
                    removed += await self._unlink(batch)
                    batch = []
            return removed + (await self._unlink(batch) if batch else 0)

        # Admin work over many keys: no per-turn deadline, but any Redis error is still one.
        try:
            return await run()
        except (RedisError, OSError) as error:
            raise StoreUnavailable(type(error).__name__) from error

    async def _unlink(self, keys: list[str]) -> int:
        # One key at a time: in a cluster the keys of a batch live in many slots.
        removed = 0
        for key in keys:
            removed += int(await self._client.unlink(key))
        return removed

    async def erase(self, key: str) -> int:
        """Every key of the conversation: state (with its history), seen and call markers,
        the rate counter. They share the hash tag, so one pattern finds them all."""
        removed = 0
        for tagged in (self._tagged(key), self._legacy_tagged(key)):
            if tagged is not None:
                removed += await self._delete_matching(_glob_escape(tagged) + "*",
                                                       lambda _: True)
        return removed

    async def erase_workspace(self, workspace: str) -> int:
        """Every conversation whose state carries this workspace's mark ('w'), found by scanning
        the state keys; then every key sharing their hash tags."""
        if not workspace:
            return 0
        mark = self._name_digest(workspace)
        tags: set[str] = set()
        try:
            async for key in self._client.scan_iter(
                    match=_glob_escape(self._prefix) + ":{*}:state", count=1000):
                if await self._client.type(key) == "hash" \
                        and await self._client.hget(key, "w") == mark:
                    tags.add(key[:key.rindex("}") + 1])
        except (RedisError, OSError) as error:
            raise StoreUnavailable(type(error).__name__) from error
        if not tags:
            return 0
        await self._delete_matching(_glob_escape(self._prefix) + ":{*}:*",
                                    lambda key: key[:key.find("}") + 1] in tags)
        return len(tags)

    async def memory_usage(self, conversation: str) -> int | None:
        """Bytes Redis uses for a conversation's state key (MEMORY USAGE), None if absent."""
        key = self.state_key(conversation)
        return await self._call(lambda: self._client.memory_usage(key, samples=0))

    async def ping(self) -> bool:
        if self._breaker is not None and self._breaker.is_open:
            # A real PING, not the breaker's refusal: readiness says what Redis does, and an
            # answer closes the breaker without waiting for its own probe.
            back = await self._probe()
            if back:
                self._breaker.recovered()
            return back
        try:
            return bool(await self._call(self._client.ping))
        except StoreUnavailable:
            return False

    async def close(self) -> None:
        if self._breaker is not None:
            await self._breaker.close()
        if isinstance(self._run_save, ScriptBatcher):
            await self._run_save.aclose()
        await self._client.aclose()
