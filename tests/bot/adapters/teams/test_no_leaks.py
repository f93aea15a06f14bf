"""Nothing secret or personal in the logs of a whole authenticated Teams conversation at INFO:
not the app password, the channel's or the bot's tokens, the person's ids, or what they typed.

The bot is served with `attach_teams` and a fixed-token credentials factory (the real one asks
Azure AD for a token, which no test can reach); the endpoint, handler and runner are serve's.
"""

from __future__ import annotations

import io
import re

import aiohttp

from tests.bot.adapters.teams.conftest import ServeBot, make_settings
from tests.bot.adapters.teams.test_auth import (  # noqa: F401 (openid_metadata is a fixture)
    APP_ID,
    OUTGOING_TOKEN,
    FixedTokenCredentials,
    openid_metadata,
    token,
)
from testsupport.teams_standin import ConnectorStandIn, TeamsClient

APP_PASSWORD = "leak-test-app-password-3e8a"
PHRASE = "walrus-lantern-basalt"
SAID = ["hi", f"{PHRASE} customer service", f"we have 5k {PHRASE} examples",
        "budget is tight", f"what about QLoRA for {PHRASE}?"]
CONNECTOR_PATHS = re.compile(r'"first_request_line": "(POST|PUT) /v3/')




async def test_logs_hold_no_secret_token_id_or_text(
        serve_bot: ServeBot, openid_metadata: str,  # noqa: F811
        connector: ConnectorStandIn, captured_logs: io.StringIO) -> None:
    settings = make_settings(microsoft_app_id=APP_ID, microsoft_app_password=APP_PASSWORD)
    bot = await serve_bot(settings, credentials_factory=FixedTokenCredentials(
        APP_ID, APP_PASSWORD))
    channel_token = token(connector.url)
    async with aiohttp.ClientSession() as http:
        ada = TeamsClient(http, bot.url, connector.url,
                          authorization=f"Bearer {channel_token}")
        for text in SAID:
            assert await ada.send(ada.message(text)) == 200
        assert any(c.cards for c in connector.calls)
    assert len(connector.calls) >= len(SAID)

    # The connector stand-in serves in this process too: its own access log is not the bot's.
    logs = "\n".join(line for line in captured_logs.getvalue().splitlines()
                     if not ('"aiohttp.access"' in line and CONNECTOR_PATHS.search(line)))
    assert "/api/messages" in logs, "the bot's logs were captured"
    for leak in (APP_PASSWORD, channel_token, channel_token.split(".")[1], OUTGOING_TOKEN,
                 PHRASE, "budget is tight", ada.user_id, ada.aad_object_id, ada.tenant_id,
                 ada.conversation_id):
        assert leak and leak not in logs and leak.lower() not in logs, leak
