"""Slack's retries and people's double clicks are applied once; a click on an out-of-date card
gets a short notice and the current question, never a second answer."""

from __future__ import annotations

import asyncio
import copy

from tests.bot.adapters.slack.conftest import SlackApp
from testsupport import slack_requests as req
from testsupport.blockkit import assert_valid_message, button, question_id, texts_of


async def first_question(app: SlackApp) -> tuple[str, str, dict[str, object]]:
    await app.command("")
    dm = app.api.dm_channel("U1")
    await app.api.wait_for(lambda a: any(ch == dm for ch, _ in a.messages))
    ts = next(ts for (ch, ts) in app.api.messages if ch == dm)
    return dm, ts, copy.deepcopy(app.message(dm, ts))


async def test_the_same_click_delivered_twice_is_applied_once(slack_app: SlackApp) -> None:
    api = slack_app.api
    dm, ts, message = await first_question(slack_app)
    before = await slack_app.state()
    assert before is not None
    clicked = button(message, "Customer service")
    replies = await asyncio.gather(*(
        slack_app.click(message, dm, clicked, action_ts="1700100000.000042")
        for _ in range(2)))
    assert [r.status for r in replies] == [200, 200]
    await api.wait_calls("chat.update")
    # One more turn after it, so anything the duplicate would have said has been said.
    await slack_app.event(req.dm_event("help"))
    await api.wait_calls("chat.postMessage", 2)
    assert len(api.to("chat.update")) == 1
    assert api.to("response_url") == []
    after = await slack_app.state()
    assert after is not None and after.slots.use_case == "customer_service"
    assert after.version == before.version + 2  # the click and the "help", nothing else


async def test_a_double_click_that_loses_the_race_gets_a_notice(slack_app: SlackApp) -> None:
    api = slack_app.api
    dm, ts, message = await first_question(slack_app)
    # Two different clicks on the same card, nearly at once: two payloads, two action_ts.
    await asyncio.gather(
        slack_app.click(message, dm, button(message, "Customer service")),
        slack_app.click(message, dm, button(message, "Code generation")))
    told = await api.wait_calls("response_url")
    await api.wait_calls("chat.update")
    assert len(api.to("chat.update")) == 1
    state = await slack_app.state()
    assert state is not None and state.pending == "has_data"
    winner = state.slots.use_case
    assert winner in ("customer_service", "code_generation")
    # The loser is told, privately, and shown the current question.
    assert told[0]["response_type"] == "ephemeral" and not told[0]["replace_original"]
    assert_valid_message(told[0])
    assert question_id(told[0]) == "has_data"


async def test_a_click_on_an_old_card_changes_nothing(slack_app: SlackApp) -> None:
    api = slack_app.api
    dm, ts, old = await first_question(slack_app)
    await slack_app.click(old, dm, button(old, "Customer service"))
    await api.wait_calls("chat.update")
    current = copy.deepcopy(slack_app.message(dm, ts))
    await slack_app.click(current, dm, button(current, "Yes"))
    await api.wait_calls("chat.update", 2)
    before = await slack_app.state()
    assert before is not None and before.pending == "examples"

    # The first card, as it was before the clicks (say, in a notification), clicked again.
    await slack_app.click(old, dm, button(old, "Document analysis"))
    told = await api.wait_calls("response_url")
    assert told[0]["response_type"] == "ephemeral"
    assert question_id(told[0]) == "examples"
    assert "How many examples" in texts_of(told[0])
    assert len(api.to("chat.update")) == 2  # the DM's message was not redrawn
    after = await slack_app.state()
    assert after is not None
    # The runner may record the click's id (a new version); the answers are untouched.
    assert after.model_dump(exclude={"version"}) == before.model_dump(exclude={"version"})


async def test_a_retried_event_is_applied_once(slack_app: SlackApp) -> None:
    api = slack_app.api
    await slack_app.event(req.dm_event("hello"), event_id="Ev0RETRY")
    await api.wait_calls("chat.postMessage")
    first = await slack_app.state()
    assert first is not None and first.pending == "use_case"

    event = req.dm_event("customer service")
    original = await slack_app.event(event, event_id="Ev0ANSWER")
    retried = await slack_app.event(event, event_id="Ev0ANSWER", retry=1)
    again = await slack_app.event(event, event_id="Ev0ANSWER", retry=2)
    assert [r.status for r in (original, retried, again)] == [200, 200, 200]
    await api.wait_calls("chat.postMessage", 2)
    await slack_app.event(req.dm_event("help"), event_id="Ev0LAST")
    await api.wait_calls("chat.postMessage", 3)
    assert len(api.to("chat.postMessage")) == 3
    state = await slack_app.state()
    assert state is not None and state.slots.use_case == "customer_service"
    assert state.version == first.version + 2
