"""Faults struck in the middle of a load run: Redis killed and started again, stalled past the
serve processes' timeout, or full; conversations that fail wait, probe people keep typing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, Literal

from testsupport.load.driver import LoadRun
from testsupport.redis_server import RedisServer

Fault = Literal["none", "outage", "slow", "full"]

FaultFn = Callable[[LoadRun, RedisServer], Coroutine[Any, Any, None]]


@asynccontextmanager
async def fault_window(run: LoadRun, probes: int) -> Any:
    """The fault is on: conversations that fail wait; probe people keep typing."""
    run.fault_on = True
    run.recovered.clear()
    stop = asyncio.Event()
    probing = [asyncio.create_task(run.probe(1_000_000 + i, stop)) for i in range(probes)]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*probing)
        run.fault_on = False


async def _wait_ready(run: LoadRun) -> None:
    for _ in range(200):
        codes = await run.readyz()
        if all(code == 200 for code in codes):
            run.stats.readyz_after = codes
            return
        await asyncio.sleep(0.05)
    run.stats.problems.append("readyz did not come back to 200 after the fault")


def make_fault(kind: Fault, *, at_turns: int, hold_seconds: float = 1.5,
               probes: int = 4) -> FaultFn | None:
    if kind == "none":
        return None

    async def strike(run: LoadRun, redis_server: RedisServer) -> None:
        await run.until_turns(at_turns)
        staller = None
        async with fault_window(run, probes):
            if kind == "outage":
                redis_server.stop()
            elif kind == "slow":
                staller = asyncio.create_task(asyncio.to_thread(
                    _debug_sleep, redis_server, hold_seconds + 1.0))
                await asyncio.sleep(0.1)
            else:  # full: every write refused
                with redis_server.client() as client:
                    client.config_set("maxmemory-policy", "noeviction")
                    client.config_set("maxmemory", 1)
            await asyncio.sleep(hold_seconds / 2)
            run.stats.readyz_during_fault = await run.readyz()
            await asyncio.sleep(hold_seconds / 2)
            if kind == "outage":
                redis_server.start()
            elif staller is not None:
                await staller
            else:
                with redis_server.client() as client:
                    client.config_set("maxmemory", 0)
        await _wait_ready(run)
        run.fault_ended = time.perf_counter()
        run.recovered.set()

    return strike


def _debug_sleep(redis_server: RedisServer, seconds: float) -> None:
    import redis

    # Its own client with no socket timeout, so the sleep is sent exactly once.
    client = redis.Redis(host="127.0.0.1", port=redis_server.port,
                         password=redis_server.password, socket_timeout=None)
    try:
        client.execute_command("DEBUG", "SLEEP", str(seconds))
    finally:
        client.close()
