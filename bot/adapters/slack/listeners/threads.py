"""Answering in a channel thread: an @mention anywhere, or any reply in a shared card's thread.

The person's own conversation answers, with the shared card's answers as context when the
thread starts with one, so "what about QLoRA?" under a teammate's card is about that card.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.delivery import SlackDeps, post_quietly
from bot.adapters.slack.keys import conversation_key, events_api_event_id
from bot.adapters.slack.mrkdwn import unescape
from bot.adapters.slack.sharing import shared_card_slots
from dialogs.events import Event


def _team(body: dict[str, Any], event: dict[str, Any]) -> str:
    return body.get("team_id") or event.get("team") or ""


async def answer_in_thread(deps: SlackDeps, client: AsyncWebClient, body: dict[str, Any],
                           event: dict[str, Any], text: str, *,
                           shared_card_only: bool) -> None:
    """Reply in the message's thread (starting one under it if it is not in a thread yet).
    With `shared_card_only`, only threads under one of our shared cards are answered."""
    channel = event.get("channel")
    user = event.get("user")
    if not channel or not user:
        return
    thread_ts = event.get("thread_ts")
    context_slots = None
    if thread_ts and thread_ts != event.get("ts"):
        context_slots = await shared_card_slots(client, channel, thread_ts)
    if shared_card_only and context_slots is None:
        return

    conversation = conversation_key(_team(body, event), user)
    event_id = events_api_event_id(body["event_id"]) if body.get("event_id") else None
    text = unescape(text)
    if text:
        neutral = Event.typed(conversation, text, event_id=event_id,
                              context_slots=context_slots)
    else:  # a bare @mention
        neutral = Event.cmd(conversation, "help", event_id=event_id,
                            context_slots=context_slots)
    result = await deps.runner.handle(neutral)
    if result.duplicate:
        return
    await post_quietly(client, channel,
                       deps.renderer.replies(result.replies),
                       thread_ts=thread_ts or event.get("ts"))
