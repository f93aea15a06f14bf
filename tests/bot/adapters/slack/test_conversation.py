"""Whole conversations in Slack: by clicks in the DM, by typing in the DM, and by free text on
the slash command."""

from __future__ import annotations

import asyncio
import json

from bot.adapters.slack.mrkdwn import escape
from bot.store.base import Saved
from bot.store.memory import MemoryStore
from knowledge import default_knowledge
from tests.bot.adapters.slack.conftest import MakeApp, SlackApp
from tests.bot.adapters.slack.flows import card_by_clicks
from testsupport import slack_requests as req
from testsupport.blockkit import (
    assert_valid_message,
    block_ids,
    button,
    buttons_of,
    question_id,
    texts_of,
)
from testsupport.click_path import CLICK_PATH
from testsupport.slack_standin import APP_ID, TEAM_ID

WELCOME = escape(default_knowledge().message("welcome"))


async def test_slash_command_acks_with_a_dm_link_and_asks_in_the_dm(slack_app: SlackApp) -> None:
    reply = await slack_app.command("", channel="C42")
    assert reply.status == 200
    ack = reply.json()
    assert ack["response_type"] == "ephemeral"
    assert f"app_redirect?app={APP_ID}&team={TEAM_ID}" in ack["text"]

    posted = (await slack_app.api.wait_calls("chat.postMessage"))[0]
    assert posted["channel"] == "U1"  # the app's DM with the person, no conversations.open
    assert_valid_message(posted)
    assert question_id(posted) == "use_case"
    assert "What will the model be used for?" in posted["text"]
    state = await slack_app.state()
    assert state is not None and state.surface == {"channel": "C42"}


async def test_a_whole_conversation_by_clicks_updates_one_message(slack_app: SlackApp) -> None:
    api = slack_app.api
    await slack_app.command("")
    first = (await api.wait_calls("chat.postMessage"))[0]
    channel = api.dm_channel("U1")
    ts = next(ts for (ch, ts), m in api.messages.items() if ch == channel)

    answered: list[str] = []
    for n, (slot, label) in enumerate(CLICK_PATH.items(), start=1):
        message = slack_app.message(channel, ts)
        assert question_id(message) == slot
        reply = await slack_app.click(message, channel, button(message, label))
        assert reply.status == 200 and reply.text == ""
        updates = await api.wait_calls("chat.update", n)
        update = updates[-1]
        assert (update["channel"], update["ts"]) == (channel, ts)
        assert_valid_message(update)
        # The answered question collapsed to one line, the earlier lines kept above it.
        record = next(b for b in update["blocks"] if b.get("block_id") == "answered")
        assert record["block_id"] == "answered"
        lines = record["text"]["text"].split("\n")
        assert lines[:-1] == answered
        assert lines[-1].startswith("✓ ") and label in lines[-1]
        answered = lines
        if n < len(CLICK_PATH):
            assert question_id(update) == list(CLICK_PATH)[n]
        # The welcome that came with the first question stays at the top of the record.
        assert texts_of(update).startswith(WELCOME[:60])
    # No question left in the message; the card follows as a message of its own.
    assert question_id(slack_app.message(channel, ts)) is None
    cards = await api.wait_for(lambda a: [m for m in a.to("chat.postMessage")
                                          if m["blocks"][0]["type"] == "header"])
    card = cards[0]
    assert card["channel"] == channel
    assert_valid_message(card)
    assert [b["text"]["text"] for b in buttons_of(card)] == [
        "Share in channel", "Explain", "Start over"]
    assert default_knowledge().surfaces.label("start_here_inline") in texts_of(card)
    # Only the first question was ever posted: the DM stayed one message plus the card.
    assert len(api.to("chat.postMessage")) == 2 and first["channel"] == "U1"
    state = await slack_app.state()
    assert state is not None and state.phase == "advised"
    assert state.slots.budget == "high" and state.slots.knowledge_updates == "often"


async def test_a_conversation_by_typing_in_the_dm(slack_app: SlackApp) -> None:
    api = slack_app.api
    typed = {None: "hi", "use_case": "customer service", "has_data": "yes",
             "examples": "about 5k", "priority": "consistency", "budget": "medium",
             "uniqueness": "specialized", "accuracy": "high", "timeline": "this week",
             "knowledge_updates": "rarely", "monthly_tokens": "20 million",
             "hardware": "a consumer GPU", "data_quality": "high",
             "explainability": "no"}
    pending: str | None = None
    for n in range(1, 16):
        reply = await slack_app.event(req.dm_event(typed[pending]))
        assert reply.status == 200
        await api.wait_calls("chat.postMessage", n)
        state = await slack_app.state()
        assert state is not None
        if state.phase == "advised":
            break
        assert state.pending != pending, f"{typed[pending]!r} was not taken for {pending}"
        pending = state.pending
    card = (await api.wait_for(lambda a: [m for m in a.to("chat.postMessage")
                                          if m["blocks"][0]["type"] == "header"]))[0]
    posts = api.to("chat.postMessage")
    for post in posts:
        assert post["channel"] == api.dm_channel("U1")
        assert_valid_message(post)
    state = await slack_app.state()
    assert state is not None and state.phase == "advised"
    assert state.slots.examples == 5000 and state.slots.budget == "medium"
    # Each typed answer collapsed the question message it answered, as a click would: the
    # record line there, and no button left to press by mistake.
    updates = api.to("chat.update")
    assert len(updates) == len(posts) - 1
    posted_ts = {ts for (_, ts) in api.messages}
    for update in updates:
        assert update["ts"] in posted_ts
        assert not [b for b in update["blocks"] if b["type"] == "actions"]
        assert any(t.startswith("✓ ") for t in texts_of(update).split("\n")), texts_of(update)
        assert_valid_message(update)
    assert any("✓ Examples: 5,000" in texts_of(u) for u in updates)
    assert "Fine-tuning" in texts_of(card) or "Fine-Tuning" in texts_of(card)


