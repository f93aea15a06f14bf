"""A local stand-in of the Slack Web API, served by aiohttp on a free loopback port.

It records every call (method, parameters, token) and answers as Slack does: `{"ok": true,
...}` with a `ts` and `channel` for posted messages, `{"ok": false, "error": ...}` for a bad
token or an unknown message. Posted messages are kept, so `chat.update` edits them and
`conversations.replies` returns them (with their metadata when asked), like the real thing.
It also serves `response_url` posts and, for Socket Mode, `apps.connections.open` and a
WebSocket that a test drives.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

BOT_TOKEN = "xoxb-stand-in-bot-token"
APP_TOKEN = "xapp-1-stand-in-app-token"
TEAM_ID = "T0TEAM"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0APP"


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    token: str | None


@dataclass
class StandIn:
    calls: list[ApiCall] = field(default_factory=list)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    # Channels where chat.postMessage answers not_in_channel.
    not_in_channel: set[str] = field(default_factory=set)
    # Socket Mode: frames the app sent back over the WebSocket, and a queue of frames to send.
    socket_frames: list[dict[str, Any]] = field(default_factory=list)
    to_socket: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    socket_connections: int = 0
    socket_closed: int = 0
    # files.uploadV2: the bytes uploaded per file id, the files shared per channel, and a
    # switch that makes the workspace refuse files (an app without files:write).
    uploads: dict[str, bytes] = field(default_factory=dict)
    shared_files: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    refuse_files: bool = False
    base: str = ""
    _runner: web.AppRunner | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # --- life cycle ---

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{hook}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, hook: str) -> str:
        return f"{self.base}/response/{hook}"

    # --- what the tests read ---

    def to(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Callable[[StandIn], Any], timeout: float = 10.0) -> Any:
        """Wait until predicate(self) is truthy (the app works after its ack) and return it."""
        async def until() -> Any:
            async with self._changed:
                while not (result := predicate(self)):
                    await self._changed.wait()
                return result
        return await asyncio.wait_for(until(), timeout)

    async def wait_calls(self, method: str, count: int = 1,
                         timeout: float = 10.0) -> list[dict[str, Any]]:
        await self.wait_for(lambda s: len(s.to(method)) >= count, timeout)
        return self.to(method)

    def dm_channel(self, user: str) -> str:
        return "D" + user

    # --- handlers ---

    async def _record(self, method: str, params: dict[str, Any], token: str | None) -> None:
        async with self._changed:
            self.calls.append(ApiCall(method, params, token))
            self._changed.notify_all()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(await request.post())
        for key in ("blocks", "metadata", "attachments", "files"):  # form posts carry JSON
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    def _next_ts(self) -> str:
        n = next(self._ts)
        return f"{1_700_000_000 + n}.{n:06d}"

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else params.get("token")
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if token != expected:
            await self._record(method, params, token)
            return web.json_response({"ok": False, "error": "invalid_auth"})
        answer = self._answer(method, params)
        await self._record(method, params, token)
        return web.json_response(answer)

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://stand-in.slack.com/", "team": "Stand-in",
                    "user": "which-approach", "team_id": TEAM_ID, "user_id": BOT_USER_ID,
                    "bot_id": BOT_ID, "is_enterprise_install": False}
        if method == "chat.postMessage":
            channel = str(params.get("channel", ""))
            if not channel:
                return {"ok": False, "error": "channel_not_found"}
            if channel in self.not_in_channel:
                return {"ok": False, "error": "not_in_channel"}
            if channel.startswith("U"):  # a user id posts to the app's DM with them
                channel = self.dm_channel(channel)
            ts = self._next_ts()
            message = {"type": "message", "ts": ts, "user": BOT_USER_ID, "bot_id": BOT_ID,
                       "app_id": APP_ID, "text": params.get("text", ""),
                       "blocks": params.get("blocks") or []}
            if params.get("thread_ts"):
                message["thread_ts"] = params["thread_ts"]
            if params.get("metadata"):
                message["metadata"] = params["metadata"]
            self.messages[(channel, ts)] = message
            public = {k: v for k, v in message.items() if k != "metadata"}
            return {"ok": True, "channel": channel, "ts": ts, "message": public}
        if method == "chat.update":
            key = (str(params.get("channel")), str(params.get("ts")))
            if key not in self.messages:
                return {"ok": False, "error": "message_not_found"}
            message = self.messages[key]
            message["text"] = params.get("text", "")
            message["blocks"] = params.get("blocks") or []
            return {"ok": True, "channel": key[0], "ts": key[1], "text": message["text"],
                    "message": {k: v for k, v in message.items() if k != "metadata"}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": self.dm_channel(str(params.get("users")))}}
        if method == "conversations.replies":
            key = (str(params.get("channel")), str(params.get("ts")))
            parent = self.messages.get(key)
            if parent is None:
                return {"ok": False, "error": "thread_not_found"}
            with_metadata = str(params.get("include_all_metadata")).lower() in ("1", "true")
            shown = {k: v for k, v in parent.items() if with_metadata or k != "metadata"}
            return {"ok": True, "messages": [shown], "has_more": False}
        if method == "files.getUploadURLExternal":
            if self.refuse_files:
                return {"ok": False, "error": "missing_scope", "needed": "files:write"}
            file_id = f"F{next(self._ts):06d}"
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.base}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = params.get("files") or []
            if not all(f.get("id") in self.uploads for f in files):
                return {"ok": False, "error": "file_not_found"}
            channel = str(params.get("channel_id") or "")
            shared = [{"id": f["id"], "title": f.get("title"), "channel": channel,
                       "initial_comment": params.get("initial_comment"),
                       "content": self.uploads[f["id"]]} for f in files]
            self.shared_files.setdefault(channel, []).extend(shared)
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")}
                                          for f in files]}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.base.replace("http", "ws", 1) + "/socket"}
        return {"ok": False, "error": "unknown_method"}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        self.uploads[file_id] = await request.read()
        await self._record("upload", {"file_id": file_id}, None)
        return web.Response(text=f"OK - {len(self.uploads[file_id])}")

    async def _response_url(self, request: web.Request) -> web.Response:
        params = await request.json()
        params["hook"] = request.match_info["hook"]
        await self._record("response_url", params, None)
        return web.json_response({"ok": True})

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async with self._changed:
            self.socket_connections += 1
            self._changed.notify_all()
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "connection_info": {"app_id": APP_ID}})

        async def send() -> None:
            while True:
                await ws.send_json(await self.to_socket.get())

        sender = asyncio.create_task(send())
        try:
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    async with self._changed:
                        self.socket_frames.append(json.loads(frame.data))
                        self._changed.notify_all()
        finally:
            sender.cancel()
            async with self._changed:
                self.socket_closed += 1
                self._changed.notify_all()
        return ws
