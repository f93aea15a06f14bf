"""End to end over HTTP on loopback: activities to /api/messages, replies to the stand-in.

The bot runs in emulator mode (no app id) on a MemoryStore with the real dialog core; every
card it sends is checked against the Adaptive Card 1.5 schema by the `connector` fixture.
"""

from __future__ import annotations

import json

import pytest

from dialogs.state import ConversationState
from knowledge import default_knowledge
from tests.bot.adapters.teams.conftest import ServedBot
from testsupport.teams_standin import (
    BOT,
    Call,
    ConnectorStandIn,
    TeamsClient,
    card_texts,
    choice_actions,
    submit_actions,
)

KB = default_knowledge()
ADA_KEY = "teams:72f988bf-0000-0000-0000-00000000c0de:6f1d3a2c-0b1e-4c7a-9e8f-1a2b3c4d5e6f"
# The answers the conversations give: a clear fine-tuning case.
ANSWERS = {"use_case": "customer_service", "has_data": "yes", "priority": "consistency",
           "budget": "medium", "uniqueness": "specialized", "accuracy": "high",
           "timeline": "week", "knowledge_updates": "rarely", "hardware": "consumer_gpu",
           "data_quality": "high", "explainability": "no"}
TYPED_NUMBERS = {"examples": "5000", "monthly_tokens": "20 million"}


def label(slot: str, value: str) -> str:
    choice = KB.choice(slot, value)
    assert choice is not None
    return choice.label


def question_id(card: dict) -> str | None:
    """The slot a question card asks, from its buttons or its text."""
    actions = choice_actions(card)
    if actions:
        return actions[0]["data"]["question_id"]
    texts = card_texts(card)
    for slot, info in KB.questions.items():
        if info.text in texts:
            return slot
    return None


def title(card: dict) -> str:
    """A card's title: its large text (the notices riding above it are smaller)."""
    (text,) = [b["text"] for b in card["body"] if b.get("size") == "Large"]
    return str(text)


def is_recommendation(card: dict) -> bool:
    return [a["title"] for a in submit_actions(card)] == ["Explain", "Start over"]


async def stored(bot: ServedBot, key: str = ADA_KEY) -> ConversationState | None:
    data = await bot.state(key)
    return ConversationState.model_validate_json(data) if data else None


# --- welcome ----------------------------------------------------------------------------------

