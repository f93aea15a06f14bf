"""One Lua script called by many turns at once, sent to Redis as one pipeline per loop pass.

redis-py's asyncio client spends ~60-100 us of CPU on each command's round trip (a pooled
connection, its lock, the reply's future, its timers), and much less on each further command
of a pipeline: 50 concurrent saves cost ~105 us each one by one, ~37 us batched. Under load
many turns reach their save in the same event-loop pass; the batcher collects those calls and
sends them together, so the fixed cost is paid once per pass, not once per turn. A turn alone
pays what it paid before: the flush is scheduled straight away, never delayed to wait for
company.

Each call still gets its own reply or its own error, in order; the scripts run one after
another in Redis exactly as separate calls would (the pipeline is not a transaction).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError, RedisError

from bot.store.base import StoreUnavailable

# The store's guarded call: runs a Redis operation within its deadline and turns failures into
# StoreUnavailable / StoreBusy.
Guard = Callable[[Callable[[], Awaitable[list[Any]]]], Awaitable[list[Any]]]

_Call = tuple[Sequence[str], Sequence[Any], "asyncio.Future[Any]"]


class ScriptBatcher:
    def __init__(self, client: Any, script: AsyncScript, guard: Guard) -> None:
        self._client = client
        self._script = script
        self._guard = guard
        self._pending: list[_Call] = []
        self._scheduled = False
        self._flushes: set[asyncio.Task[None]] = set()  # held so they are not collected

    async def __call__(self, keys: Sequence[str], args: Sequence[Any]) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((keys, args, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._start_flush)
        return await future

    def _start_flush(self) -> None:
        self._scheduled = False
        batch, self._pending = self._pending, []
        task = asyncio.get_running_loop().create_task(self._flush(batch))
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def _flush(self, batch: list[_Call]) -> None:
        try:
            replies = await self._guard(lambda: self._send(batch))
            if len(replies) != len(batch):  # never hand anyone a reply that may be another's
                raise StoreUnavailable(f"{len(replies)} replies for {len(batch)} saves")
            for (_, _, future), reply in zip(batch, replies, strict=True):
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
            failure = (error if isinstance(error, StoreUnavailable)
                       else StoreUnavailable(type(error).__name__))
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(failure)
            if not isinstance(error, Exception):
                raise

    async def _send(self, batch: list[_Call]) -> list[Any]:
        replies = await self._pipeline(batch)
        missing = [i for i, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
        if missing:
            # Redis restarted or was flushed: the script did not run for these; load it and
            # send them again.
            self._script.sha = await self._client.script_load(self._script.script)
            again = await self._pipeline([batch[i] for i in missing])
            for i, reply in zip(missing, again, strict=True):
                replies[i] = reply
        return replies

    async def _pipeline(self, batch: list[_Call]) -> list[Any]:
        sha = self._script.sha
        async with self._client.pipeline(transaction=False) as pipe:
            for keys, args, _ in batch:
                pipe.evalsha(sha, len(keys), *keys, *args)
            return list(await pipe.execute(raise_on_error=False))
