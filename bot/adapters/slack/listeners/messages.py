"""Message events: typing in the DM with the app answers and asks, like talking to a colleague;
a reply in the thread of a card shared in a channel is answered in that thread."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.blocks import (
    answered_line,
    answered_lines_of,
    lead_blocks_of,
)
from bot.adapters.slack.delivery import SlackDeps, post_remembered, update
from bot.adapters.slack.keys import conversation_key, events_api_event_id
from bot.adapters.slack.listeners.threads import answer_in_thread
from bot.adapters.slack.mrkdwn import unescape
from dialogs.events import Event
from dialogs.replies import Notice, Reply


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.event("message")
    async def on_message(body: dict[str, Any], event: dict[str, Any], context: Any,
                         client: AsyncWebClient) -> None:
        # Edits, deletions, joins and bots' posts (ours included) are not people talking.
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return
        text = event.get("text") or ""
        if event.get("channel_type") == "im":
            await _direct_message(deps, client, body, event, text)
            return
        bot_user = context.get("bot_user_id") or ""
        if bot_user and f"<@{bot_user}>" in text:
            return  # an @mention: the app_mention event answers it, once
        thread_ts = event.get("thread_ts")
        if thread_ts and thread_ts != event.get("ts") \
                and event.get("parent_user_id") == bot_user:
            await answer_in_thread(deps, client, body, event, text.strip(),
                                   shared_card_only=True)


async def _direct_message(deps: SlackDeps, client: AsyncWebClient, body: dict[str, Any],
                          event: dict[str, Any], text: str) -> None:
    team = body.get("team_id") or event.get("team") or ""
    conversation = conversation_key(team, event["user"])
    event_id = events_api_event_id(body["event_id"]) if body.get("event_id") else None
    result = await deps.runner.handle(Event.typed(conversation, unescape(text).strip(),
                                                  event_id=event_id))
    if result.duplicate:
        return
    channel = event["channel"]
    replies = await _collapse_answered(deps, client, channel, result.replies)
    await post_remembered(deps, client, channel, deps.renderer.replies(replies))


async def _collapse_answered(deps: SlackDeps, client: AsyncWebClient, channel: str,
                             replies: list[Reply]) -> list[Reply]:
    """An answer typed to a question with buttons: that question's message collapses to its
    record, as a click would have done; the answers recorded there are not said again."""
    accepted = [r for r in replies if isinstance(r, Notice) and r.slot]
    previous = deps.open_questions.pop(channel)
    if previous is None or not accepted:
        if previous is not None:
            deps.open_questions.remember_raw(channel, *previous)
        return replies
    ts, old_blocks = previous
    lines = answered_lines_of(old_blocks) + [answered_line(n) for n in accepted]
    redrawn = deps.renderer.in_place(lines, None, lead=lead_blocks_of(old_blocks))
    if await update(client, channel, ts, redrawn):
        return [r for r in replies if r not in accepted]
    return replies
