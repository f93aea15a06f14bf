"""Putting the rendered messages in Slack: the listeners' dependencies and the Web API
transport.

Everything here happens after ack(): Slack already has its 200, so a call Slack refuses is
logged here, once (by method and error code, never message text), and the helper says whether
it went through, so the listener can tell the person where it still can. Anything else that
fails reaches Bolt's error handler (app.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import orjson
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.blocks import SlackMessage, SlackRenderer
from bot.logging_setup import log_failure
from bot.turns import TurnHandler
from dialogs.bounded_cache import BoundedCache
from knowledge.models import Knowledge

log = logging.getLogger(__name__)

T = TypeVar("T")

Respond = Callable[..., Awaitable[Any]]


class OpenQuestions:
    """The last question message posted in each DM (its ts and blocks), so that an answer typed
    instead of clicked can still collapse it: an old button is not left to press by mistake.
    Kept in this process, bounded; where it is missing (another replica, a restart) the
    message keeps its buttons, and a click on them gets the core's out-of-date notice. The
    blocks are kept as JSON bytes: thousands of block dicts would be walked by every full pass
    of the garbage collector, bytes are not."""

    def __init__(self, size: int = 10_000) -> None:
        self._entries: BoundedCache[str, tuple[str, bytes]] = BoundedCache(size)

    def remember(self, channel: str, ts: str, message: SlackMessage) -> None:
        if not question_of(message):
            return
        self.remember_raw(channel, ts, [b if isinstance(b, dict) else b.to_dict()
                                        for b in message.blocks])

    def remember_raw(self, channel: str, ts: str, blocks: list[dict[str, Any]]) -> None:
        self._entries.put(channel, (ts, orjson.dumps(blocks)))

    def pop(self, channel: str) -> tuple[str, list[dict[str, Any]]] | None:
        found = self._entries.pop(channel)
        return None if found is None else (found[0], orjson.loads(found[1]))


def question_of(message: SlackMessage) -> bool:
    """Whether a message carries a question (its answer buttons)."""
    for block in message.blocks:
        block_id = block.get("block_id") if isinstance(block, dict) else block.block_id
        if str(block_id or "").startswith("question:"):
            return True
    return False


@dataclass(frozen=True)
class SlackDeps:
    """What the listeners need: the turn runner, the knowledge base for display names, and
    the cards' pictures and decision records (bot.pictures.http.Pictures)."""

    runner: TurnHandler
    kb: Knowledge | None = None
    pictures: Any | None = None
    open_questions: OpenQuestions = field(default_factory=OpenQuestions)
    # Draws every reply, with the knowledge and pictures above (and the questions it drew).
    renderer: SlackRenderer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "renderer", SlackRenderer(self.kb, self.pictures))


def _error_code(error: SlackApiError) -> str:
    try:
        return str(error.response.get("error"))
    except Exception:
        return "unknown"


# How a method takes its arguments: JSON (Slack takes it for write methods), a form POST or a
# GET query (as slack_sdk sends conversations.open and conversations.replies).
Encoding = Literal["json", "form", "query"]


async def call(client: AsyncWebClient, method: str, payload: dict[str, Any],
               encoding: Encoding = "json") -> Any | None:
    """A Web API method with a payload already in Slack's shape; Slack's answer, or None when
    Slack refused the call (logged). slack_sdk's typed wrappers (chat_postMessage...) would
    only re-check every block for model objects (six isinstance checks a block) and drop None
    values, which our payloads never hold."""
    if encoding == "json":
        request = client.api_call(method, json=payload)
    else:
        request = client.api_call(method, http_verb="GET" if encoding == "query" else "POST",
                                  params=payload)
    return await answer_or_refusal(method, request)


async def answer_or_refusal(method: str, request: Awaitable[T]) -> T | None:
    """Slack's answer to a request, or None when Slack refused it: logged here, once, for
    every call this adapter makes (`method` names it in the log)."""
    try:
        return await request
    except SlackApiError as error:
        log_failure(log, "Slack Web API call refused", error, expected=True, method=method,
                    code=_error_code(error))
        return None


async def post(client: AsyncWebClient, channel: str, messages: Sequence[SlackMessage],
               thread_ts: str | None = None) -> list[dict[str, Any]] | None:
    """Post each message to a channel (a user id posts to the app's DM with that person).
    Slack's answers for the messages, or None when one was refused (the rest are not sent)."""
    posted: list[dict[str, Any]] = []
    for message in messages:
        payload = {"channel": channel, **message.payload()}
        if thread_ts is not None:
            payload["thread_ts"] = thread_ts
        response = await call(client, "chat.postMessage", payload)
        if response is None:
            return None
        posted.append(dict(response.data) if isinstance(response.data, dict) else {})
    return posted


async def post_remembered(deps: SlackDeps, client: AsyncWebClient, channel: str,
                          messages: Sequence[SlackMessage]) -> bool:
    """post_quietly(), remembering a posted question's message (OpenQuestions)."""
    posted = await post(client, channel, messages)
    if posted is None:
        return False
    for message, response in zip(messages, posted, strict=False):
        if response.get("ts"):
            deps.open_questions.remember(str(response.get("channel") or channel),
                                         str(response["ts"]), message)
    return True


async def post_quietly(client: AsyncWebClient, channel: str, messages: Sequence[SlackMessage],
                       thread_ts: str | None = None) -> bool:
    """post(); True when every message went through."""
    return await post(client, channel, messages, thread_ts=thread_ts) is not None


async def update(client: AsyncWebClient, channel: str, ts: str, message: SlackMessage) -> bool:
    payload = {"channel": channel, "ts": ts, **message.payload()}
    return await call(client, "chat.update", payload) is not None


async def respond_all(respond: Respond, messages: Sequence[SlackMessage], *,
                      replace_original: bool = False) -> bool:
    """Messages through the interaction's response_url, visible to the person alone. The first
    may replace the message clicked (an ephemeral card cannot be chat.update'd)."""
    ok = True
    for i, message in enumerate(messages):
        try:
            response = await respond(response_type="ephemeral",
                                     replace_original=replace_original and i == 0,
                                     **message.payload())
        except Exception as error:  # no response_url, or the webhook client's aiohttp errors
            log_failure(log, "response_url post failed", error, expected=True)
            ok = False
            continue
        status = getattr(response, "status_code", 200)
        if status != 200:
            log.warning("response_url post refused", extra={"status": status})
            ok = False
    return ok


async def post_ephemeral(client: AsyncWebClient, channel: str, user: str,
                         messages: Sequence[SlackMessage]) -> bool:
    ok = True
    for message in messages:
        payload = message.payload()
        payload.pop("metadata", None)
        sent = await call(client, "chat.postEphemeral", {"channel": channel, "user": user,
                                                         **payload})
        ok = ok and sent is not None
    return ok
