"""Keys the Slack adapter hands the core: the conversation key and the event ids for dedup."""

from __future__ import annotations

PLATFORM = "slack"


def conversation_key(team_id: str, user_id: str) -> str:
    """One advisor conversation per person per workspace (docs/architecture.md): a follow-up
    typed in the DM refers to the recommendation a slash command started in a channel."""
    return f"{PLATFORM}:{team_id}:{user_id}"


def events_api_event_id(event_id: str) -> str:
    """Slack resends an Events API delivery with the same event_id (X-Slack-Retry-Num)."""
    return f"{PLATFORM}:event:{event_id}"


def command_event_id(trigger_id: str) -> str:
    """Every slash command invocation carries its own trigger_id."""
    return f"{PLATFORM}:command:{trigger_id}"


def click_event_id(action_ts: str, user_id: str, action_id: str, message_ts: str) -> str:
    """The same click delivered twice has the same action_ts, user, action and message."""
    return f"{PLATFORM}:click:{action_ts}:{user_id}:{action_id}:{message_ts}"
