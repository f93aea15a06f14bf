"""Outgoing Bot Connector calls over aiohttp, on the server's own event loop.

botbuilder's ConnectorClient sends through msrest's `requests` driver: every reply is handed
to a worker thread and goes through requests and urllib3, about twice the CPU per call of
aiohttp on the loop with the same msrest serialization. `connector_pipeline` gives a
ConnectorClient an msrest pipeline that sends with one shared aiohttp session instead, keeping
what the requests driver did for us:

- the bot's token: any msrest `Authentication` signs a throwaway requests session (its
  `signed_session`), in a worker thread because MSAL may fetch a token over the network; the
  header is copied onto the request. Emulator mode (no app id) skips this: there is no token.
- retries: a connection error, a timeout, 408, 429 or a 5xx other than 501/505 (msrest's
  retried set) is tried again, at most 3 attempts, after a short pause (Retry-After honoured
  up to a cap), so a turn is not held for long.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import requests
from botframework.connector.auth import AppCredentials
from msrest.exceptions import ClientRequestError
from msrest.pipeline import AsyncHTTPPolicy, AsyncHTTPSender, AsyncPipeline, Request, Response
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http import ClientRequest
from msrest.universal_http.async_abc import AsyncClientResponse
from requests.structures import CaseInsensitiveDict

# Everything msrest's ClientRetryPolicy retries: 408 and 500-998 except 501 and 505. 429 too
# (the Bot Connector's throttling answer), which msrest's list already holds as "not safe".
RETRY_STATUSES = frozenset({408, 429} | set(range(500, 999)) - {501, 505})
MAX_ATTEMPTS = 3
BACKOFF_SECONDS = (0.25, 1.0)   # before the 2nd and the 3rd attempt
MAX_RETRY_AFTER_SECONDS = 2.0
TIMEOUT = aiohttp.ClientTimeout(total=20, connect=5)


class SharedSession:
    """One aiohttp session for every connector client of an adapter, made on first use (it
    must be made inside the running loop) and closed with the server."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def get(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=TIMEOUT, connector=aiohttp.TCPConnector(limit=256))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class _Response(AsyncClientResponse):
    def __init__(self, request: ClientRequest, raw: aiohttp.ClientResponse, body: bytes) -> None:
        super().__init__(request, raw)
        self.status_code: int = raw.status
        self.headers = CaseInsensitiveDict(raw.headers)
        self.reason = raw.reason
        self._body = body

    def body(self) -> bytes:
        return self._body

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise ClientRequestError(f"{self.status_code} {self.reason}")


def _pause(attempt: int, response: _Response | None) -> float:
    pause = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)]
    retry_after = response.headers.get("Retry-After") if response is not None else None
    if retry_after and retry_after.strip().replace(".", "", 1).isdigit():
        # Seconds; an HTTP date is left to the backoff.
        pause = max(pause, min(float(retry_after), MAX_RETRY_AFTER_SECONDS))
    return pause


class AiohttpSender(AsyncHTTPSender):
    def __init__(self, session: SharedSession) -> None:
        self._session = session

    async def __aenter__(self) -> AiohttpSender:
        return self

    async def __aexit__(self, *exc_details: Any) -> None:
        pass  # the shared session outlives any one client

    async def send(self, request: Request, **config: Any) -> Response:
        http = request.http_request
        for attempt in range(MAX_ATTEMPTS):
            last = attempt + 1 == MAX_ATTEMPTS
            try:
                async with self._session.get().request(
                        http.method, http.url, headers=dict(http.headers),
                        data=http.data) as raw:
                    response = _Response(http, raw, await raw.read())
            except (TimeoutError, aiohttp.ClientError) as error:
                if last:
                    raise ClientRequestError("Error occurred in request.",
                                             inner_exception=error) from error
                await asyncio.sleep(_pause(attempt, None))
                continue
            if response.status_code in RETRY_STATUSES and not last:
                await asyncio.sleep(_pause(attempt, response))
                continue
            return Response(request, response)
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt


class BearerTokenPolicy(AsyncHTTPPolicy):
    """Puts the bot's token on each request, as msrest's requests credentials policy does."""

    # Tokens live about an hour and the credentials renew them well before expiry; reusing
    # the header this long spares every reply a worker-thread hop and a requests.Session.
    HEADER_REUSE_SECONDS = 300.0

    def __init__(self, credentials: Any) -> None:
        super().__init__()
        self._credentials = credentials
        self._header: str | None = None
        self._header_until = 0.0

    def _needs_token(self) -> bool:
        credentials = self._credentials
        # The emulator's empty credentials never sign: skip the worker thread.
        return not (isinstance(credentials, AppCredentials)
                    and not credentials.microsoft_app_id)

    def _authorization(self) -> str | None:
        session = self._credentials.signed_session(requests.Session())
        return session.headers.get("Authorization")

    async def send(self, request: Request, **kwargs: Any) -> Response:
        if self._needs_token():
            header = self._header
            if header is None or time.monotonic() >= self._header_until:
                header = await asyncio.get_running_loop().run_in_executor(
                    None, self._authorization)
                self._header = header
                self._header_until = time.monotonic() + self.HEADER_REUSE_SECONDS
            if header:
                request.http_request.headers["Authorization"] = header
        following = self.next
        assert following is not None, "a policy is always followed by the sender"
        return await following.send(request, **kwargs)


def connector_pipeline(config: Any, session: SharedSession) -> AsyncPipeline:
    """The pipeline msrest would build for `config`, sending with aiohttp instead."""
    policies: list[Any] = [config.user_agent_policy, RawDeserializer(), config.http_logger_policy]
    if config.credentials:
        policies.insert(1, BearerTokenPolicy(config.credentials))
    return AsyncPipeline(policies, AiohttpSender(session))
