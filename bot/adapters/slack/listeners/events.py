"""Events API events other than messages: `@which-approach ...` in a channel is answered in a
thread (in the context of a shared card when the thread starts with one). Bolt answers
url_verification itself, after checking the signature."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.delivery import SlackDeps
from bot.adapters.slack.listeners.threads import answer_in_thread


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.event("app_mention")
    async def on_mention(body: dict[str, Any], event: dict[str, Any], context: Any,
                         client: AsyncWebClient) -> None:
        # Events are acknowledged by Bolt before this runs.
        bot_user = re.escape(context.get("bot_user_id") or "")
        text = re.sub(rf"<@{bot_user}(?:\|[^>]*)?>", " ", event.get("text") or "")
        await answer_in_thread(deps, client, body, event, text.strip(),
                               shared_card_only=False)
