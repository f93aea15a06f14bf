"""Nothing secret or personal leaks: a whole Slack conversation through `build_app` (as `serve`
builds it) at INFO, every log record captured as serve writes it (JSON Lines) and searched for
the signing secret, the bot token, the person's ids and what they typed; and the Redis keys the
conversation leaves never carry what they typed or who they are."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp import web

from bot.server import build_app
from bot.settings import Settings
from bot.store.redis_store import RedisStore
from testsupport import slack_requests as req
from testsupport.slack_standin import BOT_TOKEN, TEAM_ID, StandIn

SIGNING_SECRET = "leak-test-signing-secret-7c1e9d"
USER = "U0LEAKYUSER"
PHRASE = "zebra-orchid-quartz"
STAND_IN_PATHS = re.compile(r'"first_request_line": "POST /(api|response)/')
SAID = [f"{PHRASE} support tickets", f"about 5k {PHRASE} examples", "budget is tight",
        f"what about QLoRA for {PHRASE}?"]




@pytest.fixture
async def served(slack_api: StandIn, redis_url: str) -> AsyncIterator[dict[str, Any]]:
    settings = Settings(_env_file=None, slack_bot_token=BOT_TOKEN,  # type: ignore[call-arg]
                        slack_signing_secret=SIGNING_SECRET, slack_api_url=slack_api.api_url,
                        redis_url=redis_url)
    store = RedisStore(redis_url)
    runner = web.AppRunner(build_app(settings, store=store))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    async with aiohttp.ClientSession() as http:
        yield {"url": f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events", "http": http,
               "store": store}
    await runner.cleanup()
    await store.close()


async def _post(served: dict[str, Any], body: str, content_type: str) -> None:
    headers = {"Content-Type": content_type, **req.sign(SIGNING_SECRET, body)}
    async with served["http"].post(served["url"], data=body.encode(), headers=headers) as r:
        assert r.status == 200, await r.text()


async def _converse(served: dict[str, Any], slack_api: StandIn) -> None:
    await _post(served, req.command_body(SAID[0], user=USER,
                                         response_url=slack_api.response_url("c")),
                "application/x-www-form-urlencoded")
    for n, text in enumerate(SAID[1:], start=1):
        await _post(served, req.event_body(req.dm_event(text, user=USER)), "application/json")
        await slack_api.wait_for(lambda api, n=n: len(api.to("chat.postMessage")) >= n)
    # A click too: its payload carries the person's ids and the message's text.
    message = slack_api.to("chat.postMessage")[-1]
    buttons = [e for b in message.get("blocks", []) for e in b.get("elements", [])
               if isinstance(e, dict) and e.get("type") == "button"]
    if buttons:
        posted = dict(message, ts=message.get("ts", "1.1"))
        await _post(served, req.block_actions_body(
            posted, "D" + USER, buttons[0], user=USER,
            response_url=slack_api.response_url("k")), "application/x-www-form-urlencoded")


async def test_logs_hold_no_secret_id_or_text(served: dict[str, Any], slack_api: StandIn,
                                              captured_logs: io.StringIO) -> None:
    await _converse(served, slack_api)
    # The Slack API stand-in serves in this process too: its own access log is not ours.
    logs = "\n".join(line for line in captured_logs.getvalue().splitlines()
                     if not ('"aiohttp.access"' in line and STAND_IN_PATHS.search(line)))
    assert "/slack/events" in logs, "the run's logs were captured"
    for leak in (SIGNING_SECRET, BOT_TOKEN, USER, PHRASE, "budget is tight", TEAM_ID):
        assert leak not in logs, leak


async def test_redis_keys_hold_no_text_or_ids(served: dict[str, Any], slack_api: StandIn,
                                              redis_url: str) -> None:
    await _converse(served, slack_api)
    client = aioredis.from_url(redis_url, decode_responses=True)
    try:
        keys = [k async for k in client.scan_iter("*")]
    finally:
        await client.aclose()
    assert any(k.endswith(":state") for k in keys)
    for key in keys:
        for leak in (PHRASE, USER, TEAM_ID, "tickets", "budget"):
            assert leak not in key, (leak, key)
