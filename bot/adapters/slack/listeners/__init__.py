"""Bolt listeners, one module per kind of Slack input (Bolt's starter-template layout)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.adapters.slack.delivery import SlackDeps
from bot.adapters.slack.listeners import actions, commands, events, messages


def register_listeners(app: AsyncApp, deps: SlackDeps) -> None:
    commands.register(app, deps)
    actions.register(app, deps)
    events.register(app, deps)
    messages.register(app, deps)