async def test_the_bot_added_to_a_chat_says_welcome_with_a_start_button(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    status = await ada.send(ada.activity("conversationUpdate", membersAdded=[dict(BOT)]))

    assert status == 200
    (call,) = connector.calls
    assert call.method == "POST" and call.conversation_id == ada.conversation_id
    assert KB.message("greeting") in card_texts(call.card)
    start = [a for a in submit_actions(call.card) if a["title"] == "Start"]
    assert start and start[0]["data"] == {"command": "start"}
    assert call.body["summary"]  # the notification line for clients without cards
    assert await stored(bot) is None  # a welcome is not a turn


async def test_the_welcome_is_said_once_when_the_person_then_types_hi(
        ada: TeamsClient, connector: ConnectorStandIn) -> None:
    await ada.send(ada.activity("conversationUpdate", membersAdded=[dict(BOT)]))
    await ada.send(ada.message("hi"))
    texts = [t for call in connector.calls for t in card_texts(call.card)]
    welcome = KB.message("welcome")
    assert sum(welcome in t for t in texts) == 1
    assert question_id(connector.calls[-1].card) == "use_case"


async def test_a_colleague_joining_a_team_gets_no_welcome_in_the_channel(
        ada: TeamsClient, connector: ConnectorStandIn) -> None:
    ada.conversation_type = "channel"
    ada.conversation_id = "19:general@thread.tacv2"
    joined = ada.activity("conversationUpdate", membersAdded=[{"id": "29:new-colleague"}])

    assert await ada.send(joined) == 200
    assert connector.calls == []


async def test_start_turns_the_welcome_card_into_the_first_question(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    await ada.send(ada.activity("conversationUpdate", membersAdded=[dict(BOT)]))
    (welcome,) = connector.calls

    await ada.send(ada.submit({"command": "start"}, welcome.resource_id))

    (update,) = connector.since(1)
    assert update.method == "PUT" and update.activity_id == welcome.resource_id
    assert question_id(update.card) == "use_case"
    assert [a["title"] for a in choice_actions(update.card)] == [
        c.label for c in KB.questions["use_case"].choices]


# --- whole conversations ----------------------------------------------------------------------

async def _answer_by_cards(ada: TeamsClient, connector: ConnectorStandIn) -> Call:
    """Answer every question with its card's button (typing only counts), to the end."""
    await ada.send(ada.message("hi"))
    (current,) = connector.calls
    for _ in range(20):
        if is_recommendation(current.card):
            return current
        slot = question_id(current.card)
        assert slot is not None, card_texts(current.card)
        mark = len(connector.calls)
        if slot in TYPED_NUMBERS:
            assert choice_actions(current.card) == []
            assert await ada.send(ada.message(TYPED_NUMBERS[slot])) == 200
            # Typed, the answer still collapses its question card (no button left on it).
            typed_to = current
            update, current = connector.since(mark)
            assert (update.method, update.activity_id) == ("PUT", typed_to.resource_id)
            assert card_texts(update.card)[0].startswith(f"✓ {KB.questions[slot].short_label}")
            assert submit_actions(update.card) == []
            continue
        (button,) = [a for a in choice_actions(current.card)
                     if a["data"]["value"] == ANSWERS[slot]]
        assert await ada.send(ada.submit(button["data"], current.resource_id)) == 200

        pressed = current
        update, current = connector.since(mark)
        # The pressed card collapses in place to one line, and the next card follows.
        assert (update.method, update.activity_id) == ("PUT", pressed.resource_id)
        assert card_texts(update.card) == [
            f"✓ {KB.questions[slot].short_label}: {label(slot, ANSWERS[slot])}"]
        assert submit_actions(update.card) == []
        assert current.method == "POST"
    raise AssertionError("no recommendation after 20 turns")


async def test_a_whole_conversation_by_card_buttons_updates_each_card_in_place(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    recommendation = await _answer_by_cards(ada, connector)

    # Every PUT updated a card the bot had posted, and each card was updated once at most.
    posted = {c.resource_id for c in connector.calls if c.method == "POST"}
    puts = [c.activity_id for c in connector.calls if c.method == "PUT"]
    assert puts and set(puts) <= posted and len(puts) == len(set(puts))
    assert len(puts) >= 6  # the core questions with buttons

    texts = card_texts(recommendation.card)
    assert title(recommendation.card).startswith("Fine-Tuning")
    assert "Approach: Fine-Tuning" in texts
    assert f"Training: {KB.costs['fine_tuning'].training}" in [
        t.replace("\\", "") for t in texts]
    assert sum(t.endswith(KB.surfaces.label("start_here")) for t in texts) == 1
    assert recommendation.card["fallbackText"].startswith("Fine-Tuning")

    state = await stored(bot)
    assert state is not None and state.phase == "advised"
    assert state.slots.examples == 5000
    for slot in ("use_case", "has_data", "priority", "budget", "uniqueness"):
        assert getattr(state.slots, slot) == ANSWERS[slot]
    # Rule 9: with four answers for fine-tuning, accuracy can no longer change the card, so
    # it is not asked (the timeline still can: a deadline of today starts with a prompt).
    assert state.slots.accuracy is None and state.slots.timeline == ANSWERS["timeline"]


async def test_a_whole_conversation_by_typing(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    await ada.send(ada.message(
        "customer service bot, we have about 5k labelled tickets, consistency matters most, "
        "medium budget, specialized task, high accuracy, need it this week"))
    for _ in range(10):
        current = connector.calls[-1]
        if is_recommendation(current.card):
            break
        slot = question_id(current.card)
        assert slot is not None
        answer = TYPED_NUMBERS.get(slot) or label(slot, ANSWERS[slot])
        assert await ada.send(ada.message(answer)) == 200
    else:
        raise AssertionError("no recommendation")

    # Typing an answer collapses the question card it answered, as pressing a button does.
    posted = {c.resource_id for c in connector.calls if c.method == "POST"}
    puts = [c for c in connector.calls if c.method == "PUT"]
    assert puts and {c.activity_id for c in puts} <= posted
    assert all(submit_actions(c.card) == [] and card_texts(c.card)[0].startswith("✓ ")
               for c in puts)
    assert title(connector.calls[-1].card).startswith("Fine-Tuning")
    state = await stored(bot)
    assert state is not None and state.slots.budget == "medium"
    assert state.slots.examples == 5000


async def test_follow_ups_after_the_recommendation(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    await _answer_by_cards(ada, connector)

    mark = len(connector.calls)
    assert await ada.send(ada.message("what about QLoRA?")) == 200
    (answer,) = connector.since(mark)
    texts = card_texts(answer.card)
    assert texts[0] == KB.topics["qlora"].title
    assert any("QLoRA" in t for t in texts[1:])
    topics = [a["data"] for a in submit_actions(answer.card)]
    assert topics and all(d["command"] == "topic" for d in topics)

    # A suggested topic button answers that topic.
    mark = len(connector.calls)
    await ada.send(ada.submit(topics[0], answer.resource_id))
    (follow,) = connector.since(mark)
    assert card_texts(follow.card)[0] == KB.topics[topics[0]["value"]].title

    # A change of answer after the advice is applied and acknowledged.
    mark = len(connector.calls)
    await ada.send(ada.message("actually our budget is high"))
    assert connector.since(mark)
    state = await stored(bot)
    assert state is not None and state.slots.budget == "high"


async def test_explain_and_start_over_buttons_on_the_recommendation(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    recommendation = await _answer_by_cards(ada, connector)
    explain, start_over = submit_actions(recommendation.card)

    mark = len(connector.calls)
    await ada.send(ada.submit(explain["data"], recommendation.resource_id))
    (why,) = connector.since(mark)
    assert why.method == "POST"  # the recommendation card stays as it was
    assert len(card_texts(why.card)) > 2

    mark = len(connector.calls)
    await ada.send(ada.submit(start_over["data"], recommendation.resource_id))
    (fresh,) = connector.since(mark)
    assert KB.message("restarted_undo") in card_texts(fresh.card)
    assert question_id(fresh.card) == "use_case"
    state = await stored(bot)
    assert state is not None and state.slots.answered() == {}


# --- channels ---------------------------------------------------------------------------------

async def test_in_a_channel_the_bot_answers_only_when_mentioned_in_the_reply_chain(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    ada.conversation_type = "channel"
    ada.conversation_id = "19:general@thread.tacv2;messageid=1733"

    assert await ada.send(ada.message("customer service is busy today")) == 200
    assert connector.calls == []
    assert await stored(bot) is None  # chatter not addressed to the bot is not a turn

    mention = ada.mention("customer service")
    assert await ada.send(mention) == 200
    (reply,) = connector.calls
    # Into the thread of the post that mentioned the bot.
    assert reply.conversation_id == "19:general@thread.tacv2;messageid=1733"
    assert reply.activity_id == mention["id"]
    assert "Use case: Customer service" in card_texts(reply.card)  # the mention was removed
    assert question_id(reply.card) == "has_data"

    # One conversation per person per tenant: the 1:1 chat continues where the channel was.
    ada.conversation_type, ada.conversation_id = "personal", "a:personal-chat-1"
    mark = len(connector.calls)
    await ada.send(ada.message("hi"))
    (resumed,) = connector.since(mark)
    assert question_id(resumed.card) == "has_data"


async def test_a_button_in_a_channel_needs_no_mention(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    ada.conversation_type = "channel"
    ada.conversation_id = "19:general@thread.tacv2;messageid=2001"
    await ada.send(ada.mention("hi"))
    (question,) = connector.calls
    button = choice_actions(question.card)[0]

    await ada.send(ada.submit(button["data"], question.resource_id))

    update, _next = connector.since(1)
    assert update.method == "PUT" and update.activity_id == question.resource_id
    state = await stored(bot)
    assert state is not None and state.slots.use_case == button["data"]["value"]


# --- delivery faults --------------------------------------------------------------------------

async def test_a_redelivered_activity_is_applied_and_answered_once(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    await ada.send(ada.message("hi"))
    (question,) = connector.calls
    button = choice_actions(question.card)[0]
    press = ada.submit(button["data"], question.resource_id)

    assert await ada.send(press) == 200
    after_first = len(connector.calls)
    state = await stored(bot)

    assert await ada.send(press) == 200  # the channel retried: same activity id
    assert len(connector.calls) == after_first
    assert await stored(bot) == state

    typed = ada.message("5000")
    await ada.send(typed)
    after_typed = len(connector.calls)
    await ada.send(typed)
    assert len(connector.calls) == after_typed


async def test_an_oversized_activity_id_still_dedups(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    message = ada.message("hi", id="x" * 1000)
    assert await ada.send(message) == 200
    assert await ada.send(message) == 200
    assert len(connector.calls) == 1


async def test_a_stale_card_gets_a_notice_and_the_current_question(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    await ada.send(ada.message("hi"))
    (first,) = connector.calls
    buttons = choice_actions(first.card)
    await ada.send(ada.submit(buttons[0]["data"], first.resource_id))
    _collapsed, second = connector.since(1)
    state = await stored(bot)

    # The first card, still on screen in another client, is pressed again with another value.
    mark = len(connector.calls)
    await ada.send(ada.submit(buttons[1]["data"], first.resource_id))

    (notice,) = connector.since(mark)
    assert notice.method == "POST"  # the stale card is left alone
    assert KB.message("stale_card") in card_texts(notice.card)
    assert question_id(notice.card) == question_id(second.card)
    after = await stored(bot)
    assert after is not None and state is not None
    assert after.slots == state.slots


async def test_store_down_gives_a_friendly_reply_and_a_success_status(
        http, connector: ConnectorStandIn, serve_bot, closed_port: int) -> None:
    from bot.store.redis_store import RedisStore

    store = RedisStore(f"redis://127.0.0.1:{closed_port}/0", timeout_seconds=0.5)
    served = await serve_bot(store=store)
    ada = TeamsClient(http, served.url, connector.url)
    try:
        assert await ada.send(ada.message("hi")) == 200
        press = ada.submit({"question_id": "use_case", "value": "other", "state_version": 1},
                           "bot-activity-1")
        assert await ada.send(press) == 200
    finally:
        await store.close()

    assert [c.method for c in connector.calls] == ["POST", "POST"]  # no card updated
    for call in connector.calls:
        (block,) = call.card["body"]
        assert block["color"] == "Attention"
        assert block["text"].replace("\\", "") == KB.message("store_down")


async def test_a_connector_that_refuses_replies_is_still_a_success_for_the_channel(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    connector.fail_with = 403  # e.g. the bot was removed from the conversation
    assert await ada.send(ada.message("hi")) == 200
    # The turn's reply and the turn-error notice were both tried.
    assert len(connector.calls) == 2


# --- malformed input --------------------------------------------------------------------------

async def test_malformed_bodies_are_client_errors_and_touch_nothing(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    good = ada.message("hi")
    cases: list[tuple[object, int]] = [
        (b"{not json", 400),
        (b"", 400),
        (b"\xff\xfe", 400),
        (json.dumps([good]), 400),
        (json.dumps("message"), 400),
        (json.dumps({**good, "type": None}), 400),
        (json.dumps({**good, "type": 7}), 400),
        (json.dumps({k: v for k, v in good.items() if k != "conversation"}), 400),
        (json.dumps({**good, "conversation": "not-an-object"}), 400),
        (json.dumps({**good, "serviceUrl": "file:///etc/passwd"}), 400),
        (json.dumps({k: v for k, v in good.items() if k != "serviceUrl"}), 400),
    ]
    for body, expected in cases:
        status, _ = await ada.post(body)  # type: ignore[arg-type]
        assert status == expected, body

    status, _ = await ada.post(json.dumps(good), headers={"Content-Type": "text/plain"})
    assert status == 415
    assert connector.calls == []
    assert await stored(bot) is None


async def test_unknown_activity_types_are_acknowledged_without_a_reply(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    for activity in (
        ada.activity("somethingNewFromTeams", value={"x": 1}),
        ada.activity("messageReaction", reactionsAdded=[{"type": "like"}]),
        ada.activity("typing"),
        ada.activity("installationUpdate", action="add"),
        ada.activity("event", name="application/vnd.microsoft.meetingStart"),
    ):
        status, _ = await ada.post(activity)
        assert status == 200, activity["type"]

    status, body = await ada.post(ada.activity("invoke", name="composeExtension/query"))
    assert status == 200

    assert connector.calls == []
    assert await stored(bot) is None


async def test_tampered_button_data_gets_help_and_changes_nothing(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    await ada.send(ada.message("hi"))
    state = await stored(bot)
    for data in ({"question_id": 5, "value": "x"}, {"command": "rm -rf"}, {"unexpected": 1},
                 "a string", {"question_id": "budget", "value": "infinite",
                              "state_version": 1}):
        assert await ada.send(ada.submit(data, "bot-activity-1")) == 200
    after = await stored(bot)
    assert after is not None and state is not None and after.slots == state.slots
    # No pressed card was collapsed: nothing was accepted.
    assert all(c.method == "POST" for c in connector.calls)


async def test_outgoing_calls_reuse_one_connection_across_turns(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    for text in ("hi", "customer service", "yes", "5000"):
        await ada.send(ada.message(text))
    # Stock CloudAdapter opens a new client (and connection) per turn; ours keeps one.
    assert len(connector.calls) >= 4
    assert len({c.peer_port for c in connector.calls}) == 1


@pytest.mark.slow
async def test_a_connector_hiccup_is_retried_and_the_reply_arrives(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    connector.fail_next = [503, 429]
    assert await ada.send(ada.message("hi")) == 200
    # Two refusals, then the same reply accepted: three deliveries of one activity.
    assert len(connector.calls) == 3
    assert connector.calls[0].body == connector.calls[1].body == connector.calls[2].body


async def test_emulator_mode_answers_only_a_local_service_url(
        ada: TeamsClient, connector: ConnectorStandIn, bot: ServedBot) -> None:
    # No app id: nobody is authenticated, so a stranger must not make the bot post elsewhere.
    for service_url in ("https://attacker.example/", "http://10.0.0.5:8080/",
                        "http://169.254.169.254/"):
        status, _ = await ada.post(ada.message("hi", serviceUrl=service_url))
        assert status == 403, service_url
    assert connector.calls == []
    assert await stored(bot) is None
    status, _ = await ada.post(ada.message("hi"))  # the local emulator (the stand-in)
    assert status == 200
