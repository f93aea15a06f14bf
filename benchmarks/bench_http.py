"""Turns through HTTP per replica (issue 6's figure): Slack and Teams, 50 concurrent
conversations of 8 turns each, on ONE `python -m bot serve` process with Redis on loopback.
Printed, never asserted:

    python -m benchmarks.bench_http [--conversations 50] [--rounds 3]

The server is `python -m bot serve` in a subprocess, configured by its environment only:
REDIS_URL at a redis-server this script starts on a free loopback port (never 6379),
SLACK_API_URL at the Slack tests' Web API stand-in, and no MICROSOFT_APP_ID (emulator mode),
the activities' serviceUrl pointing at a Bot Connector stand-in. Both stand-ins and the load run
in this process.

- Slack: a DM message ("hi") that starts the conversation, then 7 button clicks answering its
  questions (Events API JSON and `payload=` forms, signed v0). Slack gets its ack before the
  turn runs, so a Slack turn's latency is the request sent to its reply at the stand-in (the
  first question posted, then each click's `chat.update` of that message).
- Teams: 8 message activities (the typed answers of bench_teams.py). A Teams request returns
  once the reply is posted, so its latency is the request's.

Beside each, a floor: the very same requests (re-signed) against an aiohttp handler that reads
the body and answers 200, in a process of its own, so the figure reads as a ratio. Rounds
alternate between ours and the floor. Turns per second are a round's turns over its duration.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from benchmarks import bench_teams
from benchmarks.bench_slack import (
    BOT_TOKEN,
    EVENTS_PATH,
    FORM,
    SIGNING_SECRET,
    CountingStandIn,
    Server,
    _run,
    load_line,
    machine_line,
    outcomes_text,
    turn_outcomes,
)
from bot.settings import Settings
from testsupport import slack_requests as req
from testsupport.blockkit import button, question_id
from testsupport.click_path import CLICK_PATH
from testsupport.ports import free_port
from testsupport.redis_server import RedisServer
from testsupport.stats import percentile

ROOT = Path(__file__).resolve().parents[1]

# The opening DM, then a click for each question of the tests' all-buttons path (the last one
# brings the card): 7 turns since rule 9 (docs/architecture.md) asks only 6 questions there.
TURNS = 1 + len(CLICK_PATH)
TEAMS_PATH = "/api/messages"
JSON = "application/json"
CLICKS = list(CLICK_PATH.items())


@dataclass
class Request:
    """One request as sent: the floor replays it (Slack's re-signed)."""

    path: str
    body: str
    content_type: str
    slack: bool

    def headers(self) -> dict[str, str]:
        sent = {"Content-Type": self.content_type}
        if self.slack:
            sent.update(req.sign(SIGNING_SECRET, self.body))
        return sent


@dataclass
class Tally:
    rates: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    cpu: float = 0.0

    def line(self) -> str:
        latencies = self.latencies
        cpu = f"   server cpu {1e6 * self.cpu / len(latencies):5.0f} us/turn" if self.cpu else ""
        return (f"{statistics.median(self.rates):7.0f} turns/s   p50 "
                f"{1000 * percentile(latencies, 0.5):6.1f} ms   p99 "
                f"{1000 * percentile(latencies, 0.99):6.1f} ms{cpu}   ({len(latencies)} turns)")


async def send(session: aiohttp.ClientSession, base: str, request: Request) -> None:
    async with session.post(base + request.path, data=request.body.encode(),
                            headers=request.headers()) as response:
        await response.read()
        if response.status >= 300:
            raise RuntimeError(f"{base}{request.path} answered {response.status}")


# --- the conversations ------------------------------------------------------------------------

async def slack_conversation(session: aiohttp.ClientSession, base: str, api: CountingStandIn,
                             user: str, latencies: list[float], sent: list[Request]) -> None:
    dm = api.dm_channel(user)
    request = Request(EVENTS_PATH, req.event_body(req.dm_event("hi", user=user)), JSON, True)
    for turn in range(TURNS):
        if turn:
            message = api.messages[(dm, api.first_ts[dm])]
            slot, label = CLICKS[turn - 1]
            if question_id(message) != slot:  # the dialog changed: this would measure nonsense
                raise RuntimeError(f"turn {turn}: asked {question_id(message)!r}, not {slot!r}")
            request = Request(EVENTS_PATH, req.block_actions_body(
                message, dm, button(message, label), user=user,
                response_url=api.response_url("click")), FORM, True)
        started = time.perf_counter()
        await send(session, base, request)
        await api.wait_count(dm, turn + 1, timeout=30.0)  # the turn's reply reached Slack
        latencies.append(time.perf_counter() - started)
        sent.append(request)


async def teams_conversation(session: aiohttp.ClientSession, base: str, service_url: str,
                             run: str, person: int, latencies: list[float],
                             sent: list[Request]) -> None:
    for n, text in enumerate(bench_teams.SCRIPT[:TURNS]):
        request = Request(TEAMS_PATH, json.dumps(
            bench_teams.activity(n, person, text, service_url, run)), JSON, False)
        started = time.perf_counter()
        await send(session, base, request)  # answered once the reply is posted
        latencies.append(time.perf_counter() - started)
        sent.append(request)


async def replay(session: aiohttp.ClientSession, base: str, conversation: list[Request],
                 latencies: list[float]) -> None:
    for request in conversation:
        started = time.perf_counter()
        await send(session, base, request)
        latencies.append(time.perf_counter() - started)


Play = Callable[[list[float]], Awaitable[None]]  # one conversation, appending its latencies


async def timed(conversations: list[Play],
                tally: Tally | None, server: Server | None = None) -> None:
    latencies: list[float] = []
    cpu = server.cpu() if server is not None else 0.0
    started = time.perf_counter()
    await asyncio.gather(*(play(latencies) for play in conversations))
    seconds = time.perf_counter() - started
    if tally is not None:
        tally.rates.append(len(latencies) / seconds)
        tally.latencies += latencies
        if server is not None:
            tally.cpu += server.cpu() - cpu


# --- the servers --------------------------------------------------------------------------------

def serve_floor(port: int) -> None:
    from aiohttp import web

    async def ok(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post(EVENTS_PATH, ok)
    app.router.add_post(TEAMS_PATH, ok)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def serve_bot_profiled(port: int, profile: str) -> None:
    """`which-approach serve` exactly as `python -m bot serve` runs it, under cProfile."""
    from bot.cli import main

    sys.argv = ["which-approach", "serve", "--host", "127.0.0.1", "--port", str(port)]
    _run(main, profile)


def serve_env(redis_url: str, slack_api_url: str) -> dict[str, str]:
    settings_names = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in settings_names}
    env.update({"PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING", "REDIS_URL": redis_url,
                "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": slack_api_url})
    return env


async def ready(server: Server, session: aiohttp.ClientSession, path: str) -> None:
    for _ in range(400):
        if server.proc.poll() is not None:
            raise RuntimeError(f"the server exited ({server.proc.returncode})")
        try:
            async with session.get(server.url + path) as response:
                if response.status < 500:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.05)
    raise RuntimeError(f"{server.url} did not become ready")


