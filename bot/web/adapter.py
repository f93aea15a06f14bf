"""The web try-out page: `GET /` and its static files, and `POST /web/turn`, which turns a
browser's JSON into a neutral Event, runs it, and answers with the reply objects.

Thin, like the other adapters: the page renders the same replies `chat --json` prints.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from bot.http_body import BadJson, BodyTooLarge, loads_bounded, read_body
from bot.settings import Settings
from bot.web.session import COOKIE_NAME, CookieSigner
from dialogs.events import Event
from dialogs.replies import reply_json

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
TURN_ROUTE = "/web/turn"
MAX_BODY_BYTES = 8 * 1024
COOKIE_MAX_AGE = 30 * 24 * 60 * 60
# The page loads nothing from elsewhere and nothing inline: the strictest policy that works.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; "
                                "connect-src 'self'; img-src 'self'; base-uri 'none'; "
                                "form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class BadTurn(ValueError):
    """The browser sent something that is not a turn; the message is safe to show."""


def _error(status: int, text: str) -> web.Response:
    return web.json_response([{"kind": "error", "text": text}], status=status,
                             headers=SECURITY_HEADERS)


def event_from_body(conversation: str, body: Any) -> Event:
    """The neutral Event for one request body; BadTurn when it is not one of the three forms:
    {text}, {question_id, value, state_version} or {command[, value]} (each may add event_id)."""
    if not isinstance(body, dict):
        raise BadTurn("Expected a JSON object.")
    extra: dict[str, Any] = {}
    if body.get("event_id") is not None:
        extra["event_id"] = body["event_id"]
    try:
        if "text" in body:
            text = body["text"]
            if not isinstance(text, str) or not text.strip():
                raise BadTurn("Type a message first.")
            return Event.typed(conversation, text, **extra)
        if "question_id" in body:
            question_id, value = body.get("question_id"), body.get("value")
            version = body.get("state_version")
            if not (isinstance(question_id, str) and isinstance(value, str)
                    and (version is None or (isinstance(version, int)
                                             and not isinstance(version, bool)))):
                raise BadTurn("A choice needs question_id and value as text.")
            return Event.choice(conversation, question_id[:64], value[:256],
                                state_version=version, **extra)
        if "command" in body:
            value = body.get("value")
            if value is not None and not isinstance(value, str):
                raise BadTurn("A command's value must be text.")
            return Event.cmd(conversation, body["command"], value, **extra)
    except ValidationError:
        raise BadTurn("That request is not a turn I understand.") from None
    raise BadTurn("Send text, a choice or a command.")


class WebEndpoint:
    def __init__(self, runner: Any, signer: CookieSigner) -> None:
        self.runner = runner
        self.signer = signer

    async def index(self, request: web.Request) -> web.StreamResponse:
        response = web.FileResponse(STATIC_DIR / "index.html")
        response.headers.update(SECURITY_HEADERS)
        response.headers["Cache-Control"] = "no-cache"
        return response

    async def turn(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            # Also a CSRF guard: another site cannot send JSON without a CORS preflight.
            return _error(415, "Send JSON (Content-Type: application/json).")
        try:
            raw = await read_body(request, MAX_BODY_BYTES)  # however many packets it takes
        except BodyTooLarge:
            return _error(413, "That request is too large.")
        try:
            body = loads_bounded(raw)
        except BadJson:
            return _error(400, "That request is not valid JSON.")

        session_id = self.signer.verify(request.cookies.get(COOKIE_NAME))
        new_cookie = None
        if session_id is None:  # none yet, or forged: a new conversation, never someone else's
            session_id, new_cookie = self.signer.new()
        try:
            event = event_from_body(f"web:{session_id}", body)
        except BadTurn as problem:
            return _error(400, str(problem))

        result = await self.runner.handle(event)
        response = web.json_response([reply_json(r) for r in result.replies],
                                     headers=SECURITY_HEADERS)
        response.headers["Cache-Control"] = "no-store"
        if new_cookie is not None:
            response.set_cookie(COOKIE_NAME, new_cookie, max_age=COOKIE_MAX_AGE, path="/",
                                httponly=True, samesite="Strict", secure=request.secure)
        return response


def attach_web(app: web.Application, runner: Any, settings: Settings) -> None:
    """Add `GET /`, its static files under /web/static/, and `POST /web/turn`, unless
    WEB_ENABLED is false."""
    if not settings.web_enabled:
        return
    secret = getattr(settings, "web_cookie_secret", None)
    secret_text = secret.get_secret_value() if secret is not None else None
    endpoint = WebEndpoint(runner, CookieSigner(secret_text))
    app.router.add_get("/", endpoint.index)
    app.router.add_post(TURN_ROUTE, endpoint.turn)
    app.router.add_static("/web/static/", STATIC_DIR, append_version=False)
    log.info("web try-out page enabled", extra={"route": "/"})
