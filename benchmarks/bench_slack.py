"""Slack (issue 3's figure): slash commands that each start a conversation, acked over HTTP on
loopback with 50 concurrent signed requests. Printed, never asserted:

    python -m benchmarks.bench_slack [--concurrency 50] [--requests 1500] [--rounds 9]

Three servers, each in a process of its own, in one run, their rounds alternating (floor,
redis, memory; then redis, memory, floor; ...: each takes each place in a round in turn) so
that other work on the machine slows all three alike:
- the floor: a minimal slack-bolt AsyncApp that acks the command and posts one
  `chat.postMessage` to the person (the same platform work: signature check, ack, one Web API
  call; no bot logic, no state). It gets the same shared aiohttp session for Web API calls as
  ours, so the floor is not slowed by a new session per call;
- ours, `bot.server.build_app` on a RedisStore over a redis-server this script starts on a
  free loopback port (never the machine's 6379);
- ours on the MemoryStore, for reference.

This process runs the load (real Slack v0 signatures, form-encoded bodies, built before each
timed round) and the Web API stand-in from the Slack tests, which every server posts to.
Every request is a new person's `/which-approach` (distinct user ids across all rounds), so
each one starts a conversation. Acks per second are requests over the time to the last ack;
"drained" is requests over the time until the stand-in has every reply (the work Bolt does
after the ack); the next round starts only once the last one drained. The verdict needs both
ratios: ours acks first and lets acks pass turns still queued (bot.runner's in-flight limit),
so in a burst its acks run ahead of its work, and only the drained rate can be sustained.
Server CPU per request is the server process's user+system time over the rounds (ack and the
work after it); beside it, this process's (the load and the stand-in), to show when the load
itself is the limit.

`--profile DIR` runs the servers under cProfile (CPU time) and writes DIR/slack-<name>.prof;
the profiler's overhead makes that run's rates meaningless, its shares are what it is for.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from testsupport import slack_requests as req
from testsupport.ports import free_port
from testsupport.redis_server import RedisServer
from testsupport.slack_standin import BOT_TOKEN, StandIn
from testsupport.stats import percentile

ROOT = Path(__file__).resolve().parents[1]

SIGNING_SECRET = "bench-signing-secret-5d1e"
RATIO_TARGET = 0.8
P99_TARGET_MS = 300.0
EVENTS_PATH = "/slack/events"
FORM = "application/x-www-form-urlencoded"


# --- the Web API stand-in, counting what arrives ------------------------------------------

@dataclass
class CountingStandIn(StandIn):
    """The Slack tests' stand-in, plus counters a load generator can wait on: messages posted or
    updated per channel, and in all; and the first message's ts in each channel."""

    # False: forget each message once answered (bench_slack); bench_http's clicks need them.
    keep_messages: bool = True
    total: int = 0
    per_channel: dict[str, int] = field(default_factory=dict)
    first_ts: dict[str, str] = field(default_factory=dict)
    _waiters: dict[str, tuple[int, asyncio.Future[None]]] = field(default_factory=dict)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        answer = super()._answer(method, params)
        if answer.get("ok") and method in ("chat.postMessage", "chat.update"):
            channel = str(answer["channel"])
            if not self.keep_messages:
                # Answered as Slack answers, then forgotten: slash commands never update or
                # read back a message, and 40,000 kept Block Kit messages only made this
                # process's garbage collector walk them, mostly in the rounds of the servers
                # that post blocks.
                self.messages.pop((channel, str(answer["ts"])), None)
            self.first_ts.setdefault(channel, str(answer["ts"]))
            self.per_channel[channel] = self.per_channel.get(channel, 0) + 1
            self.total += 1
            self._wake(channel, self.per_channel[channel])
            self._wake("*", self.total)
        return answer

    def _wake(self, key: str, count: int) -> None:
        waiter = self._waiters.get(key)
        if waiter is not None and count >= waiter[0] and not waiter[1].done():
            waiter[1].set_result(None)
            del self._waiters[key]

    async def wait_count(self, key: str, count: int, timeout: float = 60.0) -> None:
        """Until `key` (a channel, or "*" for all) has had `count` messages posted or updated."""
        have = self.total if key == "*" else self.per_channel.get(key, 0)
        if have >= count:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[key] = (count, future)
        await asyncio.wait_for(future, timeout)

    async def _record(self, method: str, params: dict[str, Any], token: str | None) -> None:
        return  # the load waits on the counters; keeping every call would only grow memory