# --- the run ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sizes:
    conversations: int = 50
    rounds: int = 3

    @classmethod
    def tiny(cls) -> Sizes:
        return cls(conversations=3, rounds=1)


@dataclass
class Figures:
    ours: dict[str, Tally]
    floor: dict[str, Tally]
    outcomes: dict[str, dict[str, int] | None]


async def run(sizes: Sizes, *, out: Callable[[str], None] = print,
              profile: Path | None = None) -> Figures:
    out("== Turns through HTTP, one `python -m bot serve` process, Redis on loopback (issue 6) ==")
    out(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    out(machine_line())
    out(load_line())
    out(f"load: {sizes.conversations} concurrent conversations x {TURNS} turns per platform, "
        f"median of {sizes.rounds} rounds; floor: the same requests, a handler answering 200")
    api = CountingStandIn()
    await api.start()
    connector, service_url, _posted = await bench_teams.start_connector()
    ours = {"slack": Tally(), "teams": Tally()}
    floor = {"slack": Tally(), "teams": Tally()}
    n = sizes.conversations
    with tempfile.TemporaryDirectory() as tmp:
        redis = RedisServer(Path(tmp) / "redis")
        redis.start()
        port, floor_port = free_port(), free_port()
        argv = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)]
        if profile is not None:
            argv = [sys.executable, "-m", "benchmarks.bench_http", "--serve-bot-profiled",
                    str(profile), "--port", str(port)]
        bot = Server(argv, port, env=serve_env(redis.url, api.api_url))
        stub = Server([sys.executable, "-m", "benchmarks.bench_http", "--serve-floor",
                       "--port", str(floor_port)], floor_port)
        limits = aiohttp.TCPConnector(limit=2 * n)
        try:
            async with aiohttp.ClientSession(connector=limits) as session:
                await ready(bot, session, "/readyz")
                await ready(stub, session, "/healthz")  # 404 is an answer: it is up

                def slack_round(r: int, sent: list[list[Request]]) -> list[Play]:
                    def play(p: int) -> Play:
                        return lambda lat: slack_conversation(
                            session, bot.url, api, f"UR{r}P{p:04d}", lat, sent[p])
                    return [play(p) for p in range(n)]

                def teams_round(r: int, sent: list[list[Request]]) -> list[Play]:
                    def play(p: int) -> Play:
                        return lambda lat: teams_conversation(
                            session, bot.url, service_url, f"r{r}", p, lat, sent[p])
                    return [play(p) for p in range(n)]

                def floor_round(sent: list[list[Request]]) -> list[Play]:
                    def play(c: list[Request]) -> Play:
                        return lambda lat: replay(session, stub.url, c, lat)
                    return [play(c) for c in sent]

                for r in range(-1, sizes.rounds):  # round -1 warms both up
                    for platform, make in (("slack", slack_round), ("teams", teams_round)):
                        sent: list[list[Request]] = [[] for _ in range(n)]
                        await timed(make(r, sent), ours[platform] if r >= 0 else None, bot)
                        await timed(floor_round(sent), floor[platform] if r >= 0 else None)
                outcomes = {p: await turn_outcomes(session, bot.url, p)
                            for p in ("slack", "teams")}
        finally:
            bot.stop()
            stub.stop()
            redis.stop()
            await connector.cleanup()
            await api.stop()

    labels = {"slack": "slack [DM message + 7 button clicks]",
              "teams": "teams [8 message activities        ]"}
    for platform in ("slack", "teams"):
        o, f = ours[platform], floor[platform]
        out(f"  {labels[platform]} ours  {o.line()}{outcomes_text(outcomes[platform])}")
        pad = " " * len(labels[platform])
        ratio = statistics.median(o.rates) / statistics.median(f.rates)
        out(f"  {pad} floor {f.line()}")
        out(f"  {pad} ratio {ratio:.2f} x the floor's turns/s")
    out(load_line())
    return Figures(ours, floor, outcomes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=Sizes.conversations)
    parser.add_argument("--rounds", type=int, default=Sizes.rounds)
    parser.add_argument("--profile", help="run the server under cProfile (CPU time), stats to "
                        "this file; that run's rates are meaningless, its shares are not")
    parser.add_argument("--serve-floor", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-bot-profiled", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor(args.port)
    elif args.serve_bot_profiled:
        serve_bot_profiled(args.port, args.serve_bot_profiled)
    else:
        asyncio.run(run(Sizes(args.conversations, args.rounds),
                        profile=Path(args.profile).resolve() if args.profile else None))


if __name__ == "__main__":
    main()
