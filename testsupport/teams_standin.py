"""A local stand-in of the Bot Connector service, and a Teams client that talks to the bot.

The stand-in is what the bot calls back (the activity's serviceUrl): it records
`POST /v3/conversations/{id}/activities[/{replyToId}]` and
`PUT /v3/conversations/{id}/activities/{activityId}`, answers with resource ids, and checks
every Adaptive Card it receives against the 1.5 schema and Teams' 28 KB message limit.

`TeamsClient` posts activities to the bot's /api/messages the way Teams and the Bot Framework
Emulator do, with the stand-in as serviceUrl.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
from aiohttp import web

SCHEMAS = Path(__file__).resolve().parents[1] / "tests" / "schemas"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_LIMIT_BYTES = 28 * 1024
BOT = {"id": "28:which-approach-bot", "name": "which-approach"}

_card_validator: jsonschema.Draft6Validator | None = None


def card_validator() -> jsonschema.Draft6Validator:
    global _card_validator
    if _card_validator is None:
        schema = json.loads((SCHEMAS / "adaptive-card-1.5.json").read_text(encoding="utf-8"))
        jsonschema.Draft6Validator.check_schema(schema)
        _card_validator = jsonschema.Draft6Validator(schema)
    return _card_validator


def card_problems(activity: dict[str, Any], raw_size: int) -> list[str]:
    """Why an outgoing activity would not render in Teams (empty when it is fine)."""
    problems = []
    if raw_size > MESSAGE_LIMIT_BYTES:
        problems.append(f"message is {raw_size} bytes, over Teams' 28 KB")
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") != CARD_CONTENT_TYPE:
            problems.append(f"unexpected attachment type {attachment.get('contentType')}")
            continue
        card = attachment.get("content")
        for error in card_validator().iter_errors(card):
            problems.append(f"card invalid at {list(error.absolute_path)}: {error.message[:200]}")
        if card.get("version") != "1.5":
            problems.append(f"card version {card.get('version')!r}, expected 1.5")
        if not card.get("fallbackText"):
            problems.append("card has no fallbackText")
    return problems


@dataclass
class Call:
    method: str                 # POST or PUT
    conversation_id: str
    activity_id: str | None     # replyToId (POST) or the updated activity's id (PUT)
    body: dict[str, Any]
    authorization: str | None
    peer_port: int
    resource_id: str            # the id the stand-in answered with

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [a["content"] for a in self.body.get("attachments") or []
                if a.get("contentType") == CARD_CONTENT_TYPE]

    @property
    def card(self) -> dict[str, Any]:
        (card,) = self.cards
        return card


@dataclass
class ConnectorStandIn:
    calls: list[Call] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    fail_with: int | None = None  # answer every call with this status (connector outage)
    fail_next: list[int] = field(default_factory=list)  # statuses for the next calls, in turn
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> ConnectorStandIn:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation_id}/activities", self._post)
        app.router.add_post("/v3/conversations/{conversation_id}/activities/{activity_id}",
                            self._post)
        app.router.add_put("/v3/conversations/{conversation_id}/activities/{activity_id}",
                           self._put)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _record(self, request: web.Request, method: str) -> web.Response:
        raw = await request.read()
        body = json.loads(raw)
        resource_id = request.match_info.get("activity_id") if method == "PUT" else None
        resource_id = resource_id or f"bot-activity-{next(self._ids)}"
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.calls.append(Call(method, request.match_info["conversation_id"],
                               request.match_info.get("activity_id"), body,
                               request.headers.get("Authorization"),
                               peer[1] if peer else 0, resource_id))
        self.problems += card_problems(body, len(raw))
        status = self.fail_next.pop(0) if self.fail_next else self.fail_with
        if status is not None:
            headers = {"Retry-After": "0"} if status == 429 else None
            return web.json_response({"error": {"code": "ServiceError"}}, status=status,
                                     headers=headers)
        return web.json_response({"id": resource_id})

    async def _post(self, request: web.Request) -> web.Response:
        return await self._record(request, "POST")

    async def _put(self, request: web.Request) -> web.Response:
        return await self._record(request, "PUT")

    def since(self, mark: int) -> list[Call]:
        return self.calls[mark:]


@dataclass
class TeamsClient:
    """One person in one Teams conversation, posting activities to the bot."""

    http: aiohttp.ClientSession
    bot_url: str
    service_url: str
    user_id: str = "29:user-ada"
    aad_object_id: str | None = "6F1D3A2C-0B1E-4C7A-9E8F-1A2B3C4D5E6F"
    tenant_id: str | None = "72f988bf-0000-0000-0000-00000000c0de"
    conversation_id: str = "a:personal-chat-1"
    conversation_type: str = "personal"
    authorization: str | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def activity(self, type_: str = "message", **fields: Any) -> dict[str, Any]:
        activity: dict[str, Any] = {
            "type": type_,
            "id": f"{self.user_id}-act-{next(self._ids)}",
            "timestamp": "2026-11-26T16:00:00.000Z",
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": {"id": self.user_id, "name": "Ada", "aadObjectId": self.aad_object_id},
            "conversation": {"id": self.conversation_id,
                             "conversationType": self.conversation_type,
                             "tenantId": self.tenant_id},
            "recipient": dict(BOT),
            "channelData": {"tenant": {"id": self.tenant_id}},
        }
        activity.update(fields)
        return activity

    def message(self, text: str, **fields: Any) -> dict[str, Any]:
        return self.activity("message", text=text, textFormat="plain", **fields)

    def mention(self, text: str, **fields: Any) -> dict[str, Any]:
        """`text` addressed to the bot with an @mention, as Teams sends it in a channel."""
        tag = f"<at>{BOT['name']}</at>"
        entity = {"type": "mention", "text": tag, "mentioned": dict(BOT)}
        return self.message(f"{tag} {text}", entities=[entity], **fields)

    def submit(self, data: dict[str, Any], card_activity_id: str | None,
               **fields: Any) -> dict[str, Any]:
        """An Action.Submit press on the card posted as `card_activity_id`."""
        return self.activity("message", value=data, replyToId=card_activity_id, **fields)

    async def post(self, activity: dict[str, Any] | bytes | str,
                   headers: dict[str, str] | None = None) -> tuple[int, str]:
        all_headers = {"Content-Type": "application/json"}
        if self.authorization:
            all_headers["Authorization"] = self.authorization
        all_headers.update(headers or {})
        data = activity if isinstance(activity, bytes | str) else json.dumps(activity)
        async with self.http.post(f"{self.bot_url}/api/messages", data=data,
                                  headers=all_headers) as response:
            return response.status, await response.text()

    async def send(self, activity: dict[str, Any]) -> int:
        status, _ = await self.post(activity)
        return status


def card_texts(card: dict[str, Any]) -> list[str]:
    """Every TextBlock text and fact in a card, depth first (escapes left in)."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                texts.append(node["text"])
            if node.get("type") == "Fact" or ("title" in node and "value" in node
                                              and "type" not in node):
                texts.append(f"{node['title']}: {node['value']}")
            for key, value in node.items():
                if key not in ("actions", "fallbackText"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card.get("body", []))
    return texts


def submit_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in card.get("actions") or [] if a.get("type") == "Action.Submit"]


def choice_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in submit_actions(card) if "question_id" in a["data"]]
