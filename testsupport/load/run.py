"""One whole load run: the stand-ins and serve processes started, every conversation played
(with a fault if asked), every final state read back from Redis and checked against its
script."""

from __future__ import annotations

import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.store.redis_store import RedisStore
from testsupport.load.driver import LoadRun, Stats
from testsupport.load.faults import Fault, make_fault
from testsupport.load.scripts import TURNS, applied_turns, make_script
from testsupport.load.serve import ServeProcess, serve_env, start_serve, stop_serve
from testsupport.load.standins import LoadConnector, LoadSlackApi
from testsupport.redis_server import RedisServer


@dataclass
class Report:
    conversations: int
    replicas: int
    turns: int
    seconds: float
    stats: Stats
    lost: int        # conversations whose final state is not their whole script
    checked: int
    server_logs: list[str]
    exit_codes: list[int | None]
    fault: Fault = "none"
    server_cpu_seconds: float = float("nan")
    think: float = 0.0
    load_cpu_seconds: float = float("nan")  # this process: the people and both stand-ins

    @property
    def five_xx(self) -> int:
        return sum(n for code, n in self.stats.statuses.items() if code >= 500) + \
            sum(n for code, n in self.stats.fault_statuses.items() if code >= 500)

    @property
    def non_200(self) -> int:
        return sum(n for code, n in self.stats.statuses.items() if code != 200) + \
            sum(n for code, n in self.stats.fault_statuses.items() if code != 200)

    @property
    def ok(self) -> bool:
        return (not self.stats.problems and self.lost == 0 and self.non_200 == 0
                and all(code == 0 for code in self.exit_codes)
                and not any("Traceback" in log for log in self.server_logs))


async def run_load(redis_server: RedisServer, *, conversations: int = 500, replicas: int = 1,
                   duplicates: bool = False, fault: Fault = "none", think: float = 0.0,
                   redis_timeout: float = 1.0, workdir: Path | None = None,
                   fault_hold_seconds: float = 1.5) -> Report:
    """Run the conversations against `replicas` serve processes on `redis_server` and check
    every conversation's final state against its script."""
    scripts = [make_script(i) for i in range(conversations)]
    workdir = workdir or Path(tempfile.mkdtemp(prefix="load-run-"))
    slack, connector = LoadSlackApi(), LoadConnector()
    await slack.start()
    await connector.start()
    env = serve_env(redis_server.url, slack.api_url, redis_timeout_seconds=str(redis_timeout))
    servers: list[ServeProcess] = []
    store = RedisStore(redis_server.url, timeout_seconds=5.0)
    connector_limit = aiohttp.TCPConnector(limit=0)
    try:
        for i in range(replicas):
            servers.append(await start_serve(env, workdir, f"serve{i}"))
        async with aiohttp.ClientSession(connector=connector_limit,
                                         timeout=aiohttp.ClientTimeout(total=60)) as http:
            run = LoadRun(http, slack, connector, servers, store, duplicates=duplicates,
                          think=think)
            cpu_before = sum(server.cpu_seconds() for server in servers)
            own_cpu_before = time.process_time()
            strike = make_fault(fault, at_turns=conversations * TURNS // 3,
                                hold_seconds=fault_hold_seconds)
            started = time.perf_counter()
            work = [run.conversation(s) for s in scripts]
            fault_task = asyncio.create_task(strike(run, redis_server)) if strike else None
            await asyncio.gather(*work)
            seconds = time.perf_counter() - started
            cpu = sum(server.cpu_seconds() for server in servers) - cpu_before
            own_cpu = time.process_time() - own_cpu_before
            if fault_task is not None:
                await fault_task
        lost = 0
        for script in scripts:
            state = await run.stored(script)
            if applied_turns(script, state) != TURNS:
                lost += 1
                answered = state.slots.answered() if state else None
                run.stats.problems.append(
                    f"#{script.index} ({script.platform}) final state v"
                    f"{state.version if state else 0} {answered} != {script.expected(TURNS)}")
    finally:
        codes = [stop_serve(s) for s in servers]
        await store.close()
        await slack.stop()
        await connector.stop()
    return Report(conversations, replicas, run.stats.applied, seconds, run.stats, lost,
                  len(scripts), [s.log() for s in servers], codes, fault, cpu, think, own_cpu)
