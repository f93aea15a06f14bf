"""The web try-out page: `GET /` and its static files, and `POST /web/turn`, which turns a
browser's JSON into a neutral Event, runs it, and answers with the reply objects.

Thin, like the other adapters: the page renders the same replies `chat --json` prints, each
with its view (dialogs/view.py), which the page draws without wording anything itself.
"""

from __future__ import annotations

import html
import logging
import string
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from bot.adapters.web.session import COOKIE_NAME, SECURE_COOKIE_NAME, CookieSigner
from bot.client_address import Client, Network, client_of
from bot.http_body import BadJson, BodyTimeout, BodyTooLarge, loads_bounded, read_body
from bot.pictures.http import Pictures
from bot.rate_limit import WindowCounter
from bot.settings import Settings
from bot.turns import TurnHandler
from dialogs.events import Event
from dialogs.replies import RecommendationReply, Reply, reply_json
from dialogs.view import view_json, view_of
from knowledge.models import Knowledge

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
# The page, its own words left as ${label} for the knowledge's (surfaces.yaml) to fill.
PAGE_TEMPLATE = Path(__file__).parent / "page.html"
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
# Sent only over TLS (a browser ignores it otherwise): stay on HTTPS for a year.
HSTS = {"Strict-Transport-Security": "max-age=31536000"}
# Client addresses counted at once; past it, new addresses are refused until the minute ends
# (a spray of addresses must not grow the table without bound).
MAX_COUNTED_ADDRESSES = 100_000


