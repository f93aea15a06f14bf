"""The Slack adapter: /which-approach, buttons, DMs, threads and sharing, on Bolt's async app.

`attach_slack(app, runner, settings)` adds `POST /slack/events` (slash commands, interactivity
and events on one URL) to an aiohttp application, and runs Socket Mode beside it when
SLACK_APP_TOKEN is set. The adapter only translates: Slack payloads into neutral events for the
runner, neutral replies into Block Kit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import aiohttp
import orjson
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request import payload_utils
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack.app import build_app, secret
from bot.adapters.slack.delivery import SlackDeps
from bot.http_body import body_or_refusal
from bot.logging_setup import log_failure
from bot.turns import TurnHandler

__all__ = ["BOLT_APP_KEY", "EVENTS_PATH", "attach_slack"]

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
BOLT_APP_KEY = web.AppKey("slack_bolt_app", AsyncApp)
_SOCKET_KEY = web.AppKey("slack_socket_mode", dict)


def attach_slack(app: web.Application, runner: TurnHandler, settings: Any, *,
                 pictures: Any | None = None) -> None:
    """Mount Slack on `app`. Without SLACK_BOT_TOKEN nothing is mounted (Slack is off); without
    SLACK_SIGNING_SECRET the HTTP endpoint is not mounted, since it could not verify anyone."""
    if not secret(settings.slack_bot_token):
        log.info("Slack is off (SLACK_BOT_TOKEN unset)")
        return
    deps = SlackDeps(runner=runner, kb=runner.kb, pictures=pictures)
    bolt = build_app(settings, deps)
    app[BOLT_APP_KEY] = bolt

    signing_secret = secret(settings.slack_signing_secret)
    if signing_secret:
        verifier = SignatureVerifier(signing_secret)
        body_timeout = getattr(settings, "http_body_timeout_seconds", None)

        async def slack_events(request: web.Request) -> web.Response:
            body = await _verified_body(request, verifier, body_timeout)
            if isinstance(body, web.Response):  # refused
                return body
            bolt_request = _bolt_request(request, body)
            if isinstance(bolt_request, web.Response):  # refused
                return bolt_request
            bolt_response = await bolt.async_dispatch(bolt_request)
            return await to_aiohttp_response(bolt_response)

        app.router.add_post(EVENTS_PATH, slack_events)
    else:
        log.warning("SLACK_SIGNING_SECRET unset: %s is not served (Socket Mode only)",
                    EVENTS_PATH)

    async def open_session(_: web.Application) -> None:
        # One connection pool for every Web API call instead of a new session per call.
        bolt.client.session = aiohttp.ClientSession(json_serialize=json_text)

    async def close_session(_: web.Application) -> None:
        session = bolt.client.session
        bolt.client.session = None
        if session is not None:
            await session.close()

    app.on_startup.append(open_session)
    app.on_cleanup.append(close_session)

    app_token = secret(settings.slack_app_token)
    if app_token:
        app[_SOCKET_KEY] = {}
        app.on_startup.append(lambda a: _start_socket_mode(a, bolt, app_token))
        app.on_cleanup.append(_stop_socket_mode)


# Slack's own requests are a few KB; a large message event stays well under this.
MAX_BODY_BYTES = 1024 * 1024
# A Unix time in seconds: digits, and not so many that int() has work to do.
_MAX_TIMESTAMP_DIGITS = 12


async def _verified_body(request: web.Request, verifier: SignatureVerifier,
                   body_timeout: float | None) -> web.Response | str:
    """The body as text when the request is Slack's (signed, fresh, UTF-8, within the size
    limit); otherwise the 4xx to answer. The signature is checked here, on the raw body, before
    anything parses it, so a stranger's junk costs an HMAC; and the refusal's log line names
    the reason only: never the body, the signature or the headers (Bolt's own refusal logs the
    whole body, and never runs for a request refused here)."""
    charset = (request.charset or "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        log.info("Slack request refused", extra={"reason": "charset is not UTF-8"})
        return web.json_response({"error": "expected UTF-8"}, status=415)
    raw = await body_or_refusal(request, MAX_BODY_BYTES, timeout=body_timeout, log=log,
                                sender="Slack")
    if isinstance(raw, web.Response):
        return raw
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not (timestamp.isascii() and timestamp.isdigit()
            and len(timestamp) <= _MAX_TIMESTAMP_DIGITS and signature):
        log.info("Slack request refused", extra={"reason": "no valid signature headers"})
        return web.json_response({"error": "invalid request"}, status=401)
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        log.info("Slack request refused", extra={"reason": "body is not UTF-8"})
        return web.json_response({"error": "malformed request"}, status=400)
    if not verifier.is_valid(body, timestamp, signature):
        log.info("Slack request refused", extra={"reason": "bad or stale signature"})
        return web.json_response({"error": "invalid request"}, status=401)
    return body


def json_text(value: Any) -> str:
    """Web API request bodies as JSON, by orjson: a question's Block Kit is a couple of KB,
    which the standard library encodes several times slower."""
    return orjson.dumps(value).decode()


def _bolt_request(request: web.Request, body: str) -> AsyncBoltRequest | web.Response:
    """Bolt's request for a verified body, or a 400 when Bolt could not read it. Bolt parses
    the body (as JSON when it starts with "{", and any payload= field), and reads the payload's
    parts (its action, event, view...) for every listener and for its error handler: a signed
    body of a shape it cannot read is refused here, so that nothing after this can fail on it
    (Bolt's error path included) and the one error handler (app.py) sees listeners' faults
    only."""
    try:
        bolt_request = AsyncBoltRequest(body=body, query=request.query_string,
                                        headers=request.headers)  # type: ignore[arg-type]
        parsed = bolt_request.body
        if not isinstance(parsed, dict):
            raise ValueError("the body is not a JSON object or a form")
        if "type" in parsed:  # each reader reads past the top level only for a typed payload
            for read in _PAYLOAD_READERS:
                read(parsed)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
        log.info("Slack request refused: malformed body",
                 extra={"content_type": request.content_type, "bytes": len(body)})
        return web.json_response({"error": "malformed request"}, status=400)
    return bolt_request


# What Bolt reads from every payload before it calls a listener or an error handler
# (slack_bolt.kwargs_injection.async_utils.build_async_required_kwargs). None looks past the
# top level unless the payload has a "type" (slack_bolt.request.payload_utils), so a slash
# command's form, the hot path, skips them.
_PAYLOAD_READERS = (payload_utils.to_options, payload_utils.to_shortcut, payload_utils.to_action,
                    payload_utils.to_view, payload_utils.to_command, payload_utils.to_event,
                    payload_utils.to_message, payload_utils.to_step)


async def _start_socket_mode(app: web.Application, bolt: AsyncApp, app_token: str) -> None:
    handler = AsyncSocketModeHandler(bolt, app_token=app_token)
    state = app[_SOCKET_KEY]
    state["handler"] = handler

    async def connect() -> None:
        try:
            await handler.connect_async()
            log.info("Slack Socket Mode connected")
        except Exception as error:  # keep serving HTTP (and Teams) if Slack is unreachable
            log_failure(log, "Slack Socket Mode could not connect", error, expected=True)

    # In the background: a slow or unreachable Slack must not hold up the server's start.
    state["task"] = asyncio.get_running_loop().create_task(connect())


async def _stop_socket_mode(app: web.Application) -> None:
    state = app[_SOCKET_KEY]
    task = state.get("task")
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    handler = state.get("handler")
    if handler is not None:
        await handler.close_async()
