"""Fetching the channel's signing keys never stalls the event loop, and a hung key endpoint
costs a request a bounded wait and a 401, not a hang (issue 16 item 10)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import aiohttp
import pytest
from botframework.connector.auth.channel_validation import ChannelValidation
from jwt.algorithms import RSAAlgorithm

from bot.adapters.teams import adapter as teams_adapter
from tests.bot.adapters.teams.conftest import ServeBot, make_settings
from tests.bot.adapters.teams.test_auth import (
    APP_ID,
    CHANNEL_ISSUER,
    CHANNEL_KEY,
    CHANNEL_KID,
    FixedTokenCredentials,
    token,
)
from testsupport.teams_standin import ConnectorStandIn, TeamsClient

pytestmark = pytest.mark.slow  # waits out key-endpoint timeouts


class SlowMetadata:
    def __init__(self, delay: float) -> None:
        jwk = json.loads(RSAAlgorithm.to_jwk(CHANNEL_KEY.public_key()))
        jwk.update({"kid": CHANNEL_KID, "use": "sig", "endorsements": ["msteams"]})
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                time.sleep(outer.delay)
                base = f"http://127.0.0.1:{self.server.server_address[1]}"
                body = {"/openid": {"issuer": CHANNEL_ISSUER, "jwks_uri": f"{base}/keys"},
                        "/keys": {"keys": [jwk]}}.get(self.path)
                payload = json.dumps(body).encode()
                try:
                    self.send_response(200 if body else 404)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up

            def log_message(self, *args: Any) -> None:
                pass

        self.delay = delay
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/openid"


@pytest.fixture
def slow_metadata(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowMetadata]:
    metadata = SlowMetadata(delay=0.0)
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", metadata.url)
    yield metadata
    metadata.server.shutdown()
    metadata.server.server_close()


async def _serve(serve_bot: ServeBot) -> Any:
    settings = make_settings(microsoft_app_id=APP_ID, microsoft_app_password="app-password")
    return await serve_bot(settings, credentials_factory=FixedTokenCredentials(
        APP_ID, "app-password"))


async def test_slow_signing_keys_do_not_stall_the_event_loop(
        serve_bot: ServeBot, slow_metadata: SlowMetadata, connector: ConnectorStandIn,
        http: aiohttp.ClientSession) -> None:
    bot = await _serve(serve_bot)
    slow_metadata.delay = 0.5  # each of the two fetches
    ada = TeamsClient(http, bot.url, connector.url)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    ticker = asyncio.create_task(tick())
    status, _ = await ada.post(ada.message("hi"),
                               headers={"Authorization": f"Bearer {token(connector.url)}"})
    ticker.cancel()
    assert status == 200
    # The loop went on running while the keys downloaded (blocked, it would not tick at all).
    assert ticks >= 10, ticks


async def test_a_hung_key_endpoint_is_a_401_after_the_timeout(
        serve_bot: ServeBot, slow_metadata: SlowMetadata, connector: ConnectorStandIn,
        http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(teams_adapter, "KEY_REFRESH_TIMEOUT_SECONDS", 0.3)
    bot = await _serve(serve_bot)
    slow_metadata.delay = 3.0
    ada = TeamsClient(http, bot.url, connector.url)
    status, _ = await asyncio.wait_for(
        ada.post(ada.message("hi"), headers={"Authorization": f"Bearer {token(connector.url)}"}),
        timeout=30)
    assert status == 401
    assert connector.calls == []
