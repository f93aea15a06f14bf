"""A card shared in a channel carries the answers it was drawn from, as Slack message metadata,
so replies in its thread (from anyone) are answered in the context of that recommendation.

The answers travel with the message, not in our store: any instance of the bot, after any
restart, reads them back from Slack with conversations.replies.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.delivery import call
from dialogs.slots import ALL_SLOTS

CARD_EVENT_TYPE = "which_approach_card"


def card_metadata(slots: dict[str, object], shared_by: str) -> dict[str, Any]:
    """Message metadata for a shared card: the answers (slot -> value) and who shared it."""
    answers = {k: v for k, v in slots.items()
               if k in ALL_SLOTS and isinstance(v, str | int) and v is not None}
    return {"event_type": CARD_EVENT_TYPE,
            "event_payload": {"answers": answers, "shared_by": shared_by}}


def slots_from_metadata(metadata: Any) -> dict[str, object] | None:
    """The answers a shared card's metadata carries; None if it is not one of our cards."""
    if not isinstance(metadata, dict) or metadata.get("event_type") != CARD_EVENT_TYPE:
        return None
    payload = metadata.get("event_payload")
    answers = payload.get("answers") if isinstance(payload, dict) else None
    if not isinstance(answers, dict):
        return None
    return {k: v for k, v in answers.items() if k in ALL_SLOTS and isinstance(v, str | int)}


async def shared_card_slots(client: AsyncWebClient, channel: str,
                            thread_ts: str) -> dict[str, object] | None:
    """The answers of the shared card that starts this thread; None when the thread does not
    start with one of our shared cards (or Slack would not tell us)."""
    response = await call(client, "conversations.replies", {
        "channel": channel, "ts": thread_ts, "limit": 1, "include_all_metadata": True}, "query")
    if response is None:
        return None
    messages = response.get("messages") or []
    if not messages or messages[0].get("ts") != thread_ts:
        return None
    return slots_from_metadata(messages[0].get("metadata"))
