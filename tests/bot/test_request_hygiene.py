"""Every endpoint, with requests that succeed and requests that fail, and what reaches the log
at INFO (issue 16 items 5-7).

- No request body and no message text in the log at INFO, from our code or a library's
  (Bolt logs a refused request's whole body).
- Junk from outside (a body that is not UTF-8, an unknown charset, JSON nested thousands
  deep on each POST endpoint, a timestamp that is not a number) gets a 4xx, at most one log
  line, and no traceback.
- The web page's body is read whole, however many writes it comes in.

The app runs on the test's event loop; the log is what `setup_logging("INFO")` writes to
stderr.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web

from bot.logging_setup import setup_logging
from bot.server import build_app
from bot.settings import Settings
from bot.store.memory import MemoryStore
from testsupport import slack_requests as req
from testsupport.slack_standin import BOT_TOKEN, StandIn
from testsupport.teams_standin import ConnectorStandIn, TeamsClient

SIGNING_SECRET = "hygiene-signing-secret-5e1c"
MARK = "ZEBRA-PRIVATE-4d1e"  # stands for a person's words: must never reach the log at INFO
LOG = io.StringIO()
# Deeper than Python's recursion limit, yet under the web page's 8 KB body limit.
NESTED = "[" * 4_000 + "]" * 4_000


pytestmark = pytest.mark.usefixtures("restore_logging")


@dataclass
class Served:
    url: str
    port: int
    http: aiohttp.ClientSession
    slack_api: StandIn
    connector: ConnectorStandIn

    async def post(self, path: str, body: bytes | str, headers: dict[str, str]
                   ) -> tuple[int, str]:
        data = body.encode() if isinstance(body, str) else body
        async with self.http.post(self.url + path, data=data, headers=headers) as response:
            return response.status, await response.text()

    async def slack(self, body: str | bytes, *, content_type: str = "application/x-www-form-"
                    "urlencoded", signed: bool = True, **headers: str) -> tuple[int, str]:
        raw = body if isinstance(body, bytes) else body.encode()
        sent = {"Content-Type": content_type}
        if signed:  # over the bytes, as Slack signs: the body need not be UTF-8
            ts = str(int(time.time()))
            digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + raw,
                              hashlib.sha256).hexdigest()
            sent.update({"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"})
        sent.update(headers)
        return await self.post("/slack/events", body, sent)


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    setup_logging("INFO")
    LOG.seek(0)
    LOG.truncate()
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(LOG)  # what setup_logging would write to stderr
    slack, connector = StandIn(), ConnectorStandIn()
    await slack.start()
    await connector.start()
    settings = Settings(_env_file=None, slack_bot_token=BOT_TOKEN,  # type: ignore[call-arg]
                        slack_signing_secret=SIGNING_SECRET, slack_api_url=slack.api_url,
                        rate_limit_per_minute=0, web_cookie_secret="hygiene-cookie-secret",
                        redis_url=None, microsoft_app_id=None)
    runner = web.AppRunner(build_app(settings, store=MemoryStore()))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    async with aiohttp.ClientSession() as http:
        yield Served(f"http://127.0.0.1:{port}", port, http, slack, connector)
    await runner.cleanup()
    await slack.stop()
    await connector.stop()


def _log_lines() -> list[dict[str, Any]]:
    """The lines logged since the last call, but the access log's (one per request)."""
    err = LOG.getvalue()
    LOG.seek(0)
    LOG.truncate()
    lines = [json.loads(line) for line in err.splitlines() if line]
    return [line for line in lines if line["logger"] != "aiohttp.access"]


async def _settle() -> None:
    await asyncio.sleep(0.3)  # replies sent after the ack reach the stand-ins