async def test_free_text_on_the_slash_command_replies_ephemerally(slack_app: SlackApp) -> None:
    api = slack_app.api
    reply = await slack_app.command("we have 2k examples, budget is tight", channel="C7")
    assert reply.status == 200
    responses = await api.wait_calls("response_url")
    for response in responses:
        assert response["response_type"] == "ephemeral"
        assert_valid_message(response)
    assert api.to("chat.postMessage") == []
    state = await slack_app.state()
    assert state is not None
    assert state.slots.examples == 2000 and state.slots.budget == "low"
    assert state.surface == {"channel": "C7"}
    # The answers it understood, shown to the person.
    shown = "\n".join(texts_of(r) for r in responses)
    assert "2,000" in shown and "Budget" in shown


async def test_a_click_on_an_ephemeral_question_replaces_it_via_response_url(
        slack_app: SlackApp) -> None:
    api = slack_app.api
    await slack_app.command("help me choose", channel="C7")
    await slack_app.command("customer service", channel="C7")
    responses = await api.wait_calls("response_url", 2)
    asked = next(r for r in reversed(responses) if question_id(r))
    slot = question_id(asked)
    clicked = buttons_of(asked)[0]
    message = {"ts": "1700009999.000001", **asked}
    await slack_app.click(message, "C7", clicked, ephemeral=True)
    replaced = await api.wait_for(lambda a: [r for r in a.to("response_url")
                                             if r.get("replace_original")])
    assert replaced[0]["blocks"][0]["block_id"] == "answered"
    assert_valid_message(replaced[0])
    assert api.to("chat.update") == []
    state = await slack_app.state()
    assert state is not None and getattr(state.slots, slot or "") is not None
    assert json.dumps(replaced[0])  # serialisable as Slack received it


class GatedStore(MemoryStore):
    """A store whose writes wait for the test to open the gate: a turn that takes its time."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def save(self, key: str, data: str, expected_version: int,
                   event_id: str | None = None, *, rate_limit: int = 0,
                   expected_token: str = "") -> Saved:
        await self.gate.wait()
        return await super().save(key, data, expected_version, event_id,
                                  rate_limit=rate_limit, expected_token=expected_token)


async def test_every_ack_comes_back_before_the_turn_is_done(make_slack_app: MakeApp) -> None:
    store = GatedStore()
    app = await make_slack_app(store)
    api = app.api
    replies = [
        await app.command(""),
        await app.command("we have 5k examples"),
        await app.event(req.dm_event("customer service")),
        await app.click({"ts": "1700000000.000001", "text": "q", "blocks": []}, "DU1",
                        {"type": "button", "action_id": "answer:0",
                         "value": "1|use_case|other", "text": {"type": "plain_text",
                                                               "text": "Something else"}}),
    ]
    assert [r.status for r in replies] == [200, 200, 200, 200]
    assert replies[0].json()["response_type"] == "ephemeral"
    # Every request was answered while no turn could save its state.
    assert [c.method for c in api.calls if c.method != "auth.test"] == []
    store.gate.set()
    await api.wait_calls("chat.postMessage", 2)
    await api.wait_calls("response_url", 1)


async def test_card_buttons_explain_start_over_and_topics(slack_app: SlackApp) -> None:
    api = slack_app.api
    card = await card_by_clicks(slack_app)
    dm = card["channel"]
    posts = len(api.to("chat.postMessage"))

    await slack_app.click(card, dm, button(card, "Explain"))
    explained = (await api.wait_calls("chat.postMessage", posts + 1))[-1]
    assert explained["channel"] == dm
    assert "Why Prompt Engineering" in texts_of(explained)
    assert_valid_message(explained)

    # Something the core cannot place: it offers topics as buttons; one is clicked.
    await slack_app.event(req.dm_event("zebra crossing"))
    offered = (await api.wait_calls("chat.postMessage", posts + 2))[-1]
    topics = [b for b in buttons_of(offered) if b["action_id"].startswith("topic:")]
    assert topics, "the unplaceable answer offers follow-up topics"
    offered_ts = next(ts for (ch, ts), m in api.messages.items()
                      if ch == dm and m["blocks"] == offered["blocks"])
    await slack_app.click(slack_app.message(dm, offered_ts), dm, topics[0])
    topic = (await api.wait_calls("chat.postMessage", posts + 3))[-1]
    assert_valid_message(topic)
    assert f"answer:{topics[0]['value']}" in block_ids(topic)
    posts += 2

    await slack_app.click(card, dm, button(card, "Start over"))
    restarted = (await api.wait_calls("chat.postMessage", posts + 2))[-1]
    assert question_id(restarted) == "use_case"
    state = await slack_app.state()
    assert state is not None and state.slots.answered() == {}
    assert state.phase == "asking"
