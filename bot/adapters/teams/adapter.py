"""The Bot Framework side of the Teams adapter: CloudAdapter + authentication from Settings.

Three things beyond the stock wiring, each for a reason:

1. Connector and user-token clients are reused (`CachingConnectorFactory`, and the cache in
   `TeamsAuthentication.create_user_token_client`). Stock CloudAdapter builds a new
   ConnectorClient and a new UserTokenClient on every turn; each build makes a fresh msrest
   configuration, requests session and (with an app id) a fresh MSAL app, so every turn pays
   for a token lookup and a new TCP connection. Clients are keyed by (app id, service URL,
   audience) and kept in a small LRU. Each connector client sends with aiohttp on the loop
   (connector_http.py) rather than requests in a worker thread.

2. msrest's `ClientRetryPolicy` is made cheap to build (`use_fast_msrest_retry_policy`).
   Every msrest Configuration builds one, and its constructor computes
   `[i for i in range(999) if i not in self.safe_codes]` where `safe_codes` is a 500-element
   *list*: about half a million comparisons per client. Profiled on an echo bot it was most of
   the handler time (1.74 s of 2.53 s for 300 turns). Turning `safe_codes` into a frozenset
   keeps the computed retry list identical (tested) and makes the build O(999). The patch is
   applied explicitly by `make_adapter`, checks what it patches, and never runs twice.

3. Token validation errors are all "401". botbuilder raises PermissionError for most bad
   tokens, but a token that is not a JWT, or names a signing key that does not exist, or has
   a bad signature, escapes as jwt/IndexError/... and would be a 500. `TeamsAuthentication`
   turns any failure to authenticate into PermissionError, so the caller answers 401.

4. The channel's signing keys are fetched in a worker thread, with a timeout, one refresh at a
   time (`use_async_key_refresh`), instead of by blocking requests on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import requests
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    ServiceClientCredentialsFactory,
    UserTokenClient,
)
from botframework.connector.skills import BotFrameworkClient

from bot.adapters.teams.connector_http import SharedSession, connector_pipeline
from bot.logging_setup import log_failure
from bot.metrics import default_metrics
from bot.settings import Settings
from dialogs.bounded_cache import BoundedCache

log = logging.getLogger(__name__)

# Service URLs are a handful per cloud; the bound only matters in emulator mode, where any
# caller may name any service URL.
CLIENT_CACHE_SIZE = 64
# How long a token that passed the pre-check passes it again without a signature check (never
# past its own expiry), and how many such tokens are remembered.
VERIFIED_HEADER_SECONDS = 300.0
VERIFIED_HEADERS_MAX = 1024


# --- 2. the msrest retry-policy fix -----------------------------------------------------------

def use_fast_msrest_retry_policy() -> bool:
    """Make msrest's ClientRetryPolicy.safe_codes a frozenset. Returns True if it is one now.

    Same members, same computed `status_forcelist` (a list, in the same order), only the
    membership test changes from a list scan to a hash lookup. Idempotent. If a future msrest
    changes the attribute's shape, nothing is patched and a warning says so.
    """
    from msrest.universal_http.requests import ClientRetryPolicy

    codes = getattr(ClientRetryPolicy, "safe_codes", None)
    if isinstance(codes, frozenset):
        return True
    if not isinstance(codes, list) or not all(isinstance(c, int) for c in codes):
        log.warning("msrest ClientRetryPolicy.safe_codes is not a list of ints; left as is "
                    "(connector clients will be slower to build)")
        return False
    ClientRetryPolicy.safe_codes = frozenset(codes)  # type: ignore[assignment]
    return True


# --- 4. signing keys fetched off the event loop ------------------------------------------------

# The whole refresh (the OpenID document, then the keys), and each of its two requests.
KEY_REFRESH_TIMEOUT_SECONDS = 10.0


def use_async_key_refresh() -> bool:
    """Make botframework's signing-key refresh run in a worker thread with a timeout, once at a
    time. Stock, it calls blocking `requests.get` with no timeout on the event loop: every
    request of the process waits while the keys download, forever if the endpoint hangs.
    Returns True if the refresh is ours now. Idempotent; patches nothing it does not expect."""
    from botframework.connector.auth import jwt_token_extractor

    metadata_class = getattr(jwt_token_extractor, "_OpenIdMetadata", None)
    refresh = getattr(metadata_class, "_refresh", None)
    if refresh is None or not asyncio.iscoroutinefunction(refresh):
        log.warning("botframework's _OpenIdMetadata._refresh is not what we expect; left as is "
                    "(signing-key refreshes block the event loop)")
        return False
    if getattr(refresh, "_which_approach", False):
        return True
    assert metadata_class is not None

    def fetch_keys(url: str) -> list[Any]:
        timeout = KEY_REFRESH_TIMEOUT_SECONDS
        document = requests.get(url, timeout=timeout)
        document.raise_for_status()
        keys = requests.get(document.json()["jwks_uri"], timeout=timeout)
        keys.raise_for_status()
        return list(keys.json()["keys"])

    async def _refresh(self: Any) -> None:
        lock = self.__dict__.setdefault("_which_approach_lock", asyncio.Lock())
        async with lock:
            if self.last_updated > datetime.now() - timedelta(seconds=1):
                return  # another request refreshed while this one waited
            self.keys = await asyncio.wait_for(asyncio.to_thread(fetch_keys, self.url),
                                               KEY_REFRESH_TIMEOUT_SECONDS)
            self.last_updated = datetime.now()

    _refresh._which_approach = True  # type: ignore[attr-defined]
    metadata_class._refresh = _refresh
    return True


# --- 1. client reuse ------------------------------------------------------------------------

# Clients built once per (app id, service URL, audience) or app id, the least recently used
# dropped when full.
_Clients = BoundedCache[tuple[str, ...], Any]


class CachingConnectorFactory(ConnectorFactory):
    """Hands out one ConnectorClient per (app id, service URL, audience), built once.

    Wraps the factory botbuilder made for this request (which knows the app id and the
    cloud's login endpoint and scope) and shares the cache across requests. A client holds
    its credentials, whose MSAL app caches and refreshes the bot's token, so reuse also
    reuses the token.
    """

    def __init__(self, inner: ConnectorFactory, cache: _Clients, app_id: str | None,
                 session: SharedSession) -> None:
        self._inner = inner
        self._cache = cache
        self._app_id = app_id or ""
        self._session = session

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (self._app_id, service_url or "", audience or "")
        client = self._cache.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            client.config.pipeline = connector_pipeline(client.config, self._session)
            self._cache.put(key, client)
        return client


def _app_id(claims_identity: ClaimsIdentity | None) -> str | None:
    if claims_identity is None:
        return None
    claims = claims_identity.claims or {}
    return claims.get("aud") or claims.get("appid")


class TeamsAuthentication(BotFrameworkAuthentication):
    """ConfigurationBotFrameworkAuthentication with client reuse and every auth failure a 401."""

    def __init__(self, inner: BotFrameworkAuthentication,
                 credentials: ServiceClientCredentialsFactory) -> None:
        self._inner = inner
        self._credentials = credentials
        self._connectors: _Clients = BoundedCache(CLIENT_CACHE_SIZE)
        self._token_clients: _Clients = BoundedCache(CLIENT_CACHE_SIZE)
        self.http_session = SharedSession()
        # Tokens that passed `authenticate_header`, until when (monotonic clock).
        self._verified_headers: dict[str, float] = {}

    async def close(self) -> None:
        """Close the connections outgoing calls keep open (call on server shutdown)."""
        await self.http_session.close()

    async def authentication_disabled(self) -> bool:
        return bool(await self._credentials.is_authentication_disabled())

    async def authenticate_request(self, activity: Activity,
                                   auth_header: str) -> AuthenticateRequestResult:
        if await self.authentication_disabled():
            # Emulator mode accepts every request; validating a stray header would only fetch
            # signing keys from the internet to no purpose.
            auth_header = ""
        try:
            result = await self._inner.authenticate_request(activity, auth_header)
        except PermissionError:
            raise
        except Exception as error:  # a malformed or unverifiable token is just unauthorized
            log_failure(log, "Bot Framework token rejected", error, expected=True)
            raise PermissionError("Unauthorized: the token could not be verified") from None
        if result.connector_factory is not None:
            result.connector_factory = CachingConnectorFactory(
                result.connector_factory, self._connectors, _app_id(result.claims_identity),
                self.http_session)
        return result

    async def authenticate_header(self, auth_header: str) -> None:
        """Verify the request's token alone, before its body is read: the signature, issuer,
        audience and expiry (PermissionError if any fails). What binds the token to the
        activity (its serviceUrl, the channel's endorsement) is checked again with the
        activity by `authenticate_request`, so a stranger's body is never parsed."""
        if await self.authentication_disabled():
            return
        if not auth_header:
            raise PermissionError("Unauthorized: no token")
        # The channel sends one token for many requests: one that passed here lately passes
        # again without a second signature check (the full check with the activity still runs).
        now = time.monotonic()
        if self._verified_headers.get(auth_header, 0.0) > now:
            return
        # No channel id and no service URL: JwtTokenValidation then checks everything about
        # the token but those two, which need the activity.
        result = await self.authenticate_request(Activity(), auth_header)
        claims = result.claims_identity.claims if result.claims_identity is not None else {}
        expires = claims.get("exp") if isinstance(claims, dict) else None
        seconds = VERIFIED_HEADER_SECONDS
        if isinstance(expires, int | float):
            seconds = min(seconds, expires - time.time())
        if seconds > 0:
            if len(self._verified_headers) >= VERIFIED_HEADERS_MAX:
                self._verified_headers.clear()
            self._verified_headers[auth_header] = now + seconds

    async def authenticate_streaming_request(self, auth_header: str,
                                             channel_id_header: str) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return CachingConnectorFactory(self._inner.create_connector_factory(claims_identity),
                                       self._connectors, _app_id(claims_identity),
                                       self.http_session)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = (_app_id(claims_identity) or "",)
        client = self._token_clients.get(key)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            self._token_clients.put(key, client)
        return client

    def create_bot_framework_client(self) -> BotFrameworkClient:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)


# --- wiring from Settings -------------------------------------------------------------------

class BotFrameworkConfig:
    """Our Settings under the attribute names botbuilder's Configuration* classes read."""

    def __init__(self, settings: Settings) -> None:
        password = settings.microsoft_app_password
        self.APP_ID = settings.microsoft_app_id or ""
        self.APP_PASSWORD = password.get_secret_value() if password is not None else ""
        self.APP_TYPE = settings.microsoft_app_type or "MultiTenant"
        self.APP_TENANTID = settings.microsoft_app_tenant_id or ""

    def __repr__(self) -> str:  # never show the password in a log or a traceback
        return f"BotFrameworkConfig(APP_ID={self.APP_ID!r}, APP_TYPE={self.APP_TYPE!r})"


def make_authentication(settings: Settings, *,
                        credentials_factory: ServiceClientCredentialsFactory | None = None,
                        ) -> TeamsAuthentication:
    config = BotFrameworkConfig(settings)
    credentials = credentials_factory or ConfigurationServiceClientCredentialFactory(config)
    inner = ConfigurationBotFrameworkAuthentication(config, credentials_factory=credentials)
    return TeamsAuthentication(inner, credentials)


TurnErrorHandler = Callable[[TurnContext, Exception], Awaitable[None]]


def make_adapter(settings: Settings, *, friendly_error: str,
                 credentials_factory: ServiceClientCredentialsFactory | None = None,
                 ) -> CloudAdapter:
    """The CloudAdapter for Settings, with one turn-error handler for every turn.

    `credentials_factory` replaces the one made from Settings (tests use it to give outgoing
    calls a fixed token instead of fetching one from Azure AD).
    """
    use_fast_msrest_retry_policy()
    use_async_key_refresh()
    adapter = CloudAdapter(make_authentication(settings, credentials_factory=credentials_factory))
    adapter.on_turn_error = turn_error_handler(friendly_error)
    return adapter


def turn_error_handler(friendly_error: str) -> TurnErrorHandler:
    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        activity = context.activity
        # Ids and the error only: never the person's text.
        log_failure(log, "Teams turn failed", error,
                    metric=default_metrics().adapter_errors.labels("teams"),
                    activity_type=activity.type, activity_id=activity.id,
                    channel=activity.channel_id)
        try:
            await context.send_activity(friendly_error)
        except Exception as unreachable:  # the channel itself: nothing more to do
            log_failure(log, "could not tell the person about the error", unreachable,
                        expected=True)

    return on_turn_error
