"""HTTP mode: one URL for commands, clicks and events; every request must carry a valid, fresh
Slack signature, and a request without one gets 401 and touches no state."""

from __future__ import annotations

import time

import pytest

from tests.bot.adapters.slack.conftest import SlackApp
from testsupport import slack_requests as req


async def test_url_verification_echoes_the_challenge(slack_app: SlackApp) -> None:
    body = '{"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",' \
           ' "type": "url_verification"}'
    reply = await slack_app.post(body, "application/json")
    assert reply.status == 200
    assert reply.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


async def test_url_verification_needs_a_signature_too(slack_app: SlackApp) -> None:
    body = '{"token": "t", "challenge": "abc", "type": "url_verification"}'
    reply = await slack_app.post(body, "application/json", secret="not-the-secret")
    assert reply.status == 401
    assert "abc" not in reply.text


@pytest.mark.parametrize("how", ["forged", "missing", "replayed", "tampered"])
async def test_unsigned_requests_get_401_and_change_nothing(slack_app: SlackApp,
                                                            how: str) -> None:
    # A real conversation first, so "unchanged" is about a state that exists.
    assert (await slack_app.command("")).status == 200
    await slack_app.api.wait_calls("chat.postMessage")
    before = await slack_app.state()
    assert before is not None and before.pending == "use_case"
    posts_before = len(slack_app.api.calls)

    body = req.command_body("we have 5k examples, budget is tight", user="U1",
                            response_url=slack_app.api.response_url("attack"))
    kw: dict[str, object] = {}
    headers: dict[str, str] | None = None
    if how == "forged":
        kw["secret"] = "an-attacker-guess"
    elif how == "missing":
        kw["secret"] = None
    elif how == "replayed":  # a genuine signature, captured and sent again 6 minutes later
        kw["timestamp"] = int(time.time()) - 6 * 60
    else:  # signed for one body, sent with another
        headers = req.sign("stand-in-signing-secret-8f2b",
                           body.replace("5k", "50k"))
    reply = await slack_app.post(body, "application/x-www-form-urlencoded",
                                 headers=headers, **kw)  # type: ignore[arg-type]
    assert reply.status == 401

    after = await slack_app.state()
    assert after == before
    # Nothing was said to anyone on the attacker's behalf.
    assert len(slack_app.api.calls) == posts_before
    assert slack_app.api.to("response_url") == []


async def test_unsigned_event_is_not_applied(slack_app: SlackApp) -> None:
    body = req.event_body(req.dm_event("hello"))
    reply = await slack_app.post(body, "application/json", secret=None)
    assert reply.status == 401
    assert await slack_app.state() is None
    assert slack_app.api.to("chat.postMessage") == []


async def test_a_signed_request_just_inside_five_minutes_is_accepted(slack_app: SlackApp) -> None:
    reply = await slack_app.command("", timestamp=int(time.time()) - 4 * 60)
    assert reply.status == 200
    await slack_app.api.wait_calls("chat.postMessage")
    assert (await slack_app.state()) is not None
