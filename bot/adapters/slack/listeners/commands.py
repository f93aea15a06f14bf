"""/which-approach: with no text it starts (or resumes) the conversation in the person's DM with
the app; with text it takes answers, follow-ups or commands and replies where it was typed,
visible to the person alone.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.delivery import (
    Respond,
    SlackDeps,
    post_ephemeral,
    post_remembered,
    respond_all,
)
from bot.adapters.slack.keys import command_event_id, conversation_key
from bot.adapters.slack.mrkdwn import escape, unescape
from dialogs.events import Event

# The app defines one slash command; matching any keeps a renamed command (say
# /which-approach-dev for a second install) working without a code change.
ANY_COMMAND = re.compile(r"^/")


def dm_link(body: dict[str, Any], name: str) -> str:
    """The person's DM with the app as a link named `name` (mrkdwn), or the name alone."""
    app_id, team_id = body.get("api_app_id"), body.get("team_id")
    if app_id and team_id:
        return f"<https://slack.com/app_redirect?app={app_id}&team={team_id}|{escape(name)}>"
    return escape(name)


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.command(ANY_COMMAND)
    async def on_command(ack: Any, body: dict[str, Any], client: AsyncWebClient,
                         respond: Respond) -> None:
        text = unescape(body.get("text") or "").strip()
        user = body["user_id"]
        channel = body.get("channel_id")
        conversation = conversation_key(body.get("team_id") or "", user)
        trigger = body.get("trigger_id")
        extra: dict[str, Any] = {"event_id": command_event_id(trigger) if trigger else None}
        if channel:
            # Remembered by the core so Share can post the card here later.
            extra["surface"] = {"channel": channel}

        if not text:
            await ack(response_type="ephemeral",
                      text=deps.renderer.mrkdwn("dm_pointer").format(
                          dm=dm_link(body, deps.renderer.label("dm_name"))))
            result = await deps.runner.handle(Event.cmd(conversation, "start", **extra))
            if not result.duplicate:
                await post_remembered(deps, client, user, deps.renderer.replies(result.replies))
            return

        await ack()
        result = await deps.runner.handle(Event.typed(conversation, text, **extra))
        if result.duplicate:
            return
        messages = deps.renderer.replies(result.replies)
        if not await respond_all(respond, messages) and channel:
            await post_ephemeral(client, channel, user, messages)
