"""A circuit breaker for the state store: in an outage, fail at once instead of each turn
waiting out its timeout.

After `failures_to_open` failures in a row the breaker opens: every store call fails at once
(the person is told to try again in a minute) while a background probe pings the store every
`probe_every` seconds; the first probe that succeeds closes it. Turns never probe themselves,
so none of them waits on a store that is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

# Two, not one: a single failure may be a blip the next call does not see. Not more: saves go
# to Redis in batches and a whole batch failing counts once, so when Redis hangs each failure
# has already cost a deadline (REDIS_TIMEOUT_SECONDS) of waiting.
FAILURES_TO_OPEN = 2
PROBE_EVERY_SECONDS = 0.25


class CircuitBreaker:
    def __init__(self, probe: Callable[[], Awaitable[bool]], *,
                 failures_to_open: int = FAILURES_TO_OPEN,
                 probe_every: float = PROBE_EVERY_SECONDS) -> None:
        self._probe = probe
        self._failures_to_open = max(1, failures_to_open)
        self._probe_every = probe_every
        self._failures = 0
        self._probing: asyncio.Task[None] | None = None

    @property
    def is_open(self) -> bool:
        return self._probing is not None

    def succeeded(self) -> None:
        self._failures = 0

    def failed(self) -> None:
        self._failures += 1
        if self._failures >= self._failures_to_open and self._probing is None:
            log.warning("state store failing: answering 'try again' at once until it is back",
                        extra={"failures": self._failures})
            self._probing = asyncio.get_running_loop().create_task(self._probe_until_back())

    def recovered(self) -> None:
        """Someone else saw the store answer (a readiness check): close now, stop probing."""
        task, self._probing = self._probing, None
        self._failures = 0
        if task is not None:
            task.cancel()
            log.warning("state store back: turns go through again")

    async def _probe_until_back(self) -> None:
        while True:
            await asyncio.sleep(self._probe_every)
            try:
                back = await self._probe()
            except Exception:  # a probe that fails in any way means "still down"
                back = False
            if back:
                self._failures = 0
                self._probing = None
                log.warning("state store back: turns go through again")
                return

    async def close(self) -> None:
        task, self._probing = self._probing, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
