"""The reply pipeline's token policy: the bot's token on every reply, fetched rarely."""

from __future__ import annotations

from typing import Any

import requests
from msrest.pipeline import Request
from msrest.universal_http import ClientRequest

from bot.adapters.teams.connector_http import BearerTokenPolicy


class CountingCredentials:
    def __init__(self) -> None:
        self.calls = 0

    def signed_session(self, session: requests.Session) -> requests.Session:
        self.calls += 1
        session.headers["Authorization"] = f"Bearer token-{self.calls}"
        return session


class Recorder:
    def __init__(self) -> None:
        self.headers: list[str | None] = []

    async def send(self, request: Request, **kwargs: Any) -> None:
        self.headers.append(request.http_request.headers.get("Authorization"))


def reply_request() -> Request:
    return Request(ClientRequest("POST", "http://127.0.0.1/v3/conversations/a/activities"))


async def test_the_token_header_is_reused_then_renewed(monkeypatch) -> None:
    credentials = CountingCredentials()
    policy = BearerTokenPolicy(credentials)
    recorder = Recorder()
    policy.next = recorder  # type: ignore[assignment]
    for _ in range(3):
        await policy.send(reply_request())
    assert recorder.headers == ["Bearer token-1"] * 3
    assert credentials.calls == 1
    monkeypatch.setattr(BearerTokenPolicy, "HEADER_REUSE_SECONDS", 0.0)
    policy = BearerTokenPolicy(credentials)
    policy.next = recorder  # type: ignore[assignment]
    await policy.send(reply_request())
    await policy.send(reply_request())
    assert recorder.headers[-2:] == ["Bearer token-2", "Bearer token-3"]
