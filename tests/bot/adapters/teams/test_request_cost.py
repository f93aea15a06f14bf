"""What a request to /api/messages may cost before it is refused (issue 16, item 1).

With an app id configured the token is checked before the body is read, so a stranger's
megabyte of JSON is refused for the price of a header check; and what any request may cost
is bounded (size, JSON depth and number of values) before botbuilder builds an activity.
CPU is measured in this thread (the server runs on the test's own event loop), not wall time.
"""

from __future__ import annotations

import json
import time

import aiohttp
import pytest

from tests.bot.adapters.teams.conftest import ServedBot
from tests.bot.adapters.teams.test_auth import (  # noqa: F401 (fixtures)
    ATTACKER_KEY,
    ada_secured,
    openid_metadata,
    secured_bot,
    token,
)
from testsupport.teams_standin import ConnectorStandIn, TeamsClient

pytestmark = pytest.mark.slow  # megabyte bodies, CPU bounds

CPU_BOUND_SECONDS = 0.1


def big_activity(ada: TeamsClient, items: int = 500_000) -> bytes:
    activity = ada.message("hi")
    activity["value"] = [0] * items
    return json.dumps(activity, separators=(",", ":")).encode()


async def _post_raw(http: aiohttp.ClientSession, url: str, body: bytes,
                    headers: dict[str, str]) -> int:
    try:
        async with http.post(f"{url}/api/messages", data=body, headers={
                "Content-Type": "application/json", **headers}) as response:
            await response.read()
            return response.status
    except aiohttp.ClientOSError:
        # The server answered and closed before the whole body was sent: the client may see
        # the reset instead of the status. Only the cost matters then.
        return 401


@pytest.mark.parametrize("header", ["none", "not a jwt", "forged signature"])
async def test_an_unauthenticated_megabyte_costs_under_100ms_of_cpu(
        ada_secured: TeamsClient, connector: ConnectorStandIn,  # noqa: F811
        secured_bot: ServedBot,  # noqa: F811
        http: aiohttp.ClientSession, header: str) -> None:
    # Warm up: the channel's signing keys are fetched once, by a valid request.
    status, _ = await ada_secured.post(ada_secured.message("hi"), headers={
        "Authorization": f"Bearer {token(connector.url)}"})
    assert status == 200
    body = big_activity(ada_secured)
    assert len(body) >= 1_000_000
    headers = {"none": {}, "not a jwt": {"Authorization": "Bearer not-a-jwt"},
               "forged signature": {
                   "Authorization": f"Bearer {token(connector.url, key=ATTACKER_KEY)}"},
               }[header]

    started = time.thread_time()
    status = await _post_raw(http, secured_bot.url, body, headers)
    spent = time.thread_time() - started

    assert status == 401
    assert spent < CPU_BOUND_SECONDS, f"{spent * 1000:.0f} ms of CPU before the 401"


async def test_an_authenticated_activity_with_too_many_values_is_refused_cheaply(
        ada_secured: TeamsClient, connector: ConnectorStandIn,  # noqa: F811
        secured_bot: ServedBot,  # noqa: F811
        http: aiohttp.ClientSession) -> None:
    auth = {"Authorization": f"Bearer {token(connector.url)}"}
    body = big_activity(ada_secured, items=60_000)  # under the size limit, over the values one
    started = time.thread_time()
    status = await _post_raw(http, secured_bot.url, body, auth)
    spent = time.thread_time() - started
    assert status == 400
    assert spent < CPU_BOUND_SECONDS, f"{spent * 1000:.0f} ms of CPU before the 400"
    assert connector.calls == []


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"type": "message", "value": ' + b'{"a": ' * 5_000 + b"1" + b"}" * 5_001,
])
async def test_deeply_nested_json_is_a_400_in_emulator_mode(ada: TeamsClient,
                                                          body: bytes) -> None:
    status, text = await ada.post(body)
    assert status == 400
    assert "Traceback" not in text


async def test_an_oversized_body_is_a_413_in_emulator_mode(ada: TeamsClient) -> None:
    status, _ = await ada.post(big_activity(ada))
    assert status == 413


async def test_a_token_that_passed_the_precheck_is_still_bound_to_its_service_url(
        ada_secured: TeamsClient, connector: ConnectorStandIn,  # noqa: F811
        secured_bot: ServedBot) -> None:  # noqa: F811
    header = {"Authorization": f"Bearer {token(connector.url)}"}
    status, _ = await ada_secured.post(ada_secured.message("hi"), headers=header)
    assert status == 200
    replies = len(connector.calls)
    elsewhere = ada_secured.message("hi", serviceUrl="https://evil.example/")
    status, _ = await ada_secured.post(elsewhere, headers=header)
    assert status == 401
    assert len(connector.calls) == replies
