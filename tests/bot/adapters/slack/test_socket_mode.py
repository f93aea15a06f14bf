"""Socket Mode: with SLACK_APP_TOKEN set the app also takes Slack's requests over a WebSocket
(opened with apps.connections.open on start, closed on cleanup); same listeners, same acks."""

from __future__ import annotations

from urllib.parse import parse_qsl

from aiohttp import web

from bot.adapters.slack import BOLT_APP_KEY, EVENTS_PATH, attach_slack
from bot.runner import TurnRunner
from bot.store.memory import MemoryStore
from knowledge import default_knowledge
from tests.bot.adapters.slack.conftest import MakeApp, slack_settings
from testsupport import slack_requests as req
from testsupport.slack_standin import APP_TOKEN, StandIn


def _runner() -> TurnRunner:
    return TurnRunner(MemoryStore(), default_knowledge())


async def test_a_slash_command_over_socket_mode(make_slack_app: MakeApp,
                                                slack_api: StandIn) -> None:
    app = await make_slack_app(slack_app_token=APP_TOKEN)
    await slack_api.wait_calls("apps.connections.open")
    assert [c.token for c in slack_api.calls if c.method == "apps.connections.open"] == \
        [APP_TOKEN]
    await slack_api.wait_for(lambda a: a.socket_connections >= 1)

    form = dict(parse_qsl(req.command_body("", user="U3", channel="C5",
                                           response_url=slack_api.response_url("sm"))))
    await slack_api.to_socket.put({"envelope_id": "env-1", "type": "slash_commands",
                                   "accepts_response_payload": True, "payload": form})
    acked = await slack_api.wait_for(
        lambda a: [f for f in a.socket_frames if f.get("envelope_id") == "env-1"])
    assert acked[0]["payload"]["response_type"] == "ephemeral"
    posted = (await slack_api.wait_calls("chat.postMessage"))[0]
    assert posted["channel"] == "U3"
    state = await app.state("U3")
    assert state is not None and state.surface == {"channel": "C5"}


async def test_socket_mode_closes_on_cleanup(slack_api: StandIn) -> None:
    app = web.Application()
    attach_slack(app, runner=_runner(), settings=slack_settings(slack_api,
                                                               slack_app_token=APP_TOKEN))
    web_runner = web.AppRunner(app)
    await web_runner.setup()
    await slack_api.wait_for(lambda a: a.socket_connections >= 1)
    await web_runner.cleanup()
    await slack_api.wait_for(lambda a: a.socket_closed >= 1)


def test_without_a_signing_secret_http_mode_is_not_served(slack_api: StandIn) -> None:
    app = web.Application()
    attach_slack(app, runner=_runner(), settings=slack_settings(
        slack_api, slack_signing_secret=None, slack_app_token=APP_TOKEN))
    assert BOLT_APP_KEY in app
    assert all(r.resource.canonical != EVENTS_PATH for r in app.router.routes()
               if r.resource is not None)


def test_without_a_bot_token_slack_is_off(slack_api: StandIn) -> None:
    app = web.Application()
    attach_slack(app, runner=_runner(), settings=slack_settings(
        slack_api, slack_bot_token=None, slack_signing_secret=None))
    assert BOLT_APP_KEY not in app
    assert list(app.router.routes()) == []
