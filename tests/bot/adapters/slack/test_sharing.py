"""Share in channel, follow-ups in a shared card's thread, and @mentions in channels."""

from __future__ import annotations

from tests.bot.adapters.slack.conftest import SlackApp
from tests.bot.adapters.slack.flows import card_by_clicks, is_card
from testsupport import slack_requests as req
from testsupport.blockkit import assert_valid_message, button, buttons_of, texts_of
from testsupport.slack_standin import BOT_USER_ID


async def share(app: SlackApp, card: dict[str, object], user: str = "U1") -> None:
    await app.click(card, str(card["channel"]), button(card, "Share in channel"), user=user)


async def test_share_posts_the_card_in_the_commands_channel(slack_app: SlackApp) -> None:
    api = slack_app.api
    card = await card_by_clicks(slack_app, channel="C42")
    await share(slack_app, card)
    shared = (await api.wait_for(lambda a: [m for m in a.to("chat.postMessage")
                                            if m["channel"] == "C42"]))[0]
    assert_valid_message(shared)
    assert is_card(shared)
    assert "Shared by <@U1>" in texts_of(shared)
    assert buttons_of(shared) == []  # the channel copy does not act on U1's conversation
    state = await slack_app.state()
    assert state is not None
    assert shared["metadata"]["event_type"] == "which_approach_card"
    assert shared["metadata"]["event_payload"]["answers"] == state.slots.answered()
    told = await api.wait_calls("response_url")
    assert "Shared in <#C42>" in texts_of(told[-1])
    assert told[-1]["response_type"] == "ephemeral"


async def test_share_to_a_channel_the_app_is_not_in_says_how_to_fix_it(
        slack_app: SlackApp) -> None:
    api = slack_app.api
    api.not_in_channel.add("C42")
    card = await card_by_clicks(slack_app, channel="C42")
    await share(slack_app, card)
    told = await api.wait_calls("response_url")
    assert "/invite @which-approach" in texts_of(told[-1])


async def test_share_without_a_channel_asks_for_the_command_there(slack_app: SlackApp) -> None:
    api = slack_app.api
    card = await card_by_clicks(slack_app, channel="C42")
    # A conversation that never saw a slash command: its card has nowhere to go.
    state = await slack_app.state()
    assert state is not None
    state.surface = {}
    loaded = await slack_app.store.load("slack:T0TEAM:U1")
    saved = await slack_app.store.save("slack:T0TEAM:U1", state.dump(), loaded.version,
                                       expected_token=loaded.token)
    assert saved.outcome == "ok"
    await share(slack_app, card)
    told = await api.wait_calls("response_url")
    assert "type /which-approach in that channel" in texts_of(told[-1])
    assert [m for m in api.to("chat.postMessage") if m["channel"] == "C42"] == []


async def test_a_reply_in_a_shared_cards_thread_is_answered_there_in_its_context(
        slack_app: SlackApp) -> None:
    api = slack_app.api
    card = await card_by_clicks(slack_app, channel="C42")
    await share(slack_app, card)
    shared_ts = await api.wait_for(lambda a: next(
        (ts for (ch, ts), m in a.messages.items() if ch == "C42" and is_card(m)), None))
    owner_before = await slack_app.state("U1")

    # A teammate, who never talked to the bot, asks under the card.
    reply = await slack_app.event(req.channel_message(
        "why?", user="U2", channel="C42", thread_ts=shared_ts,
        parent_user_id=BOT_USER_ID))
    assert reply.status == 200
    answer = await api.wait_for(lambda a: [m for m in a.to("chat.postMessage")
                                           if m.get("thread_ts") == shared_ts])
    assert answer[0]["channel"] == "C42"
    assert_valid_message(answer[0])
    assert api.to("conversations.replies")[0]["include_all_metadata"] in (True, "1", "true")
    # Answered from the card's answers: U1's answers, not an empty conversation of U2's.
    said = texts_of(answer[0])
    assert "Why Prompt Engineering + RAG" in said and "knowledge changes often" in said
    assert await slack_app.state("U1") == owner_before
    teammate = await slack_app.state("U2")
    assert teammate is None or teammate.slots.answered() == {}


async def test_plain_thread_replies_elsewhere_are_left_alone(slack_app: SlackApp) -> None:
    api = slack_app.api
    # A thread under someone else's message, and one under a bot message that is no card.
    await slack_app.event(req.channel_message("lunch?", user="U2", channel="C42",
                                              thread_ts="1700000000.000100",
                                              parent_user_id="U3"))
    api.messages[("C42", "1700000001.000100")] = {"ts": "1700000001.000100", "text": "hi",
                                                  "user": BOT_USER_ID, "blocks": []}
    await slack_app.event(req.channel_message("thanks", user="U2", channel="C42",
                                              thread_ts="1700000001.000100",
                                              parent_user_id=BOT_USER_ID))
    # The second was looked at (its thread's first message fetched) and found no card.
    await api.wait_calls("conversations.replies")
    # One more event we know is answered, so the two before it have been handled too.
    await slack_app.event(req.mention_event("help", user="U2", channel="C42"))
    await api.wait_calls("chat.postMessage")
    posts = api.to("chat.postMessage")
    assert len(posts) == 1 and posts[0]["thread_ts"] not in ("1700000000.000100",
                                                             "1700000001.000100")


async def test_an_app_mention_is_answered_in_a_thread(slack_app: SlackApp) -> None:
    api = slack_app.api
    event = req.mention_event("what about QLoRA?", user="U5", channel="C9")
    reply = await slack_app.event(event)
    assert reply.status == 200
    posted = (await api.wait_calls("chat.postMessage"))[0]
    assert posted["channel"] == "C9"
    assert posted["thread_ts"] == event["ts"]
    assert_valid_message(posted)
    assert "QLoRA" in texts_of(posted)


async def test_a_mention_inside_a_thread_answers_in_that_thread(slack_app: SlackApp) -> None:
    api = slack_app.api
    event = req.mention_event("what is RAG?", user="U5", channel="C9",
                              thread_ts="1700000000.000500")
    await slack_app.event(event)
    posted = (await api.wait_calls("chat.postMessage"))[0]
    assert posted["thread_ts"] == "1700000000.000500"


async def test_a_mention_under_a_shared_card_is_answered_once_in_its_context(
        slack_app: SlackApp) -> None:
    api = slack_app.api
    card = await card_by_clicks(slack_app, channel="C42")
    await share(slack_app, card)
    shared_ts = await api.wait_for(lambda a: next(
        (ts for (ch, ts), m in a.messages.items() if ch == "C42" and is_card(m)), None))
    # Slack sends both: the app_mention event and the channel's message event.
    mention = req.mention_event("why?", user="U2", channel="C42", thread_ts=shared_ts)
    message = {**req.channel_message(mention["text"], user="U2", channel="C42",
                                     thread_ts=shared_ts, parent_user_id=BOT_USER_ID),
               "ts": mention["ts"]}
    await slack_app.event(message)
    await slack_app.event(mention)
    answer = (await api.wait_for(lambda a: [m for m in a.to("chat.postMessage")
                                            if m.get("thread_ts") == shared_ts]))[0]
    assert "Why Prompt Engineering + RAG" in texts_of(answer)
    # One more event known to be answered, so a second answer would have shown by now.
    await slack_app.event(req.mention_event("help", user="U2", channel="C9"))
    await api.wait_for(lambda a: any(m["channel"] == "C9" for m in a.to("chat.postMessage")))
    assert len([m for m in api.to("chat.postMessage") if m.get("thread_ts") == shared_ts]) == 1
