"""Running one neutral event through the core and putting the rendered messages in Slack.

Everything here happens after ack(): Slack already has its 200, so a failure to post is logged
(by error code, never message text) and the person is told where we still can.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.blocks import SlackMessage, SlackRenderer
from dialogs.events import Event
from dialogs.replies import ErrorReply
from knowledge.models import Knowledge

log = logging.getLogger(__name__)

Respond = Callable[..., Awaitable[Any]]



class Runner(Protocol):
    kb: Knowledge

    async def handle(self, event: Event) -> Any: ...


class OpenQuestions:
    """The last question message posted in each DM (its ts and blocks), so that an answer typed
    instead of clicked can still collapse it: an old button is not left to press by mistake.
    Kept in this process, bounded; where it is missing (another replica, a restart) the
    message keeps its buttons, and a click on them gets the core's out-of-date notice. The
    blocks are kept as JSON bytes: thousands of block dicts would be walked by every full pass
    of the garbage collector, bytes are not."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._entries: OrderedDict[str, tuple[str, bytes]] = OrderedDict()

    def remember(self, channel: str, ts: str, message: SlackMessage) -> None:
        if not question_of(message):
            return
        self.remember_raw(channel, ts, [b if isinstance(b, dict) else b.to_dict()
                                        for b in message.blocks])

    def remember_raw(self, channel: str, ts: str, blocks: list[dict[str, Any]]) -> None:
        self._entries[channel] = (ts, orjson.dumps(blocks))
        self._entries.move_to_end(channel)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def pop(self, channel: str) -> tuple[str, list[dict[str, Any]]] | None:
        found = self._entries.pop(channel, None)
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

    runner: Runner
    kb: Knowledge | None = None
    pictures: Any | None = None
    open_questions: OpenQuestions = field(default_factory=OpenQuestions)
    # Draws every reply, with the knowledge and pictures above (and the questions it drew).
    renderer: SlackRenderer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "renderer", SlackRenderer(self.kb, self.pictures))


@dataclass
class Turn:
    """The parts of the runner's TurnResult the adapter reads."""

    replies: list[Any]
    outcome: str
    state: Any | None

    @property
    def duplicate(self) -> bool:
        return self.outcome == "duplicate"


async def run_turn(deps: SlackDeps, event: Event) -> Turn:
    try:
        result = await deps.runner.handle(event)
    except Exception:  # never let a bug cost Slack its answer or the person a reply
        log.exception("turn failed (conversation platform slack)")
        text = deps.runner.kb.message("internal_error")
        return Turn(replies=[ErrorReply(text=text)], outcome="error", state=None)
    return Turn(replies=list(result.replies), outcome=result.outcome, state=result.state)


def _error_code(error: SlackApiError) -> str:
    try:
        return str(error.response.get("error"))
    except Exception:
        return "unknown"


async def call(client: AsyncWebClient, method: str, payload: dict[str, Any]) -> Any:
    """A Web API method with a payload already in Slack's JSON shape. slack_sdk's typed
    wrappers (chat_postMessage...) would only re-check every block for model objects (six
    isinstance checks a block) and drop None values, which our payloads never hold."""
    return await client.api_call(method, json=payload)


async def post(client: AsyncWebClient, channel: str, messages: Sequence[SlackMessage],
               thread_ts: str | None = None) -> list[dict[str, Any]]:
    """Post each message to a channel (a user id posts to the app's DM with that person).
    Returns Slack's answers for the messages that went through."""
    posted: list[dict[str, Any]] = []
    for message in messages:
        try:
            payload = {"channel": channel, **message.payload()}
            if thread_ts is not None:
                payload["thread_ts"] = thread_ts
            response = await call(client, "chat.postMessage", payload)
        except SlackApiError as error:
            log.warning("chat.postMessage failed: %s", _error_code(error))
            raise
        posted.append(dict(response.data) if isinstance(response.data, dict) else {})
    return posted


async def post_remembered(deps: SlackDeps, client: AsyncWebClient, channel: str,
                          messages: Sequence[SlackMessage]) -> bool:
    """post_quietly(), remembering a posted question's message (OpenQuestions)."""
    try:
        posted = await post(client, channel, messages)
    except SlackApiError:
        return False
    for message, response in zip(messages, posted, strict=False):
        if response.get("ts"):
            deps.open_questions.remember(str(response.get("channel") or channel),
                                         str(response["ts"]), message)
    return True


async def post_quietly(client: AsyncWebClient, channel: str, messages: Sequence[SlackMessage],
                       thread_ts: str | None = None) -> bool:
    """post(), logging instead of raising; True when every message went through."""
    try:
        await post(client, channel, messages, thread_ts=thread_ts)
    except SlackApiError:
        return False
    return True


async def update(client: AsyncWebClient, channel: str, ts: str, message: SlackMessage) -> bool:
    try:
        await call(client, "chat.update", {"channel": channel, "ts": ts, **message.payload()})
    except SlackApiError as error:
        log.warning("chat.update failed: %s", _error_code(error))
        return False
    return True


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
            log.warning("response_url post failed: %s", type(error).__name__)
            ok = False
            continue
        status = getattr(response, "status_code", 200)
        if status != 200:
            log.warning("response_url post failed: HTTP %s", status)
            ok = False
    return ok


async def post_ephemeral(client: AsyncWebClient, channel: str, user: str,
                         messages: Sequence[SlackMessage]) -> bool:
    ok = True
    for message in messages:
        payload = message.payload()
        payload.pop("metadata", None)
        try:
            await call(client, "chat.postEphemeral", {"channel": channel, "user": user, **payload})
        except SlackApiError as error:
            log.warning("chat.postEphemeral failed: %s", _error_code(error))
            ok = False
    return ok
