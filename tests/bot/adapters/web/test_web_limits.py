"""The web page's defences against anonymous abuse (issue 16 items 3 and 8), in-process:
new conversations per client address, forwarded headers believed only from trusted proxies,
and the cookie behind a TLS proxy (Secure, `__Host-` prefix, HSTS, a planted one replaced)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.adapters.web.session import COOKIE_NAME, SECURE_COOKIE_NAME
from bot.server import build_app
from bot.settings import Settings
from bot.store.memory import MemoryStore

MakeClient = Callable[..., Awaitable[TestClient]]


def _settings(**kw: object) -> Settings:
    return Settings(_env_file=None, web_cookie_secret="limits-secret",  # type: ignore[call-arg]
                    rate_limit_per_minute=0, **kw)


@pytest.fixture
async def make_client() -> AsyncIterator[MakeClient]:
    clients: list[TestClient] = []

    async def make(**kw: object) -> TestClient:
        client = TestClient(TestServer(build_app(_settings(**kw), store=MemoryStore())))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


async def _new_conversation(client: TestClient, headers: dict[str, str] | None = None) -> int:
    client.session.cookie_jar.clear()
    response = await client.post("/web/turn", json={"command": "start"}, headers=headers or {})
    return response.status


async def test_new_conversations_per_address_are_limited(make_client: MakeClient) -> None:
    client = await make_client(web_new_conversations_per_minute=3)
    assert [await _new_conversation(client) for _ in range(4)] == [200, 200, 200, 429]
    # Spoofed forwarding headers from an untrusted peer change nothing.
    assert await _new_conversation(client, {"X-Forwarded-For": "198.51.100.9"}) == 429


async def test_a_conversation_already_started_is_not_limited(make_client: MakeClient) -> None:
    client = await make_client(web_new_conversations_per_minute=1)
    first = await client.post("/web/turn", json={"command": "start"})
    assert first.status == 200
    for _ in range(3):  # the same browser, its cookie kept
        assert (await client.post("/web/turn", json={"command": "start"})).status == 200
    assert await _new_conversation(client) == 429


async def test_behind_a_trusted_proxy_each_forwarded_address_has_its_own_budget(
        make_client: MakeClient) -> None:
    client = await make_client(web_new_conversations_per_minute=2,
                               trusted_proxies="127.0.0.1, 10.0.0.0/8")
    ada = {"X-Forwarded-For": "203.0.113.5, 10.1.2.3"}  # a second trusted hop is skipped
    bob = {"X-Forwarded-For": "203.0.113.6"}
    forged = {"X-Forwarded-For": "192.0.2.1, 203.0.113.5"}  # ada's address, appended by us
    assert [await _new_conversation(client, ada) for _ in range(2)] == [200, 200]
    assert await _new_conversation(client, ada) == 429
    assert await _new_conversation(client, forged) == 429
    assert await _new_conversation(client, bob) == 200


async def test_zero_means_no_limit(make_client: MakeClient) -> None:
    client = await make_client(web_new_conversations_per_minute=0)
    assert {await _new_conversation(client) for _ in range(40)} == {200}


async def test_behind_a_tls_proxy_the_cookie_is_secure_host_prefixed_with_hsts(
        make_client: MakeClient) -> None:
    client = await make_client(trusted_proxies="127.0.0.1")
    tls = {"X-Forwarded-Proto": "https"}
    response = await client.post("/web/turn", json={"command": "start"}, headers=tls)
    assert response.status == 200
    cookie = response.cookies[SECURE_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"] and cookie["path"] == "/"
    assert not cookie["domain"]
    assert COOKIE_NAME not in response.cookies
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    page = await client.get("/", headers=tls)
    assert "Strict-Transport-Security" in page.headers


async def test_forwarded_proto_from_an_untrusted_peer_is_ignored(make_client: MakeClient) -> None:
    client = await make_client()
    response = await client.post("/web/turn", json={"command": "start"},
                                 headers={"X-Forwarded-Proto": "https"})
    assert COOKIE_NAME in response.cookies and not response.cookies[COOKIE_NAME]["secure"]
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("planted", ["planted-by-someone-else",
                                     "QUJD.0000000000000000000000000000000000000000000000000"])
async def test_a_planted_cookie_is_replaced(make_client: MakeClient, planted: str) -> None:
    client = await make_client(trusted_proxies="127.0.0.1")
    tls = {"X-Forwarded-Proto": "https"}
    # An invalid `__Host-` cookie, and a valid-looking plain one a sibling domain could set.
    response = await client.post("/web/turn", json={"command": "start"}, headers={
        **tls, "Cookie": f"{SECURE_COOKIE_NAME}={planted}; {COOKIE_NAME}={planted}"})
    assert response.status == 200
    assert response.cookies[SECURE_COOKIE_NAME].value not in ("", planted)


async def test_a_valid_plain_cookie_planted_over_http_is_not_used_over_tls(
        make_client: MakeClient) -> None:
    client = await make_client(trusted_proxies="127.0.0.1")
    plain = await client.post("/web/turn", json={"command": "start"})
    valid_plain = plain.cookies[COOKIE_NAME].value
    client.session.cookie_jar.clear()
    response = await client.post("/web/turn", json={"command": "start"}, headers={
        "X-Forwarded-Proto": "https", "Cookie": f"{COOKIE_NAME}={valid_plain}"})
    assert response.status == 200
    fresh = response.cookies[SECURE_COOKIE_NAME].value
    assert fresh and fresh != valid_plain
