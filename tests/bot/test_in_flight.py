"""The in-flight limit: at most N holders, waiters served in arrival order, a waiter whose time
runs out told so (holding nothing), and no slot lost to a cancelled waiter."""

from __future__ import annotations

import asyncio

import pytest

from bot.in_flight import InFlightLimit


async def test_holders_never_pass_the_limit_and_waiters_go_in_arrival_order() -> None:
    limit = InFlightLimit(2, wait_seconds=5)
    holding = 0
    peak = 0
    order: list[int] = []

    async def turn(n: int) -> None:
        nonlocal holding, peak
        assert await limit.acquire()
        holding += 1
        peak = max(peak, holding)
        order.append(n)
        await asyncio.sleep(0.001)
        holding -= 1
        limit.release()

    await asyncio.wait_for(asyncio.gather(*(turn(n) for n in range(20))), 5)
    assert peak == 2
    assert order == list(range(20))


async def test_a_waiter_whose_time_runs_out_gets_false_and_holds_nothing() -> None:
    limit = InFlightLimit(1, wait_seconds=0.05)
    assert await limit.acquire()
    loop = asyncio.get_running_loop()
    started = loop.time()
    late = await asyncio.gather(limit.acquire(), limit.acquire())
    assert late == [False, False]
    assert 0.04 <= loop.time() - started < 1.0
    limit.release()
    # Only the one slot there ever was: taken again at once, and then a wait again.
    assert await limit.acquire()
    assert not await limit.acquire()


async def test_a_late_waiter_after_a_served_one_still_times_out() -> None:
    # The shared timer is set for the head of the queue; a head that got a slot must not
    # leave the waiters behind it without a deadline.
    limit = InFlightLimit(1, wait_seconds=0.05)
    assert await limit.acquire()
    first = asyncio.ensure_future(limit.acquire())
    await asyncio.sleep(0.02)
    second = asyncio.ensure_future(limit.acquire())
    await asyncio.sleep(0)
    limit.release()  # to the first waiter
    assert await first
    assert await asyncio.wait_for(second, 1) is False


async def test_a_waiter_cancelled_while_waiting_or_just_after_being_served_loses_no_slot(
        ) -> None:
    limit = InFlightLimit(1, wait_seconds=5)
    assert await limit.acquire()
    gone = asyncio.ensure_future(limit.acquire())
    served = asyncio.ensure_future(limit.acquire())
    after = asyncio.ensure_future(limit.acquire())
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    limit.release()  # skips the cancelled one: to `served`...
    served.cancel()  # ...which is cancelled before it runs: the slot goes on to `after`
    with pytest.raises(asyncio.CancelledError):
        await served
    assert await asyncio.wait_for(after, 1)
    limit.release()
    assert await asyncio.wait_for(limit.acquire(), 1)  # and back to the pool, one slot
