"""Teams: activity in to reply posted, over HTTP on loopback, 50 concurrent conversations.

Ours (the advisor: runner, MemoryStore, dialog core, Adaptive Cards) beside a stock
botbuilder echo bot (CloudAdapter + ConfigurationBotFrameworkAuthentication, `adapter.process`,
one text reply per message), the floor. Each bot runs in a process of its own; this process
runs the Bot Connector stand-in the replies are posted to, and the load. Both get the same
conversations (the advisor's typed answers, which the echo bot echoes). Printed, never
asserted:

    python -m benchmarks.bench_teams [--conversations 50] [--rounds 3]

A request returns once the turn has posted its replies, so its latency is activity in to
reply posted. The floor's process never loads our adapter, so it runs msrest unpatched.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from testsupport.ports import free_port
from testsupport.stats import percentile

ROOT = Path(__file__).resolve().parents[1]

# The typed conversation every simulated person has (answers for the advisor's questions).
SCRIPT = [
    "hi",
    "customer service bot, we have about 5k labelled tickets",
    "consistency matters most",
    "medium budget",
    "specialized task",
    "high accuracy",
    "this week",
    "rarely",
    "consumer gpu",
    "high quality",
    "20 million tokens",
    "no",
    "what about QLoRA?",
    "how much would that cost at 20M tokens a month?",
]


# --- the servers (run as subprocesses) ------------------------------------------------------

def serve_ours(port: int) -> None:
    import logging

    from aiohttp import web

    from bot.adapters.teams import attach_teams
    from bot.runner import TurnRunner
    from bot.settings import Settings
    from bot.store import MemoryStore
    from knowledge import default_knowledge

    logging.disable(logging.WARNING)
    app = web.Application()
    settings = Settings(_env_file=None,  # type: ignore[call-arg]
                        microsoft_app_id=None, microsoft_app_password=None)
    attach_teams(app, TurnRunner(MemoryStore(), default_knowledge()), settings)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def serve_floor(port: int) -> None:
    from aiohttp import web
    from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
    from botbuilder.integration.aiohttp import (
        CloudAdapter,
        ConfigurationBotFrameworkAuthentication,
    )

    class Config:
        APP_ID = ""
        APP_PASSWORD = ""
        APP_TYPE = "MultiTenant"
        APP_TENANTID = ""

    class EchoBot(ActivityHandler):
        async def on_message_activity(self, turn_context: TurnContext) -> None:
            await turn_context.send_activity(
                MessageFactory.text(f"Echo: {turn_context.activity.text}"))

    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(Config()))
    bot = EchoBot()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# --- the load -------------------------------------------------------------------------------

async def start_connector() -> tuple[aiohttp.web.AppRunner, str, list[int]]:
    from aiohttp import web

    posted: list[int] = [0]

    async def reply(request: web.Request) -> web.Response:
        await request.read()
        posted[0] += 1
        return web.json_response({"id": f"r{posted[0]}"})

    app = web.Application()
    app.router.add_post("/v3/conversations/{cid}/activities", reply)
    app.router.add_post("/v3/conversations/{cid}/activities/{aid}", reply)
    app.router.add_put("/v3/conversations/{cid}/activities/{aid}", reply)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}", posted


def activity(n: int, person: int, text: str, service_url: str, run: str) -> dict[str, object]:
    user = f"29:bench-{run}-{person}"
    return {"type": "message", "id": f"{run}-{person}-{n}", "serviceUrl": service_url,
            "channelId": "msteams", "text": text,
            "from": {"id": user, "name": "Bench", "aadObjectId": f"aad-{run}-{person}"},
            "conversation": {"id": f"a:{user}", "conversationType": "personal"},
            "recipient": {"id": "28:bot", "name": "bot"},
            "channelData": {"tenant": {"id": "bench-tenant"}}}


async def wait_ready(url: str, session: aiohttp.ClientSession) -> None:
    for _ in range(200):
        try:
            async with session.post(f"{url}/api/messages", data=b"{}",
                                    headers={"Content-Type": "application/json"}):
                return
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not start")


async def load(url: str, service_url: str, conversations: int, run: str,
               session: aiohttp.ClientSession) -> tuple[float, list[float]]:
    latencies: list[float] = []

    async def person(p: int) -> None:
        for n, text in enumerate(SCRIPT):
            body = json.dumps(activity(n, p, text, service_url, run))
            started = time.perf_counter()
            async with session.post(f"{url}/api/messages", data=body,
                                    headers={"Content-Type": "application/json"}) as response:
                await response.read()
                if response.status >= 300:
                    raise RuntimeError(f"{url} answered {response.status}")
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(person(p) for p in range(conversations)))
    return time.perf_counter() - started, latencies


async def measure(which: str, conversations: int, rounds: int, service_url: str,
                  posted: list[int]) -> dict[str, float]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "benchmarks.bench_teams", "--serve", which,
                               "--port", str(port)],
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    url = f"http://127.0.0.1:{port}"
    connector = aiohttp.TCPConnector(limit=conversations * 2)
    try:
        async with aiohttp.ClientSession(connector=connector) as session:
            await wait_ready(url, session)
            await load(url, service_url, conversations, f"{which}-warm", session)
            rates, latencies = [], []
            before = posted[0]
            for r in range(rounds):
                seconds, lat = await load(url, service_url, conversations, f"{which}-{r}",
                                          session)
                rates.append(len(lat) / seconds)
                latencies += lat
            replies = posted[0] - before
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {"per_second": statistics.median(rates),
            "p50_ms": 1000 * percentile(latencies, 0.5),
            "p99_ms": 1000 * percentile(latencies, 0.99),
            "activities": len(latencies), "replies": replies}


async def main(conversations: int, rounds: int) -> None:
    runner, service_url, posted = await start_connector()
    try:
        floor = await measure("floor", conversations, rounds, service_url, posted)
        ours = await measure("ours", conversations, rounds, service_url, posted)
    finally:
        await runner.cleanup()
    print(f"Teams, {conversations} concurrent conversations, {len(SCRIPT)} activities each, "
          f"{rounds} rounds; Python {platform.python_version()}, {os.cpu_count()} CPUs")
    for name, result in (("stock echo bot (floor)", floor), ("which-approach", ours)):
        print(f"  {name:24} {result['per_second']:7.1f} activities/s   "
              f"p50 {result['p50_ms']:6.1f} ms   p99 {result['p99_ms']:6.1f} ms   "
              f"({result['activities']} activities, {result['replies']} replies posted)")
    print(f"  ratio: {ours['per_second'] / floor['per_second']:.2f} x the floor")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", choices=["ours", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "ours":
        serve_ours(args.port)
    elif args.serve == "floor":
        serve_floor(args.port)
    else:
        asyncio.run(main(args.conversations, args.rounds))