async def test_no_body_or_text_in_the_log_at_info_from_any_endpoint(
        served: Served) -> None:
    response_url = served.slack_api.response_url("h")
    command = req.command_body(f"we have 5k tickets {MARK}", response_url=response_url)
    ok_statuses = [
        await served.slack(command),
        await served.slack(req.event_body(req.dm_event(f"budget is low {MARK}"))),
    ]
    # An event nobody listens for: Bolt answers 404 and warns, quoting what it got.
    unhandled = await served.slack(req.event_body({"type": "reaction_added", "user": "U1",
                                                   "reaction": MARK, "item": {"type": MARK}}))
    assert unhandled[0] == 404
    refused = [
        await served.slack(command, signed=False, **{
            "X-Slack-Request-Timestamp": str(int(time.time())),
            "X-Slack-Signature": "v0=" + "0" * 64}),
        await served.slack(command, signed=False, **req.sign("another-secret", command)),
        await served.slack(command, signed=False, **req.sign(SIGNING_SECRET, command,
                                                             int(time.time()) - 3600)),
    ]
    ada = TeamsClient(served.http, served.url, served.connector.url)
    ok_statuses.append(await ada.post(ada.message(f"support bot {MARK}")))
    refused.append(await ada.post(json.dumps(ada.message(MARK))[:-5]))
    web_json = {"Content-Type": "application/json"}
    ok_statuses.append(await served.post("/web/turn", json.dumps({"text": f"hi {MARK}"}),
                                         web_json))
    refused.append(await served.post("/web/turn", f'{{"text": "{MARK}"', web_json))
    refused.append(await served.post("/web/turn", json.dumps({"nothing": MARK}), web_json))
    for path in ("/healthz", "/readyz", "/metrics", "/"):
        async with served.http.get(served.url + path) as response:
            assert response.status == 200, path
    await _settle()

    assert [status for status, _ in ok_statuses] == [200] * len(ok_statuses)
    assert all(400 <= status < 500 for status, _ in refused), refused
    err = LOG.getvalue()
    assert MARK not in err
    assert "Traceback" not in err


JUNK_SLACK: dict[str, dict[str, Any]] = {
    "not UTF-8, signed": {"body": b"command=/which-approach&text=\xff\xfe" + MARK.encode()},
    "not UTF-8, unsigned": {"body": b"text=\xff\xfe", "signed": False,
                            "X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=0"},
    "unknown charset": {"body": "text=hi", "content_type": "text/plain; charset=no-such-one"},
    "deeply nested JSON, signed": {"body": NESTED, "content_type": "application/json"},
    "deeply nested JSON, unsigned": {"body": NESTED, "content_type": "application/json",
                                     "signed": False},
    "nested payload, signed": {"body": urlencode({"payload": NESTED})},
    "non-numeric timestamp": {"body": "text=hi", "signed": False,
                              "X-Slack-Request-Timestamp": "soon",
                              "X-Slack-Signature": "v0=abc"},
    "huge timestamp": {"body": "text=hi", "signed": False,
                       "X-Slack-Request-Timestamp": "9" * 5000, "X-Slack-Signature": "v0=abc"},
}


@pytest.mark.parametrize("case", list(JUNK_SLACK))
async def test_junk_to_slack_is_a_4xx_with_one_quiet_log_line(
        served: Served, case: str) -> None:
    _log_lines()  # start-up lines
    spec = dict(JUNK_SLACK[case])
    status, text = await served.slack(spec.pop("body"), **spec)
    assert 400 <= status < 500, (status, text)
    lines = _log_lines()
    assert len(lines) <= 1, lines
    assert all(line["level"] in ("info", "warning") and "exc" not in line
               and "trace" not in line for line in lines), lines


@pytest.mark.parametrize("path, content_type", [
    ("/api/messages", "application/json"), ("/web/turn", "application/json"),
    ("/api/messages", "application/json; charset=no-such-one"),
    ("/web/turn", "application/json; charset=no-such-one"),
])
@pytest.mark.parametrize("body", [NESTED, '{"text": ' + '{"a":' * 1_200 + "1" + "}" * 1_201,
                                  b'{"text": "\xff\xfe"}'])
async def test_junk_json_to_teams_and_the_web_page_is_a_4xx_without_traceback(
        served: Served, path: str, content_type: str,
        body: str | bytes) -> None:
    _log_lines()
    status, text = await served.post(path, body, {"Content-Type": content_type})
    assert 400 <= status < 500, (status, text)
    assert "Traceback" not in text
    lines = _log_lines()
    assert len(lines) <= 1, lines
    assert all("exc" not in line and "trace" not in line for line in lines), lines


async def test_a_web_body_sent_in_two_writes_is_read_whole(served: Served) -> None:
    body = json.dumps({"text": "we have 5k labelled support tickets"}).encode()
    head = (f"POST /web/turn HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    writer.write(head + body[:10])
    await writer.drain()
    await asyncio.sleep(0.2)  # the server reads the first part on its own
    writer.write(body[10:])
    await writer.drain()
    response = await reader.read()
    writer.close()
    status_line, _, rest = response.partition(b"\r\n")
    assert b" 200 " in status_line, response[:300]
    replies = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert all(reply["kind"] != "error" for reply in replies), replies
