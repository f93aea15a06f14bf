"""POST /api/messages: the HTTP face of the Teams bot.

Does what `CloudAdapter.process` does, but answers every bad request with a 4xx instead of
letting it become a 500 (which the channel would retry): a body that is not JSON, JSON that
is not an activity, an activity without a conversation or service URL. A bad or missing
token is 401 before the body is even read (with an app id configured): a stranger's request
costs a header check, never a parse. What any request may cost is bounded too: its size, and
its JSON's depth and number of values, checked before the activity is built. A turn that
was handled, including one whose store was down (the person got a friendly reply), is 200,
so the channel does not redeliver.
"""

from __future__ import annotations

import ipaddress
import logging
from urllib.parse import urlsplit

from aiohttp import web
from botbuilder.core import ActivityHandler, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

from bot.adapters.teams.adapter import TeamsAuthentication
from bot.http_body import BadJson, body_or_refusal, loads_bounded

log = logging.getLogger(__name__)

# An activity from the channel is at most a few tens of KB; the Bot Framework's own limit on
# what a bot sends is 256 KB.
MAX_ACTIVITY_BYTES = 256 * 1024


def _bad_request(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)


def parse_activity(body: bytes) -> Activity | str:
    """The activity in a request body, or why it is not one."""
    try:
        data = loads_bounded(body)
    except BadJson as problem:
        return str(problem)
    if not isinstance(data, dict):
        return "the body is not a JSON object"
    # msrest would quietly turn a number into a string; a type that is not one is malformed.
    if not isinstance(data.get("type"), str) or not data["type"]:
        return "the activity has no type"
    try:
        activity = Activity().deserialize(data)
    except Exception:  # msrest raises several kinds for a wrongly typed field
        return "the body is not a Bot Framework activity"
    if activity.conversation is None or not activity.conversation.id:
        return "the activity has no conversation"
    service_url = activity.service_url or ""
    if urlsplit(service_url).scheme not in ("http", "https") or not urlsplit(service_url).netloc:
        return "the activity has no valid serviceUrl"
    return activity


def is_loopback_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class MessagesEndpoint:
    def __init__(self, adapter: CloudAdapter, bot: ActivityHandler, *,
                 local_service_urls_only: bool = False,
                 body_timeout: float | None = None) -> None:
        self._adapter = adapter
        self._body_timeout = body_timeout
        self._bot = bot
        # Emulator mode (no app id) authenticates nobody, so it must not post replies to a
        # service URL a stranger names: only the local Bot Framework Emulator is answered.
        self._local_only = local_service_urls_only

    async def handle(self, request: web.Request) -> web.Response:
        if "json" not in (request.content_type or ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        auth_header = request.headers.get("Authorization", "")
        authentication = self._adapter.bot_framework_authentication
        try:
            # The token before the body: an unauthenticated request is refused unread.
            if isinstance(authentication, TeamsAuthentication):
                await authentication.authenticate_header(auth_header)
        except PermissionError:
            return web.json_response({"error": "unauthorized"}, status=401)
        body = await body_or_refusal(request, MAX_ACTIVITY_BYTES, timeout=self._body_timeout,
                                     log=log, sender="Bot Framework")
        if isinstance(body, web.Response):
            return body
        parsed = parse_activity(body)
        if isinstance(parsed, str):
            log.info("Bot Framework request refused", extra={"reason": parsed})
            return _bad_request(parsed)
        if self._local_only and not is_loopback_url(parsed.service_url or ""):
            log.warning("emulator mode refused a non-local serviceUrl")
            return web.json_response(
                {"error": "without MICROSOFT_APP_ID only a local emulator is answered"},
                status=403)
        try:
            invoke_response = await self._adapter.process_activity(
                auth_header, parsed, self._bot.on_turn)
        except PermissionError:
            return web.json_response({"error": "unauthorized"}, status=401)
        if invoke_response is not None:
            return web.json_response(serializer_helper(invoke_response.body),
                                     status=int(invoke_response.status))
        return web.Response(status=200)