# --- the servers (each run as a subprocess of this script) ---------------------------------

def slack_settings(api_url: str, redis_url: str | None) -> Any:
    from pydantic import SecretStr

    from bot.settings import Settings

    return Settings(_env_file=None, slack_bot_token=SecretStr(BOT_TOKEN),  # type: ignore[call-arg]
                    slack_signing_secret=SecretStr(SIGNING_SECRET), slack_api_url=api_url,
                    redis_url=redis_url, log_level="WARNING")


def serve_ours(port: int, api_url: str, redis_url: str | None, profile: str | None) -> None:
    import logging

    from aiohttp import web

    from bot.server import build_app, settle_heap

    logging.disable(logging.WARNING)
    app = build_app(slack_settings(api_url, redis_url))
    settle_heap()  # as `serve` does (bot.server.run)
    _run(lambda: web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None),
         profile)


def serve_floor(port: int, api_url: str, profile: str | None) -> None:
    import logging

    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    logging.disable(logging.WARNING)
    bolt = AsyncApp(client=AsyncWebClient(token=BOT_TOKEN, base_url=api_url),
                    signing_secret=SIGNING_SECRET)

    @bolt.command(re.compile(r"^/"))
    async def command(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack(response_type="ephemeral", text="Let's talk in your DM with me.")
        await client.chat_postMessage(channel=body["user_id"], text="Hello")

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(
            await to_bolt_request(request)))

    async def open_session(_: web.Application) -> None:
        bolt.client.session = aiohttp.ClientSession()

    async def close_session(_: web.Application) -> None:
        if bolt.client.session is not None:
            await bolt.client.session.close()

    app = web.Application()
    app.router.add_post(EVENTS_PATH, events)
    app.on_startup.append(open_session)
    app.on_cleanup.append(close_session)
    _run(lambda: web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None),
         profile)


def _run(serve: Callable[[], None], profile: str | None) -> None:
    """Serve until SIGTERM (run_app exits cleanly on it), under cProfile if asked."""
    if not profile:
        serve()
        return
    import cProfile

    profiler = cProfile.Profile(time.process_time)  # CPU, not wall: other processes share the CPUs
    profiler.enable()
    try:
        serve()
    finally:
        profiler.disable()
        profiler.dump_stats(profile)


# --- running a server and measuring it -----------------------------------------------------

def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """One server subprocess: `python bench_*.py --serve ...` or `python -m bot serve`."""

    def __init__(self, argv: list[str], port: int, env: dict[str, str] | None = None) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(argv, cwd=ROOT,
                                     env=env or {**os.environ, "PYTHONPATH": str(ROOT)})

    async def ready(self, session: aiohttp.ClientSession, path: str = EVENTS_PATH) -> None:
        """Until the server answers anything (an unsigned POST gets 401 from Bolt)."""
        for _ in range(400):
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode})")
            try:
                async with session.post(self.url + path, data=b"{}",
                                        headers={"Content-Type": "application/json"}):
                    return
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
        raise RuntimeError(f"{self.url} did not start")

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def signed(body: str) -> tuple[bytes, dict[str, str]]:
    return body.encode(), {"Content-Type": FORM, **req.sign(SIGNING_SECRET, body)}


async def fire(session: aiohttp.ClientSession, url: str,
               requests: list[tuple[bytes, dict[str, str]]], concurrency: int
               ) -> tuple[float, list[float]]:
    """Send every request, `concurrency` at a time; (seconds to the last answer, latencies)."""
    latencies: list[float] = []
    queue = iter(requests)

    async def worker() -> None:
        for body, headers in queue:
            started = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"{url} answered {response.status}")
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


TURNS_LINE = re.compile(r'^turns_total\{(?P<labels>[^}]*)\} (?P<value>[0-9.e+]+)$', re.M)


