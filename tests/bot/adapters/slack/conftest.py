"""Fixtures for the Slack adapter's end-to-end tests: the Web API stand-in, and the app served
over real HTTP on loopback with `attach_slack` on a fresh aiohttp application."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.adapters.slack import attach_slack
from bot.adapters.slack.keys import conversation_key
from bot.runner import StepFn, TurnRunner
from bot.settings import Settings
from bot.store.base import StateStore
from bot.store.memory import MemoryStore
from dialogs.state import ConversationState
from knowledge import default_knowledge
from testsupport import slack_requests as req
from testsupport.slack_standin import BOT_TOKEN, TEAM_ID, StandIn

SIGNING_SECRET = "stand-in-signing-secret-8f2b"


@dataclass
class Reply:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


@dataclass
class SlackApp:
    """The app under test, and ways to reach it as Slack would."""

    url: str
    api: StandIn
    store: StateStore
    runner: TurnRunner
    http: aiohttp.ClientSession

    async def post(self, body: str, content_type: str, *, secret: str | None = SIGNING_SECRET,
                   timestamp: int | None = None, headers: dict[str, str] | None = None) -> Reply:
        sent = {"Content-Type": content_type}
        if secret is not None:
            sent.update(req.sign(secret, body, timestamp))
        sent.update(headers or {})
        async with self.http.post(self.url + "/slack/events", data=body.encode(),
                                  headers=sent) as response:
            return Reply(response.status, await response.text())

    async def command(self, text: str = "", *, user: str = "U1", channel: str = "C1",
                      **kw: Any) -> Reply:
        body = req.command_body(text, user=user, channel=channel,
                                response_url=self.api.response_url(f"cmd-{user}"))
        return await self.post(body, "application/x-www-form-urlencoded", **kw)

    async def click(self, message: dict[str, Any], channel: str, action: dict[str, Any], *,
                    user: str = "U1", ephemeral: bool = False, action_ts: str | None = None,
                    **kw: Any) -> Reply:
        body = req.block_actions_body(message, channel, action, user=user,
                                      response_url=self.api.response_url(f"click-{user}"),
                                      ephemeral=ephemeral, action_ts=action_ts)
        return await self.post(body, "application/x-www-form-urlencoded", **kw)

    async def event(self, event: dict[str, Any], *, event_id: str | None = None,
                    retry: int | None = None, **kw: Any) -> Reply:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} \
            if retry else None
        return await self.post(req.event_body(event, event_id=event_id), "application/json",
                               headers=headers, **kw)

    async def state(self, user: str = "U1") -> ConversationState | None:
        loaded = await self.store.load(conversation_key(TEAM_ID, user))
        if loaded.data is None:
            return None
        state = ConversationState.model_validate_json(loaded.data)
        state.version = loaded.version
        return state

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        """A posted message as it stands now in the stand-in (after any chat.update)."""
        return self.api.messages[(channel, ts)]


@pytest.fixture
async def slack_api() -> AsyncIterator[StandIn]:
    api = StandIn()
    await api.start()
    yield api
    await api.stop()


def slack_settings(api: StandIn, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"slack_bot_token": BOT_TOKEN,
                              "slack_signing_secret": SIGNING_SECRET,
                              "slack_api_url": api.api_url}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


MakeApp = Callable[..., Awaitable[SlackApp]]


@pytest.fixture
async def make_slack_app(slack_api: StandIn) -> AsyncIterator[MakeApp]:
    """Serve the adapter on 127.0.0.1:<free port> over a store of the test's choosing."""
    started: list[tuple[web.AppRunner, aiohttp.ClientSession]] = []

    async def make(store: StateStore | None = None, step: StepFn | None = None,
                   **settings: Any) -> SlackApp:
        store = store if store is not None else MemoryStore()
        runner = TurnRunner(store, default_knowledge(), step=step)
        app = web.Application()
        attach_slack(app, runner, slack_settings(slack_api, **settings))
        web_runner = web.AppRunner(app)
        await web_runner.setup()
        await web.TCPSite(web_runner, "127.0.0.1", 0).start()
        http = aiohttp.ClientSession()
        started.append((web_runner, http))
        port = web_runner.addresses[0][1]
        return SlackApp(f"http://127.0.0.1:{port}", slack_api, store, runner, http)

    yield make
    for web_runner, http in started:
        await http.close()
        await web_runner.cleanup()


@pytest.fixture
async def slack_app(make_slack_app: MakeApp) -> SlackApp:
    return await make_slack_app()
