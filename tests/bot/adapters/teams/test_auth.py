"""With an app id configured, only requests carrying a valid Bot Framework token get through.

The channel's signing keys come from a local stand-in of the Bot Framework OpenID metadata
endpoint (botbuilder reads it with blocking `requests`, so it runs in a thread), holding a key
the test made: the "real channel" key. Forged tokens are signed with another key the test
made. Outgoing replies get a fixed token from a credentials factory instead of Azure AD.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import aiohttp
import jwt
import pytest
from botframework.connector.auth import PasswordServiceClientCredentialFactory
from botframework.connector.auth.channel_validation import ChannelValidation
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from msrest.authentication import Authentication, BasicTokenAuthentication

from tests.bot.adapters.teams.conftest import ServeBot, ServedBot, make_settings
from testsupport.teams_standin import ConnectorStandIn, TeamsClient

APP_ID = "8d8b9a3e-1c2b-4d5e-8f90-0a1b2c3d4e5f"
CHANNEL_ISSUER = "https://api.botframework.com"
CHANNEL_KID = "channel-signing-key"
OUTGOING_TOKEN = "bot-token-for-tests"
ADA_KEY = "teams:72f988bf-0000-0000-0000-00000000c0de:6f1d3a2c-0b1e-4c7a-9e8f-1a2b3c4d5e6f"

CHANNEL_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ATTACKER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FixedTokenCredentials(PasswordServiceClientCredentialFactory):
    """The app id and password checks of Settings, but outgoing calls carry a fixed token."""

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str,
                                 validate_authority: bool) -> Authentication:
        if not await self.is_valid_app_id(app_id):
            raise PermissionError("Invalid app_id")
        return BasicTokenAuthentication({"access_token": OUTGOING_TOKEN})


@pytest.fixture
def openid_metadata(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Serves the channel's OpenID configuration and signing keys on loopback."""
    jwk = json.loads(RSAAlgorithm.to_jwk(CHANNEL_KEY.public_key()))
    jwk.update({"kid": CHANNEL_KID, "use": "sig", "endorsements": ["msteams", "emulator"]})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            body = {"/openid": {"issuer": CHANNEL_ISSUER, "jwks_uri": f"{base}/keys"},
                    "/keys": {"keys": [jwk]}}.get(self.path)
            payload = json.dumps(body).encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/openid"
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", url)
    yield url
    server.shutdown()
    server.server_close()


def token(service_url: str, *, key: Any = CHANNEL_KEY, kid: str = CHANNEL_KID,
          **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": CHANNEL_ISSUER, "aud": APP_ID, "serviceurl": service_url,
               "nbf": now - 60, "exp": now + 3600, **claims}
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
async def secured_bot(serve_bot: ServeBot, openid_metadata: str) -> ServedBot:
    settings = make_settings(microsoft_app_id=APP_ID, microsoft_app_password="app-password")
    return await serve_bot(settings, credentials_factory=FixedTokenCredentials(
        APP_ID, "app-password"))


@pytest.fixture
def ada_secured(http: aiohttp.ClientSession, secured_bot: ServedBot,
                connector: ConnectorStandIn) -> TeamsClient:
    return TeamsClient(http, secured_bot.url, connector.url)


async def test_a_valid_channel_token_gets_through_and_replies_carry_the_bot_token(
        ada_secured: TeamsClient, connector: ConnectorStandIn, secured_bot: ServedBot) -> None:
    status, _ = await ada_secured.post(
        ada_secured.message("hi"),
        headers={"Authorization": f"Bearer {token(connector.url)}"})

    assert status == 200
    assert await secured_bot.state(ADA_KEY) is not None
    (reply,) = connector.calls
    assert reply.authorization == f"Bearer {OUTGOING_TOKEN}"


def forged_headers(service_url: str) -> dict[str, str | None]:
    now = int(time.time())
    return {
        "no header": None,
        "not bearer": f"Basic {token(service_url)}",
        "not a jwt": "Bearer not-a-jwt",
        "signed by another key, claiming the channel's key id":
            f"Bearer {token(service_url, key=ATTACKER_KEY)}",
        "signed by another key with its own key id":
            f"Bearer {token(service_url, key=ATTACKER_KEY, kid='attacker')}",
        "unsigned (alg none)": "Bearer " + jwt.encode(
            {"iss": CHANNEL_ISSUER, "aud": APP_ID, "serviceurl": service_url}, None,
            algorithm="none"),
        "for another bot": f"Bearer {token(service_url, aud='another-bot-app-id')}",
        "from another issuer": f"Bearer {token(service_url, iss='https://evil.example')}",
        "for another service url": f"Bearer {token('https://evil.example/')}",
        "expired": f"Bearer {token(service_url, nbf=now - 7200, exp=now - 3600)}",
    }


async def test_missing_or_forged_tokens_are_refused_and_touch_no_state(
        ada_secured: TeamsClient, connector: ConnectorStandIn, secured_bot: ServedBot) -> None:
    for name, header in forged_headers(connector.url).items():
        for activity in (ada_secured.message("hi"),
                         ada_secured.submit({"command": "restart"}, "bot-activity-1")):
            headers = {"Authorization": header} if header is not None else {}
            status, _ = await ada_secured.post(activity, headers=headers)
            assert status == 401, name

    assert await secured_bot.state(ADA_KEY) is None
    assert connector.calls == []


async def test_emulator_mode_ignores_an_authorization_header(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    # Without an app id nothing is verified, so nothing is fetched to verify it with.
    status, _ = await ada.post(ada.message("hi"),
                               headers={"Authorization": "Bearer not-a-jwt"})
    assert status == 200
    (reply,) = connector.calls
    assert reply.authorization is None  # no app id, no token to send
