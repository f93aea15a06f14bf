"""Reply latency while Redis is down: 200 conversations taking turns through one TurnRunner on
a real redis-server, which is killed, held down, and started again.

Each conversation sends a turn, waits for the reply, pauses (0 to twice `--think` seconds) and
sends the next, for the whole run. The outage is Redis killed (`--fault kill`: connections are
refused at once) or frozen with SIGSTOP (`--fault freeze`: connections hang, as with a host that
is gone, and each command waits out REDIS_TIMEOUT_SECONDS). Printed per phase (before, during
the outage, after): replies, their outcomes, and latency p50 / p99 / max; how long after Redis
came back the first turn went through; and the check that nothing was lost: each
conversation's stored version (one per applied turn) is at least its count of "ok" replies,
and at most that plus its turns that failed on the store (a save that reached Redis just
before the kill may have been applied without its reply).

    python -m benchmarks.bench_outage [--conversations 200] [--think 0.5] [--down 3]
                                    [--fault kill|freeze] [--no-breaker] [--http]

`--http` sends the turns to a `serve` process over HTTP (POST /web/turn, one cookie per
conversation) instead of calling a runner in this process.

Redis runs with appendfsync always, so an acknowledged write survives the kill. Printed, never
asserted; figures in benchmarks/RESULTS-outage.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from bot.metrics import Metrics
from bot.runner import TurnRunner
from bot.settings import Settings
from bot.store.redis_store import RedisStore
from dialogs.events import Event
from knowledge import default_knowledge
from testsupport.ports import free_port
from testsupport.redis_server import RedisServer
from testsupport.stats import percentile

TEXTS = ["hi", "support bot for our helpdesk", "yes", "about 5k examples", "restart"]


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)


@dataclass
class Person:
    key: str
    ok: int = 0
    store_errors: int = 0
    cookie: str = ""  # --http: the web page's conversation cookie


class Serve:
    """`python -m bot serve` in a subprocess on the given Redis (--http)."""

    def __init__(self, redis_url: str, workdir: Path) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items()
               if k.upper() not in {name.upper() for name in Settings.model_fields}}
        env.update({"REDIS_URL": redis_url, "WEB_COOKIE_SECRET": "bench-outage",
                    "WEB_NEW_CONVERSATIONS_PER_MINUTE": "0", "RATE_LIMIT_PER_MINUTE": "0"})
        self.log = open(workdir / "serve.log", "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host",
                                      "127.0.0.1", "--port", str(self.port)], cwd=workdir,
                                     env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        self.base = f"http://127.0.0.1:{self.port}"

    async def ready(self, session: aiohttp.ClientSession) -> None:
        for _ in range(300):
            try:
                async with session.get(self.base + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("serve exited at start")
            await asyncio.sleep(0.1)
        raise RuntimeError("serve did not start")

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=30)
        self.log.close()
        return code


KB = default_knowledge()
STORE_DOWN = {KB.message("store_down"), KB.message("busy")}


async def web_turn(session: aiohttp.ClientSession, base: str, person: Person, text: str,
                   event_id: str) -> str:
    """One turn through POST /web/turn: "ok", "store_error" (the friendly error) or the
    HTTP status."""
    headers = {"Content-Type": "application/json"}
    if person.cookie:
        headers["Cookie"] = person.cookie
    async with session.post(base + "/web/turn", headers=headers,
                            data=json.dumps({"text": text, "event_id": event_id})) as response:
        replies = await response.json()
        cookie = response.cookies.get("wa_session")
        if cookie is not None:
            person.cookie = f"wa_session={cookie.value}"
            person.key = "web:" + cookie.value.rpartition(".")[0]
        if response.status != 200:
            return f"http {response.status}"
    if any(r.get("kind") == "error" and r.get("text") in STORE_DOWN for r in replies):
        return "store_error"
    return "ok"


async def run(conversations: int, down_seconds: float, breaker: bool, think: float,
              fault: str, http: bool) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-outage-"))
    redis_server = RedisServer(workdir, extra=["--appendonly", "yes", "--appendfsync", "always"])
    redis_server.start()
    store = RedisStore(redis_server.url, circuit_breaker=breaker)
    runner = TurnRunner(store, default_knowledge(), metrics=Metrics())
    session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(),
                                    connector=aiohttp.TCPConnector(limit=0))
    served = Serve(redis_server.url, workdir) if http else None
    if served is not None:
        await served.ready(session)
    phases = {name: Phase(name) for name in ("before", "outage", "after")}
    current = ["before"]
    people = [Person(f"slack:TBENCH:U{n:04d}") for n in range(conversations)]
    stop = asyncio.Event()
    back_at: list[float] = []
    first_ok_after_back: list[float] = []

    async def talk(person: Person) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            text, event_id = TEXTS[n % len(TEXTS)], f"{person.key}-{n}"
            phase = phases[current[0]]
            started = time.perf_counter()
            if served is not None:
                outcome = await web_turn(session, served.base, person, text, event_id)
            else:
                outcome = (await runner.handle(Event.typed(person.key, text,
                                                           event_id=event_id))).outcome
            phase.latencies.append(time.perf_counter() - started)
            phase.outcomes[outcome] += 1
            if outcome == "ok":
                person.ok += 1
                if back_at and not first_ok_after_back:
                    first_ok_after_back.append(time.monotonic())
            elif outcome == "store_error":
                person.store_errors += 1
            await asyncio.sleep(random.uniform(0, 2 * think))

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs; python "
          f"{platform.python_version()}; load average {os.getloadavg()[0]:.2f} before")
    print(f"conversations: {conversations}"
          f"{' over HTTP (POST /web/turn to a serve process)' if http else ' in process'}, "
          f"think time 0-{2 * think:.2f} s, Redis down {down_seconds:.1f} s ({fault}), "
          f"circuit breaker: {'on' if breaker else 'off'}")
    tasks = [asyncio.create_task(talk(p)) for p in people]
    await asyncio.sleep(2.0)
    current[0] = "outage"
    pid = redis_server.pid
    assert pid is not None
    print(f"fault at {datetime.now(UTC):%H:%M:%S.%f}"[:-3])
    if fault == "freeze":
        os.kill(pid, signal.SIGSTOP)
        await asyncio.sleep(down_seconds)
        os.kill(pid, signal.SIGCONT)
    else:
        await asyncio.to_thread(redis_server.stop)
        await asyncio.sleep(down_seconds)
        await asyncio.to_thread(redis_server.start)
    back_at.append(time.monotonic())
    print(f"Redis back at {datetime.now(UTC):%H:%M:%S.%f}"[:-3])
    while not first_ok_after_back and time.monotonic() - back_at[0] < 30:
        await asyncio.sleep(0.01)
    current[0] = "after"
    await asyncio.sleep(2.0)
    stop.set()
    await asyncio.gather(*tasks)

    for phase in phases.values():
        lat = phase.latencies
        print(f"{phase.name:7s} replies {len(lat):6d}  p50 {percentile(lat, 0.5) * 1000:7.1f} ms  "
              f"p99 {percentile(lat, 0.99) * 1000:7.1f} ms  "
              f"max {max(lat, default=0) * 1000:7.1f} ms  outcomes {dict(phase.outcomes)}")
    if first_ok_after_back:
        print(f"first turn applied {(first_ok_after_back[0] - back_at[0]) * 1000:.0f} ms after "
              "Redis was back")
    lost = doubled = 0
    for person in people:
        version = (await store.load(person.key)).version
        if version < person.ok:
            lost += 1
        if version > person.ok + person.store_errors:
            doubled += 1
    print(f"conversations checked: {len(people)}; lost turns in {lost}, "
          f"extra turns in {doubled}")
    if served is not None:
        print(f"serve exit code {served.stop()}; tracebacks in its log: "
              f"{(workdir / 'serve.log').read_text().count('Traceback')}")
    print(f"load average {os.getloadavg()[0]:.2f} after")
    await session.close()
    await store.close()
    redis_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--down", type=float, default=3.0, help="seconds Redis stays down")
    parser.add_argument("--think", type=float, default=0.5,
                        help="mean pause between a conversation's turns, seconds")
    parser.add_argument("--fault", choices=["kill", "freeze"], default="kill")
    parser.add_argument("--no-breaker", action="store_true",
                        help="the store without its circuit breaker, for comparison "
                             "(in process only)")
    parser.add_argument("--http", action="store_true",
                        help="turns over HTTP to a `serve` process (the web page's endpoint)")
    args = parser.parse_args()
    if args.http and args.no_breaker:
        parser.error("--no-breaker is for the in-process runner only")
    asyncio.run(run(args.conversations, args.down, not args.no_breaker, args.think,
                    args.fault, args.http))


if __name__ == "__main__":
    main()