class BadTurn(ValueError):
    """The browser sent something that is not a turn; `key` names the message that says so
    (messages.yaml)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _headers(client: Client | None) -> dict[str, str]:
    return {**SECURITY_HEADERS, **HSTS} if client is not None and client.secure \
        else SECURITY_HEADERS


def page_json(reply: Reply, kb: Knowledge) -> dict[str, Any]:
    """The reply as `chat --json` prints it, plus its view: the page draws the view's sections,
    headings and labels as they are, worded by the knowledge."""
    data = reply_json(reply)
    view = view_of(reply, kb)
    if view is not None:
        data["view"] = view_json(view)
    return data


def page_html(kb: Knowledge) -> str:
    """The page with its own words from the knowledge, escaped. A label the knowledge lacks
    fails here, at start-up, not in a browser."""
    template = string.Template(PAGE_TEMPLATE.read_text(encoding="utf-8"))
    return template.substitute({key: html.escape(text)
                                for key, text in kb.surfaces.labels.items()})


def event_from_body(conversation: str, body: Any) -> Event:
    """The neutral Event for one request body; BadTurn when it is not one of the three forms:
    {text}, {question_id, value, state_version} or {command[, value]} (each may add event_id)."""
    if not isinstance(body, dict):
        raise BadTurn("request_not_object")
    extra: dict[str, Any] = {}
    if body.get("event_id") is not None:
        extra["event_id"] = body["event_id"]
    try:
        if "text" in body:
            text = body["text"]
            if not isinstance(text, str) or not text.strip():
                raise BadTurn("empty_input")
            return Event.typed(conversation, text, **extra)
        if "question_id" in body:
            question_id, value = body.get("question_id"), body.get("value")
            version = body.get("state_version")
            if not (isinstance(question_id, str) and isinstance(value, str)
                    and (version is None or (isinstance(version, int)
                                             and not isinstance(version, bool)))):
                raise BadTurn("request_bad_choice")
            return Event.choice(conversation, question_id[:64], value[:256],
                                state_version=version, **extra)
        if "command" in body:
            value = body.get("value")
            if value is not None and not isinstance(value, str):
                raise BadTurn("request_bad_command_value")
            return Event.cmd(conversation, body["command"], value, **extra)
    except ValidationError:
        raise BadTurn("request_not_a_turn") from None
    raise BadTurn("request_no_turn")


class WebEndpoint:
    def __init__(self, runner: TurnHandler, signer: CookieSigner, *,
                 proxies: tuple[Network, ...] = (), new_per_minute: int = 0,
                 body_timeout: float | None = None, pictures: Pictures | None = None) -> None:
        self.runner = runner
        self.signer = signer
        self._proxies = proxies
        # New conversations (no valid cookie) per client address and minute, in this process.
        self._new_per_minute = new_per_minute
        self._new_conversations = WindowCounter()
        self._body_timeout = body_timeout
        self.pictures = pictures
        # The knowledge does not change while the server runs: the page is worded once.
        self._page = page_html(runner.kb)

    def _error(self, status: int, key: str, client: Client) -> web.Response:
        """An error reply the page shows, in the knowledge's words (messages.yaml `key`)."""
        return web.json_response([{"kind": "error", "text": self.runner.kb.message(key)}],
                                 status=status, headers=_headers(client))

    def _json(self, reply: Reply) -> dict[str, Any]:
        data = page_json(reply, self.runner.kb)
        if (self.pictures is not None and isinstance(reply, RecommendationReply)
                and reply.answers is not None):
            data.update(self.pictures.web_json(reply.answers))
        return data

    async def index(self, request: web.Request) -> web.StreamResponse:
        response = web.Response(text=self._page, content_type="text/html",
                                headers=_headers(client_of(request, self._proxies)))
        response.headers["Cache-Control"] = "no-cache"
        return response

    def _too_many_new(self, client: Client) -> bool:
        if self._new_per_minute <= 0:
            return False
        counter = self._new_conversations
        if len(counter) >= MAX_COUNTED_ADDRESSES and counter.count(client.address) == 0:
            return True
        return counter.hit(client.address) > self._new_per_minute

    async def turn(self, request: web.Request) -> web.Response:
        client = client_of(request, self._proxies)
        if request.content_type != "application/json":
            # Also a CSRF guard: another site cannot send JSON without a CORS preflight.
            return self._error(415, "request_not_json", client)
        try:
            # Read whole, however many packets it takes, within the time allowed.
            raw = await read_body(request, MAX_BODY_BYTES, timeout=self._body_timeout)
        except BodyTooLarge:
            return self._error(413, "request_too_large", client)
        except BodyTimeout:
            return self._error(408, "request_too_slow", client)
        try:
            body = loads_bounded(raw)
        except BadJson:
            return self._error(400, "request_bad_json", client)

        # Over TLS the cookie is `__Host-` prefixed: only this host over HTTPS can set it, so
        # nobody on a sibling domain or on plain HTTP can plant one.
        cookie_name = SECURE_COOKIE_NAME if client.secure else COOKIE_NAME
        session_id = self.signer.verify(request.cookies.get(cookie_name))
        new_cookie = None
        if session_id is None:  # none yet, or forged: a new conversation, never someone else's
            if self._too_many_new(client):
                log.info("new web conversation refused: over the per-address limit",
                         extra={"limit_per_minute": self._new_per_minute})
                return self._error(429, "rate_limited", client)
            session_id, new_cookie = self.signer.new()
        try:
            event = event_from_body(f"web:{session_id}", body)
        except BadTurn as problem:
            return self._error(400, problem.key, client)

        result = await self.runner.handle(event)
        response = web.json_response([self._json(r) for r in result.replies],
                                     headers=_headers(client))
        response.headers["Cache-Control"] = "no-store"
        if new_cookie is not None:
            response.set_cookie(cookie_name, new_cookie, max_age=COOKIE_MAX_AGE, path="/",
                                httponly=True, samesite="Strict", secure=client.secure)
        return response


def attach_web(app: web.Application, runner: TurnHandler, settings: Settings, *,
               pictures: Pictures | None = None) -> None:
    """Add `GET /`, its static files under /web/static/, and `POST /web/turn`, unless
    WEB_ENABLED is false."""
    if not settings.web_enabled:
        return
    secret = getattr(settings, "web_cookie_secret", None)
    secret_text = secret.get_secret_value() if secret is not None else None
    endpoint = WebEndpoint(runner, CookieSigner(secret_text),
                           proxies=settings.trusted_proxy_networks,
                           new_per_minute=settings.web_new_conversations_per_minute,
                           body_timeout=settings.http_body_timeout_seconds, pictures=pictures)
    app.router.add_get("/", endpoint.index)
    app.router.add_post(TURN_ROUTE, endpoint.turn)
    app.router.add_static("/web/static/", STATIC_DIR, append_version=False)
    log.info("web try-out page enabled", extra={"route": "/"})
