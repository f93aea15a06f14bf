"""Microsoft Teams adapter: `attach_teams(app, runner, settings)` adds POST /api/messages.

Settings: MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD, MICROSOFT_APP_TYPE, MICROSOFT_APP_TENANT_ID
(as the Bot Framework names them). Without an app id the bot runs in emulator mode: it accepts
requests without a token, which is only safe on a developer's machine.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from botframework.connector.auth import ServiceClientCredentialsFactory

from bot.adapters.teams.adapter import make_adapter
from bot.adapters.teams.cards import CardRenderer
from bot.adapters.teams.endpoint import MessagesEndpoint
from bot.adapters.teams.handler import TeamsAdvisorBot
from bot.settings import Settings
from bot.turns import TurnHandler

log = logging.getLogger(__name__)

ROUTE = "/api/messages"
EMULATOR_WARNING = (
    "MICROSOFT_APP_ID is not set: the Teams endpoint POST /api/messages runs in Bot Framework "
    "Emulator mode and accepts requests WITHOUT authentication. Set MICROSOFT_APP_ID and "
    "MICROSOFT_APP_PASSWORD before exposing it to a network.")

__all__ = ["ROUTE", "attach_teams"]


def attach_teams(app: web.Application, runner: TurnHandler, settings: Settings, *,
                 credentials_factory: ServiceClientCredentialsFactory | None = None,
                 pictures: Any | None = None) -> None:
    """Add POST /api/messages, serving the advisor through `runner`.

    `credentials_factory` overrides how outgoing calls get their token (tests only).
    """
    renderer = CardRenderer(runner.kb, pictures=pictures)
    adapter = make_adapter(settings, friendly_error=runner.kb.message("internal_error"),
                           credentials_factory=credentials_factory)
    endpoint = MessagesEndpoint(adapter, TeamsAdvisorBot(runner, renderer, pictures),
                                local_service_urls_only=not settings.microsoft_app_id,
                                body_timeout=settings.http_body_timeout_seconds)
    if not settings.microsoft_app_id:
        log.warning(EMULATOR_WARNING)
    else:
        log.info("Teams endpoint ready", extra={"route": ROUTE,
                                                "app_type": settings.microsoft_app_type})
    app.router.add_post(ROUTE, endpoint.handle)

    async def close_connections(app: web.Application) -> None:
        await adapter.bot_framework_authentication.close()

    app.on_cleanup.append(close_connections)