async def turn_outcomes(session: aiohttp.ClientSession, base: str,
                        platform_name: str) -> dict[str, int] | None:
    """Turns by outcome (ok, store_error, ...) from our server's GET /metrics; None where there
    is no such endpoint (the floors). Shows every timed request was a turn really applied."""
    async with session.get(base + "/metrics") as response:
        if response.status != 200:
            return None
        text = await response.text()
    outcomes: dict[str, int] = {}
    for match in TURNS_LINE.finditer(text):
        labels = dict(re.findall(r'(\w+)="([^"]*)"', match["labels"]))
        if labels.get("platform") == platform_name:
            outcomes[labels["outcome"]] = int(float(match["value"]))
    return outcomes


def outcomes_text(outcomes: dict[str, int] | None) -> str:
    if outcomes is None:
        return ""
    return "   turns: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))


@dataclass
class AckFigure:
    acks_per_second: float
    drained_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    cpu_us: float
    client_cpu_us: float
    outcomes: dict[str, int] | None = None  # ours only: turns by outcome, from GET /metrics
    store_cpu_us: float | None = None  # redis-server's, when the server has one


class AckTarget:
    """One server under load: its rounds so far, measured one round at a time so the three
    servers' rounds can alternate (a busy machine then slows all of them alike)."""

    def __init__(self, name: str, server: Server, api: CountingStandIn,
                 concurrency: int, store_pid: int | None = None) -> None:
        self.name, self.server, self.api, self.concurrency = name, server, api, concurrency
        # redis-server shares this machine's CPUs with the server and the load: its share
        # is shown beside theirs.
        self.store_pid = store_pid
        self.store_cpu = 0.0
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))
        self.rates: list[float] = []
        self.drained: list[float] = []
        self.latencies: list[float] = []
        self.cpu = self.client_cpu = 0.0
        self._rounds = 0

    async def round(self, n: int, *, timed: bool = True) -> None:
        self._rounds += 1
        bodies = [signed(req.command_body(
            "", user=f"U{self.name.upper()}{self._rounds}X{i:06d}", channel="C42",
            response_url=self.api.response_url("cmd"))) for i in range(n)]
        # This process's own garbage (the bodies just built, earlier rounds' figures) is
        # collected now, not in the middle of someone's timed round.
        gc.collect()
        before_posts, before_cpu = self.api.total, self.server.cpu()
        before_store = cpu_seconds(self.store_pid) if self.store_pid else 0.0
        before_client = time.process_time()
        started = time.perf_counter()
        seconds, latencies = await fire(self.session, self.server.url + EVENTS_PATH, bodies,
                                        self.concurrency)
        await self.api.wait_count("*", before_posts + n)  # the work after the acks, done
        if timed:
            self.rates.append(n / seconds)
            self.drained.append(n / (time.perf_counter() - started))
            self.latencies += latencies
            self.cpu += self.server.cpu() - before_cpu
            self.client_cpu += time.process_time() - before_client
            if self.store_pid:
                self.store_cpu += cpu_seconds(self.store_pid) - before_store

    async def figure(self) -> AckFigure:
        latencies = self.latencies
        n = max(1, len(latencies))
        return AckFigure(statistics.median(self.rates), statistics.median(self.drained),
                         1000 * percentile(latencies, 0.50), 1000 * percentile(latencies, 0.99),
                         len(latencies), 1e6 * self.cpu / n, 1e6 * self.client_cpu / n,
                         await turn_outcomes(self.session, self.server.url, "slack"),
                         1e6 * self.store_cpu / n if self.store_pid else None)

    async def close(self) -> None:
        await self.session.close()
        self.server.stop()


# --- the run ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sizes:
    concurrency: int = 50
    per_round: int = 1500
    rounds: int = 9
    warmup: int = 300

    @classmethod
    def tiny(cls) -> Sizes:
        return cls(concurrency=5, per_round=20, rounds=1, warmup=5)


def machine_line() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"machine: {cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()} "
            f"{platform.machine()}; Python {platform.python_version()}")


def load_line() -> str:
    one, five, _ = os.getloadavg()
    return f"load average: {one:.2f} (1 min), {five:.2f} (5 min)"


def server_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "benchmarks.bench_slack", *args]


