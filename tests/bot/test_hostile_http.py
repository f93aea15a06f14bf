"""Hostile and broken requests at every HTTP endpoint of `build_app`, property-based, over real
HTTP on loopback: Slack (signed random forms, payloads and events, wrong content types, unknown
action ids, mrkdwn pings), Teams (malformed JSON, missing fields, unknown activity types,
Adaptive Card markup), the web page (random JSON); and bodies over 1 MB.

Never a 5xx, never a traceback in what a person or platform receives, never an unescaped ping.
The app and the platform stand-ins run on an event loop in a thread of their own, so the
hypothesis tests stay plain functions.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.server import build_app
from bot.settings import Settings
from bot.store.memory import MemoryStore
from testsupport import slack_requests as req
from testsupport.slack_standin import BOT_TOKEN, TEAM_ID, StandIn
from testsupport.teams_standin import ConnectorStandIn

pytestmark = pytest.mark.slow  # many hostile requests, megabyte bodies

SIGNING_SECRET = "hostile-signing-secret-41d0"
FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
# What Slack delivers when someone writes @channel, @here, @everyone, a mention or a link.
PINGS = ["<!channel>", "<!here>", "<!everyone>", "<@U0BOSS>", "<https://evil.example|click>",
         "<!subteam^S0TEAM>", "&lt;!channel&gt;"]
RAW_PINGS = ["<!channel>", "<!here>", "<!everyone>", "<@U0BOSS>", "<https://evil.example",
             "<!subteam"]
# Adaptive Card markdown and JSON that would become a link, formatting or a card element.
CARD_MARKUP = ["[click](https://evil.example)", "**bold**", "{\"type\": \"Action.OpenUrl\", "
               "\"url\": \"https://evil.example\"}", "<at>Boss</at>", "![x](https://evil.example/x.png)",
               "1. list", "# heading", "\\[x\\](y)"]
TRACE_MARKS = ("Traceback", 'File "/')

any_text = st.text(st.characters(codec="utf-8"), max_size=200)
hostile_text = st.one_of(
    any_text, st.sampled_from(PINGS + CARD_MARKUP),
    st.lists(st.one_of(st.sampled_from(PINGS + CARD_MARKUP), any_text), max_size=4)
    .map(" ".join))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), any_text),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(any_text, inner, max_size=4)),
    max_leaves=12)


@dataclass
class Served:
    port: int
    slack_api: StandIn
    connector: ConnectorStandIn
    loop: asyncio.AbstractEventLoop

    def post(self, path: str, body: bytes, content_type: str | None,
             headers: dict[str, str] | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            sent = dict(headers or {})
            if content_type is not None:
                sent["Content-Type"] = content_type
            conn.request("POST", path, body=body, headers=sent)
            response = conn.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def slack(self, body: str, content_type: str = "application/x-www-form-urlencoded"
              ) -> tuple[int, str]:
        return self.post("/slack/events", body.encode(), content_type,
                         req.sign(SIGNING_SECRET, body))


def _check(status: int, text: str) -> None:
    assert status < 500, (status, text[:300])
    for mark in TRACE_MARKS:
        assert mark not in text


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start() -> tuple[Served, web.AppRunner]:
        slack, connector = StandIn(), ConnectorStandIn()
        await slack.start()
        await connector.start()
        app_settings = Settings(_env_file=None, slack_bot_token=BOT_TOKEN,  # type: ignore[call-arg]
                                slack_signing_secret=SIGNING_SECRET,
                                slack_api_url=slack.api_url, rate_limit_per_minute=0,
                                web_cookie_secret="hostile-cookie-secret")
        runner = web.AppRunner(build_app(app_settings, store=MemoryStore()), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        return Served(runner.addresses[0][1], slack, connector, loop), runner

    served, runner = asyncio.run_coroutine_threadsafe(start(), loop).result(30)
    yield served

    async def stop() -> None:
        await runner.cleanup()
        await served.slack_api.stop()
        await served.connector.stop()

    asyncio.run_coroutine_threadsafe(stop(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def _settle(served: Served) -> None:
    """Let replies sent after the ack (Slack's lazy listeners) reach the stand-ins."""
    asyncio.run_coroutine_threadsafe(asyncio.sleep(0.3), served.loop).result(10)


def _assert_slack_output_clean(served: Served) -> None:
    for call in served.slack_api.calls:
        dumped = json.dumps(call.params)
        for raw in RAW_PINGS:
            assert raw not in dumped, (raw, call.method)
        for mark in TRACE_MARKS:
            assert mark not in dumped


def _assert_teams_output_clean(served: Served) -> None:
    assert not served.connector.problems, served.connector.problems[:3]
    for call in served.connector.calls:
        dumped = json.dumps(call.body)
        assert "[click](https://evil.example)" not in dumped
        assert "![x](https://evil.example" not in dumped
        for mark in TRACE_MARKS:
            assert mark not in dumped


# --- Slack ------------------------------------------------------------------------------

SLACK_FORM_FIELDS = ["token", "team_id", "channel_id", "user_id", "command", "text",
                     "response_url", "trigger_id", "payload", "api_app_id", "ssl_check"]


@pytest.mark.parametrize("body, content_type", [
    ("payload=not-json", "application/x-www-form-urlencoded"),  # Bolt's json.loads fails
    ("payload=[1,2]", "application/x-www-form-urlencoded"),     # JSON, not an object
    ("{not json", "application/json"),
    (urlencode({"command": "/which-approach", "text": "hi", "team_id": TEAM_ID}),  # no user_id
     "application/x-www-form-urlencoded"),
    (urlencode({"payload": json.dumps({"type": "block_actions", "actions": [],  # no action
                                       "user": {"id": "U1"}, "team": {"id": TEAM_ID}})}),
     "application/x-www-form-urlencoded"),
])
def test_slack_malformed_signed_requests_are_400(served: Served, body: str,
                                                 content_type: str) -> None:
    status, text = served.slack(body, content_type)
    assert status == 400
    _check(status, text)


@FUZZ
@given(fields=st.dictionaries(st.one_of(st.sampled_from(SLACK_FORM_FIELDS), any_text),
                              hostile_text, max_size=8))
def test_slack_random_signed_forms(served: Served, fields: dict[str, str]) -> None:
    _check(*served.slack(urlencode(fields)))


@FUZZ
@given(text=hostile_text, user=st.sampled_from(["U1", "U2", "U0BOSS"]),
       drop=st.sets(st.sampled_from(["user_id", "team_id", "channel_id", "response_url",
                                     "command"]), max_size=2))
def test_slack_commands_with_hostile_text_or_missing_fields(served: Served, text: str,
                                                            user: str, drop: set[str]) -> None:
    body = req.command_body(text, user=user, response_url=served.slack_api.response_url("h"))
    fields = {k: v for k, v in (p.split("=", 1) for p in body.split("&")) if k not in drop}
    _check(*served.slack("&".join(f"{k}={v}" for k, v in fields.items())))
    _assert_slack_output_clean(served)


@FUZZ
@given(payload=st.one_of(json_values, st.fixed_dictionaries(
    {"type": st.sampled_from(["block_actions", "view_submission", "shortcut", "message_action",
                              "unknown"]),
     "user": st.fixed_dictionaries({"id": st.sampled_from(["U1", "U2"]),
                                    "team_id": st.just(TEAM_ID)}),
     "team": st.fixed_dictionaries({"id": st.just(TEAM_ID)}),
     "actions": st.lists(st.fixed_dictionaries(
         {"action_id": st.one_of(any_text, st.sampled_from(["choice:budget", "topic", "x:y:z"])),
          "block_id": any_text, "value": hostile_text,
          "type": st.sampled_from(["button", "static_select", "overflow"])}), max_size=2),
     "container": json_values, "response_url": st.just("http://127.0.0.1:9/nowhere")})))
def test_slack_random_interactivity_payloads(served: Served, payload: Any) -> None:
    _check(*served.slack(urlencode({"payload": json.dumps(payload)})))


@FUZZ
@given(event=st.fixed_dictionaries(
    {"type": st.sampled_from(["message", "app_mention", "app_home_opened", "reaction_added",
                              "nonsense"]),
     "text": hostile_text, "user": st.sampled_from(["U1", "U3", "U0BOSS"]),
     "channel": st.sampled_from(["DU1", "C1"]),
     "channel_type": st.sampled_from(["im", "channel", "group"])},
    optional={"subtype": st.sampled_from(["bot_message", "message_changed", "file_share"]),
              "thread_ts": st.just("1700000000.000100"), "bot_id": st.just("B0OTHER")}))
def test_slack_events_with_hostile_text(served: Served, event: dict[str, Any]) -> None:
    _check(*served.slack(req.event_body(event), "application/json"))
    _assert_slack_output_clean(served)


@FUZZ
@given(body=st.one_of(any_text, json_values.map(json.dumps)),
       content_type=st.sampled_from(["text/plain", "application/json", "application/xml",
                                     "multipart/form-data", "application/octet-stream",
                                     "application/x-www-form-urlencoded; charset=latin-1"]))
def test_slack_wrong_content_types_and_bodies(served: Served, body: str,
                                              content_type: str) -> None:
    _check(*served.slack(body, content_type))


# --- Teams ------------------------------------------------------------------------------

def _activity(**fields: Any) -> dict[str, Any]:
    return {"type": "message", "id": "act-1", "serviceUrl": "", "channelId": "msteams",
            "from": {"id": "29:fuzz", "aadObjectId": "00000000-0000-0000-0000-00000000f022"},
            "conversation": {"id": "a:fuzz", "conversationType": "personal",
                             "tenantId": "fuzz-tenant"},
            "recipient": {"id": "28:bot", "name": "Which Approach"},
            "channelData": {"tenant": {"id": "fuzz-tenant"}}, **fields}


@FUZZ
@given(body=st.one_of(st.binary(max_size=300), any_text.map(str.encode),
                      json_values.map(lambda v: json.dumps(v).encode())),
       content_type=st.sampled_from(["application/json", "text/plain", None]))
def test_teams_malformed_bodies(served: Served, body: bytes, content_type: str | None) -> None:
    _check(*served.post("/api/messages", body, content_type))


@FUZZ
@given(type_=st.one_of(st.sampled_from(["message", "conversationUpdate", "invoke",
                                        "messageReaction", "typing", "event", "installationUpdate",
                                        "endOfConversation"]), any_text),
       text=hostile_text,
       value=st.one_of(st.none(), json_values, st.fixed_dictionaries(
           {"question_id": any_text, "value": hostile_text,
            "state_version": st.one_of(st.integers(), any_text)})),
       drop=st.sets(st.sampled_from(["from", "recipient", "channelData", "id", "channelId"]),
                    max_size=2))
def test_teams_hostile_activities(served: Served, type_: str, text: str, value: Any,
                                  drop: set[str]) -> None:
    activity = _activity(type=type_, text=text, serviceUrl=served.connector.url)
    if value is not None:
        activity["value"] = value
    for key in drop:
        activity.pop(key, None)
    _check(*served.post("/api/messages", json.dumps(activity).encode(), "application/json"))
    _assert_teams_output_clean(served)


# --- web page ---------------------------------------------------------------------------

@FUZZ
@given(body=st.one_of(json_values, st.fixed_dictionaries(
    {}, optional={"text": st.one_of(hostile_text, json_values),
                  "question_id": json_values, "value": json_values,
                  "state_version": json_values, "command": json_values,
                  "event_id": json_values})))
def test_web_random_json(served: Served, body: Any) -> None:
    status, text = served.post("/web/turn", json.dumps(body).encode(), "application/json")
    _check(status, text)
    if status == 200:
        assert isinstance(json.loads(text), list)


def test_everything_sent_to_the_platforms_was_clean(served: Served) -> None:
    """After the fuzzing above (file order): replies sent after an ack have arrived too."""
    _settle(served)
    assert len(served.slack_api.calls) > 1 and served.connector.calls
    _assert_slack_output_clean(served)
    _assert_teams_output_clean(served)


# --- size ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path, content_type", [
    ("/slack/events", "application/x-www-form-urlencoded"),
    ("/slack/events", "application/json"),
    ("/api/messages", "application/json"),
    ("/web/turn", "application/json"),
])
def test_bodies_over_one_megabyte_are_413(served: Served, path: str, content_type: str) -> None:
    body = b"text=" + b"a" * (1024 * 1024)
    headers = req.sign(SIGNING_SECRET, body.decode()) if path.startswith("/slack") else None
    calls_before = len(served.slack_api.calls), len(served.connector.calls)
    status, _ = served.post(path, body, content_type, headers)
    assert status == 413
    assert (len(served.slack_api.calls), len(served.connector.calls)) == calls_before
