"""One Lua script called by many turns at once, sent to Redis in batches on a connection of its
own, one batch at a time.

redis-py's asyncio client spends far more CPU on each command's round trip than the script
does (a pooled connection, its lock, the reply's future, its timers), and its pipelines add
per-command bookkeeping of their own. Under load many turns reach their save while a batch is
out: they wait for it and go together in the next one, so batches grow with the load instead
of round trips multiplying, and each batch costs a write and one reply read per save on a connection
that nobody else uses (no pool, no pipeline object). A turn alone pays one round trip, as
before: a batch goes out at the end of the loop pass it started in, never delayed to wait
for company.

Each call still gets its own reply or its own error, in order; the scripts run one after
another in Redis exactly as separate calls would (nothing is a transaction). A connection that
fails is dropped and the batch sent once more on a new one, as redis-py's own retry would: a
script that ran before the failure finds its own write (the save script's token) and answers
as it did.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from redis.asyncio.connection import AbstractConnection
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.store.base import StoreUnavailable


class Guard(Protocol):
    """The store's guarded call: runs a Redis operation within its deadline (counted from
    `since` when given) and turns failures into StoreUnavailable / StoreBusy."""

    def __call__(self, operation: Callable[[], Awaitable[list[Any]]], *,
                 since: float | None = None) -> Awaitable[list[Any]]: ...


# A save waiting for its batch: keys, arguments, its reply's future, when it was queued.
_Call = tuple[Sequence[str], Sequence[Any], "asyncio.Future[Any]", float]


class ScriptBatcher:
    def __init__(self, connect: Callable[[], AbstractConnection], script: AsyncScript,
                 guard: Guard) -> None:
        # connect(): a new, unconnected connection with the store's options (it connects on
        # first use and health-checks itself like a pooled one).
        self._connect = connect
        self._connection: AbstractConnection | None = None
        self._script = script
        self._guard = guard
        self._pending: list[_Call] = []
        self._draining = False
        self._drain_task: asyncio.Task[None] | None = None  # held so it is not collected
        self._closed = False

    async def __call__(self, keys: Sequence[str], args: Sequence[Any]) -> Any:
        loop = asyncio.get_running_loop()
        if self._closed:
            raise StoreUnavailable("closed")
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((keys, args, future, loop.time()))
        if not self._draining:
            self._draining = True
            # A task's first step runs in the next loop pass: the other turns saving in this
            # one join the batch first.
            self._drain_task = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            # Everything that arrived while a batch was out is the next batch. No await
            # between the last check and the flag, so no save can be left behind.
            while self._pending:
                batch, self._pending = self._pending, []
                await self._flush(batch)
        finally:
            self._draining = False
            # Cancelled (shutdown): the saves queued behind the batch it was sending are
            # answered too, never left waiting for a drain that is not coming.
            queued, self._pending = self._pending, []
            _fail(queued, StoreUnavailable("cancelled"))

    async def _flush(self, batch: list[_Call]) -> None:
        batch = [call for call in batch if not call[2].done()]  # cancelled while queued
        if not batch:
            return
        try:
            # The deadline runs from the oldest save's arrival: a save queued behind a batch
            # that took its whole deadline has no more than the time it has left.
            replies = await self._guard(lambda: self._send(batch),
                                        since=min(call[3] for call in batch))
            if len(replies) != len(batch):  # never hand anyone a reply that may be another's
                raise StoreUnavailable(f"{len(replies)} replies for {len(batch)} saves")
            for (_, _, future, _), reply in zip(batch, replies, strict=True):
                if future.done():  # its turn was cancelled (shutdown) while the batch was out
                    continue
                if isinstance(reply, RedisError):
                    # One script failed (Redis full, say): that turn alone, named by kind only.
                    future.set_exception(StoreUnavailable(type(reply).__name__))
                else:
                    future.set_result(reply)
        except BaseException as error:
            # The guard's StoreUnavailable / StoreBusy, for everyone still waiting; anything
            # else (a bug, a cancellation) too, as unavailable: never leave a turn hanging.
            _fail(batch, error if isinstance(error, StoreUnavailable)
                  else StoreUnavailable(type(error).__name__))
            if not isinstance(error, Exception):
                raise

    async def _send(self, batch: list[_Call]) -> list[Any]:
        replies = await self._pipeline(batch)
        missing = [i for i, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
        if missing:
            # Redis restarted or was flushed: the script did not run for these; load it and
            # send them again.
            # On this connection: a pooled one may not yet have noticed that Redis restarted.
            loaded = await self._with_retry([("SCRIPT", "LOAD", self._script.script)])
            if isinstance(loaded[0], RedisError):
                raise loaded[0]
            self._script.sha = loaded[0]
            again = await self._pipeline([batch[i] for i in missing])
            for i, reply in zip(missing, again, strict=True):
                replies[i] = reply
        return replies

    async def _pipeline(self, batch: list[_Call]) -> list[Any]:
        sha = self._script.sha
        return await self._with_retry(
            [("EVALSHA", sha, len(keys), *keys, *args) for keys, args, _, _ in batch])

    async def _with_retry(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        try:
            return await self._round_trip(commands)
        except (RedisConnectionError, RedisTimeoutError):
            # A connection that died while Redis restarted: once more on a new one.
            return await self._round_trip(commands)

    async def _round_trip(self, commands: list[tuple[Any, ...]]) -> list[Any]:
        """Send the commands at once and read their replies in order; a command's error reply
        is its reply (the others still ran)."""
        if self._closed:  # closed while this batch waited: no new connection after close
            raise RedisConnectionError("closed")
        connection = self._connection
        if connection is None:
            connection = self._connection = self._connect()
        packed = connection.pack_commands(commands)
        try:
            await connection.send_packed_command(packed)
            replies: list[Any] = []
            for _ in commands:
                try:
                    replies.append(await connection.read_response())
                except ResponseError as error:  # that command's error; the connection is fine
                    replies.append(error)
            return replies
        except BaseException:
            # Cut off part way (the deadline, a dropped socket): replies may still be on
            # their way, and must never be read as the next batch's. redis-py's reads and
            # writes drop the socket themselves on any failure; this makes it so whatever
            # was interrupted, and the next batch starts on a new connection.
            self._connection = None
            await connection.disconnect(nowait=True)
            raise

    async def aclose(self) -> None:
        self._closed = True
        connection, self._connection = self._connection, None
        task = self._drain_task
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task])  # not `await task`: a cancellation of our own goes on
        # A drain cancelled before its first step never ran its `finally`: answer its saves.
        queued, self._pending = self._pending, []
        _fail(queued, StoreUnavailable("closed"))
        if connection is not None:
            await connection.disconnect()


def _fail(calls: list[_Call], failure: StoreUnavailable) -> None:
    """Answer every call still waiting with `failure`."""
    for _, _, future, _ in calls:
        if not future.done():
            future.set_exception(failure)
