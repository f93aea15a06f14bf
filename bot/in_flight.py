"""At most N turns stepping at once in this process; the rest wait their turn, in arrival order,
for at most a fixed time.

An asyncio.Semaphore with a deadline per waiter (asyncio.timeout) arms and cancels a timer for
every turn that waits, and under load most do: each timer is a heap push and pop over every
timer the process has (aiohttp's included), a visible share of a turn's CPU. Here the waiters
share one timer: every waiter waits the same time, so the one at the head of the queue always
has the earliest deadline, and one timer set for it is all the queue needs.
"""

from __future__ import annotations

import asyncio
from collections import deque


class InFlightLimit:
    def __init__(self, limit: int, wait_seconds: float) -> None:
        self._free = max(1, limit)
        self._wait_seconds = wait_seconds
        # (deadline on the loop's clock, the waiter's future: True when handed a slot,
        # False when its time ran out). Deadlines only grow along the queue.
        self._waiters: deque[tuple[float, asyncio.Future[bool]]] = deque()
        self._timer: asyncio.TimerHandle | None = None

    async def acquire(self) -> bool:
        """Take a slot; False when none came free within the wait time (no slot is held)."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return True
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._waiters.append((loop.time() + self._wait_seconds, future))
        if self._timer is None:
            self._arm(loop)
        try:
            return await future
        except asyncio.CancelledError:
            # Cancelled after a slot was handed over but before this turn ran: pass it on.
            if future.done() and not future.cancelled() and future.result():
                self.release()
            raise

    def release(self) -> None:
        """Give the slot back: to the longest waiter still waiting, or to the pool."""
        while self._waiters:
            _, future = self._waiters.popleft()
            if not future.done():  # not cancelled, not timed out
                future.set_result(True)
                return
        self._free += 1

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = loop.call_at(self._waiters[0][0], self._expire)

    def _expire(self) -> None:
        self._timer = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self._waiters and self._waiters[0][0] <= now:
            _, future = self._waiters.popleft()
            if not future.done():
                future.set_result(False)
        # Waiters that got a slot or were cancelled stay queued until they reach the head;
        # the timer is only ever set for the head.
        if self._waiters:
            self._arm(loop)
