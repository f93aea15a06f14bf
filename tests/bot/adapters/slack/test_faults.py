"""The state store down: the person gets a friendly "try again in a minute", Slack gets its
200 (so no retry storm), and nothing half-done is shown."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest

from bot.metrics import default_metrics
from bot.store.redis_store import RedisStore
from knowledge import default_knowledge
from tests.bot.adapters.slack.conftest import MakeApp, SlackApp
from tests.bot.adapters.slack.flows import question_id
from testsupport import slack_requests as req
from testsupport.blockkit import assert_valid_message, button, texts_of
from testsupport.ports import free_port
from testsupport.redis_server import RedisServer

STORE_DOWN = default_knowledge().message("store_down")


@pytest.fixture
async def down_app(make_slack_app: MakeApp) -> AsyncIterator[SlackApp]:
    # Nothing listens on this port: every store call fails fast with a connection error.
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", timeout_seconds=0.5)
    yield await make_slack_app(store)
    await store.close()


def friendly(message: dict[str, object]) -> bool:
    return STORE_DOWN[:40] in texts_of(message)  # type: ignore[arg-type]


async def test_slash_command_with_the_store_down(down_app: SlackApp) -> None:
    api = down_app.api
    reply = await down_app.command("")
    assert reply.status == 200
    assert reply.json()["response_type"] == "ephemeral"
    posted = (await api.wait_calls("chat.postMessage"))[0]
    assert posted["channel"] == "U1"
    assert friendly(posted)
    assert_valid_message(posted)

    reply = await down_app.command("we have 5k examples")
    assert reply.status == 200
    told = (await api.wait_calls("response_url"))[0]
    assert friendly(told) and told["response_type"] == "ephemeral"


async def test_dm_and_mention_with_the_store_down(down_app: SlackApp) -> None:
    api = down_app.api
    assert (await down_app.event(req.dm_event("customer service"))).status == 200
    assert (await down_app.event(req.mention_event("what is RAG?", user="U2",
                                                   channel="C9"))).status == 200
    posts = await api.wait_calls("chat.postMessage", 2)
    assert all(friendly(p) for p in posts)


async def test_a_click_while_redis_is_down_then_back(make_slack_app: MakeApp,
                                                     own_redis: RedisServer) -> None:
    store = RedisStore(own_redis.url, timeout_seconds=0.5)
    app = await make_slack_app(store)
    api = app.api
    try:
        await app.command("")
        dm = api.dm_channel("U1")
        await api.wait_for(lambda a: any(ch == dm for ch, _ in a.messages))
        ts = next(ts for (ch, ts) in api.messages if ch == dm)
        message = app.message(dm, ts)

        own_redis.stop()
        reply = await app.click(message, dm, button(message, "Customer service"))
        assert reply.status == 200
        told = (await api.wait_calls("response_url"))[0]
        assert friendly(told) and told["response_type"] == "ephemeral"
        assert api.to("chat.update") == []  # the question stays, ready to click again

        own_redis.start()  # back, empty (it keeps nothing on disk): the next turn works
        await app.command("")
        posted = (await api.wait_calls("chat.postMessage", 2))[-1]
        assert question_id(posted) == "use_case" and not friendly(posted)
        state = await app.state()
        assert state is not None and state.pending == "use_case"
    finally:
        await store.close()


async def test_a_listener_fault_is_a_400_one_log_line_and_a_metric(
        slack_app: SlackApp, captured_logs: io.StringIO) -> None:
    # Signed, but without the user id every command carries: the listener fails on it.
    def faults() -> float:
        return default_metrics().registry.get_sample_value(
            "adapter_errors_total", {"platform": "slack"}) or 0.0

    before = faults()
    body = urlencode({"command": "/which-approach", "text": "private words", "team_id": "T1"})
    reply = await slack_app.post(body, "application/x-www-form-urlencoded")
    assert reply.status == 400
    assert faults() == before + 1
    records = [json.loads(line) for line in captured_logs.getvalue().splitlines()]
    (fault,) = [r for r in records if r["level"] == "error"]
    assert fault["error"] == "KeyError" and "listeners/commands.py" in fault["trace"]
    assert "private words" not in captured_logs.getvalue()