async def run(sizes: Sizes, *, out: Callable[[str], None] = print,
              profile_dir: Path | None = None) -> dict[str, AckFigure]:
    out("== Slack slash commands: acks over HTTP on loopback (issue 3) ==")
    out(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    out(machine_line())
    out(load_line())
    out(f"load: {sizes.concurrency} concurrent signed requests, {sizes.per_round} per round, "
        f"median of {sizes.rounds} rounds; every request a new person's /which-approach")
    api = CountingStandIn(keep_messages=False)
    await api.start()
    figures: dict[str, AckFigure] = {}
    with tempfile.TemporaryDirectory() as tmp:
        redis = RedisServer(Path(tmp) / "redis")
        redis.start()
        try:
            commands: list[tuple[str, list[str]]] = [
                ("floor", ["--serve", "floor"]),
                ("redis", ["--serve", "ours", "--redis-url", redis.url]),
                ("memory", ["--serve", "ours"]),
            ]
            targets: list[AckTarget] = []
            try:
                for name, args in commands:
                    port = free_port()
                    argv = server_argv(*args, "--port", str(port), "--api-url", api.api_url)
                    if profile_dir is not None:
                        argv += ["--profile", str(profile_dir / f"slack-{name}.prof")]
                    targets.append(AckTarget(name, Server(argv, port), api, sizes.concurrency,
                                             redis.pid if name == "redis" else None))
                for target in targets:
                    await target.server.ready(target.session)
                    await target.round(sizes.warmup, timed=False)  # connections, auth.test
                for round_no in range(sizes.rounds):
                    # Each server takes each place in turn: the place in a round is not neutral
                    # (benchmarks/RESULTS-http.md).
                    shift = round_no % len(targets)
                    for target in targets[shift:] + targets[:shift]:
                        await target.round(sizes.per_round)
                for target in targets:
                    figures[target.name] = await target.figure()
            finally:
                for target in targets:
                    await target.close()
        finally:
            redis.stop()
            await api.stop()

    labels = {"floor": "floor: bolt ack + chat.postMessage", "redis": "ours: RedisStore",
              "memory": "ours: MemoryStore"}
    for name, f in figures.items():
        out(f"  acks [{labels[name]:34}] {f.acks_per_second:7.0f} acks/s   "
            f"p50 {f.p50_ms:6.1f} ms   p99 {f.p99_ms:6.1f} ms   drained {f.drained_per_second:6.0f}"
            f"/s   cpu us/request: server {f.cpu_us:5.0f}, load+stand-in {f.client_cpu_us:4.0f}"
            f"{'' if f.store_cpu_us is None else f', redis-server {f.store_cpu_us:3.0f}'}   "
            f"({f.requests} requests){outcomes_text(f.outcomes)}")
    floor = figures["floor"]
    for name in ("redis", "memory"):
        f = figures[name]
        ratio = f.acks_per_second / floor.acks_per_second
        drained = f.drained_per_second / floor.drained_per_second
        # Both must pass: ours acks before its turn is done and lets acks pass queued turns,
        # so in a burst its acks can outrun the work; what it sustains is the drained rate.
        verdict = ("PASS" if min(ratio, drained) >= RATIO_TARGET and f.p99_ms < P99_TARGET_MS
                   else "MISS")
        out(f"  ratio [{labels[name]:34}] {ratio:5.2f} x the floor's acks/s, {drained:.2f} x "
            f"its drained rate (target >= {RATIO_TARGET} both), p99 ack {f.p99_ms:.1f} ms "
            f"(target < {P99_TARGET_MS:.0f})   {verdict}")
    out(load_line())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=Sizes.concurrency)
    parser.add_argument("--requests", type=int, default=Sizes.per_round, help="per round")
    parser.add_argument("--rounds", type=int, default=Sizes.rounds)
    parser.add_argument("--warmup", type=int, default=Sizes.warmup)
    parser.add_argument("--profile", help="our servers under cProfile, stats in this directory "
                        "(as a server: the stats file)")
    parser.add_argument("--serve", choices=["ours", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--redis-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "ours":
        serve_ours(args.port, args.api_url, args.redis_url, args.profile)
    elif args.serve == "floor":
        serve_floor(args.port, args.api_url, args.profile)
    else:
        profile_dir = Path(args.profile) if args.profile else None
        if profile_dir is not None:
            profile_dir.mkdir(parents=True, exist_ok=True)
        asyncio.run(run(Sizes(args.concurrency, args.requests, args.rounds, args.warmup),
                        profile_dir=profile_dir))


if __name__ == "__main__":
    main()
