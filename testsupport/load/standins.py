"""The Slack and Teams stand-ins, indexed for many conversations: what each DM channel or Teams
conversation was shown, and which question (or the friendly store-down reply) a message carries."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from testsupport.load.scripts import KB
from testsupport.slack_standin import StandIn
from testsupport.teams_standin import (
    CARD_CONTENT_TYPE,
    ConnectorStandIn,
    card_texts,
    choice_actions,
)

STORE_DOWN = KB.message("store_down")
# Without a reply this long, a turn counts as lost (a bug, not a slow machine).
REPLY_TIMEOUT_SECONDS = 60.0


@dataclass
class Seen:
    seq: int
    ts: str | None
    message: dict[str, Any]


class LoadSlackApi(StandIn):
    """The Slack Web API stand-in, remembering what each DM channel was last shown."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, list[Seen]] = {}
        self._signals: dict[str, asyncio.Event] = {}
        self._seq = itertools.count(1)

    def _touch(self, channel: str, ts: str | None, message: dict[str, Any]) -> None:
        self.seen.setdefault(channel, []).append(Seen(next(self._seq), ts, message))
        signal = self._signals.pop(channel, None)
        if signal is not None:
            signal.set()

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        answer = super()._answer(method, params)
        if answer.get("ok") and method in ("chat.postMessage", "chat.update"):
            channel, ts = answer["channel"], answer["ts"]
            self._touch(channel, ts, dict(self.messages[(channel, ts)]))
        return answer

    async def _record(self, method: str, params: dict[str, Any], token: str | None) -> None:
        # Not kept: thousands of calls; only response_url posts (private notices) matter here.
        if method == "response_url":
            self._touch("D" + params["hook"], None, params)

    def mark(self, channel: str) -> int:
        seen = self.seen.get(channel)
        return seen[-1].seq if seen else 0

    async def shown_after(self, channel: str, mark: int,
                          done: Callable[[dict[str, Any]], bool]) -> Seen:
        """The first message shown in `channel` after `mark` for which done() holds."""
        async def until() -> Seen:
            while True:
                for seen in self.seen.get(channel, []):
                    if seen.seq > mark and done(seen.message):
                        return seen
                signal = self._signals.setdefault(channel, asyncio.Event())
                await signal.wait()
        return await asyncio.wait_for(until(), REPLY_TIMEOUT_SECONDS)


class LoadConnector(ConnectorStandIn):
    """The Bot Connector stand-in, keeping each conversation's cards (card validity is the
    Teams tests' business; checking thousands here would only load this process)."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, list[tuple[str, dict[str, Any]]]] = {}

    async def _record(self, request: Any, method: str) -> Any:
        from aiohttp import web

        body = json.loads(await request.read())
        conversation = request.match_info["conversation_id"]
        resource_id = (request.match_info.get("activity_id") if method == "PUT" else None) \
            or f"bot-activity-{next(self._ids)}"
        for attachment in body.get("attachments") or []:
            if attachment.get("contentType") == CARD_CONTENT_TYPE:
                self.cards.setdefault(conversation, []).append(
                    (resource_id, attachment["content"]))
        return web.json_response({"id": resource_id})


def text_of(node: Any) -> str:
    return json.dumps(node, ensure_ascii=False)


def is_store_down(node: Any) -> bool:
    return STORE_DOWN[:40] in text_of(node)


def teams_question(card: dict[str, Any]) -> str | None:
    actions = choice_actions(card)
    if actions:
        return str(actions[0]["data"]["question_id"])
    texts = card_texts(card)
    for slot, info in KB.questions.items():
        if info.text in texts:
            return slot
    return None
