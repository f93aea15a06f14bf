"""Issue 14 in Slack, end to end over the stand-in: a question's Back and "Just tell me now"
buttons, and an answered question left with no button to press by mistake (a click redraws it
in place; a typed answer collapses it with chat.update too)."""

from __future__ import annotations

from knowledge import default_knowledge
from tests.bot.adapters.slack.conftest import SlackApp
from testsupport import slack_requests as req
from testsupport.blockkit import assert_valid_message, button, is_card, question_id, texts_of

KB = default_knowledge()
NOW = KB.message("action_now")
BACK = KB.message("action_back")


def _actions(message: dict) -> list[dict]:
    return [b for b in message["blocks"] if b["type"] == "actions"]


async def _first_question(app: SlackApp) -> tuple[str, str]:
    api = app.api
    await app.command("")
    await api.wait_calls("chat.postMessage")
    channel = api.dm_channel("U1")
    ts = next(ts for (ch, ts) in api.messages if ch == channel)
    return channel, ts


async def test_just_tell_me_now_collapses_the_question_and_posts_the_card(
        slack_app: SlackApp) -> None:
    api = slack_app.api
    channel, ts = await _first_question(slack_app)
    message = slack_app.message(channel, ts)
    await slack_app.click(message, channel, button(message, "Document analysis"))
    await api.wait_calls("chat.update", 1)
    message = slack_app.message(channel, ts)
    assert question_id(message) == "has_data"
    await slack_app.click(message, channel, button(message, NOW))

    update = (await api.wait_calls("chat.update", 2))[-1]
    assert update["ts"] == ts and _actions(update) == []
    assert f"✓ {NOW}" in texts_of(update)
    assert_valid_message(update)
    card = await api.wait_for(lambda a: next(
        (m for m in a.to("chat.postMessage") if is_card(m)), None))
    text = texts_of(card)
    assert "Not asked" in text
    assert KB.message("not_asked_assumed", label=KB.question("has_data").short_label) in text


async def test_back_undoes_the_last_answer_and_asks_it_again(slack_app: SlackApp) -> None:
    api = slack_app.api
    channel, ts = await _first_question(slack_app)
    message = slack_app.message(channel, ts)
    await slack_app.click(message, channel, button(message, "Customer service"))
    await api.wait_calls("chat.update", 1)
    message = slack_app.message(channel, ts)
    assert question_id(message) == "has_data"
    await slack_app.click(message, channel, button(message, BACK))

    update = (await api.wait_calls("chat.update", 2))[-1]
    assert update["ts"] == ts and _actions(update) == []
    posts = await api.wait_calls("chat.postMessage", 2)
    assert question_id(posts[-1]) == "use_case"
    assert KB.message("undone") in texts_of(posts[-1])
    state = await slack_app.state()
    assert state is not None and state.slots.use_case is None and state.pending == "use_case"


async def test_a_typed_answer_collapses_the_question_a_click_would_have(
        slack_app: SlackApp) -> None:
    api = slack_app.api
    channel, ts = await _first_question(slack_app)
    message = slack_app.message(channel, ts)
    await slack_app.click(message, channel, button(message, "Customer service"))
    await api.wait_calls("chat.update", 1)
    assert question_id(slack_app.message(channel, ts)) == "has_data"

    await slack_app.event(req.dm_event("yes"))
    update = (await api.wait_calls("chat.update", 2))[-1]
    assert update["ts"] == ts and _actions(update) == []
    assert "✓ Training data: Yes" in texts_of(update)
    assert "✓ Use case: Customer service" in texts_of(update)
    posted = (await api.wait_calls("chat.postMessage", 2))[-1]
    assert question_id(posted) == "examples"
    assert "✓ Training data" not in texts_of(posted)  # said once, where it was asked
