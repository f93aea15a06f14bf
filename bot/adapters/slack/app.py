"""The Bolt app: bot token, signing secret, and a Web API client aimed at SLACK_API_URL.

Request verification (the signing secret) is Bolt's default and is never turned off here: a
request without a valid, fresh signature gets 401 before any listener runs.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.delivery import SlackDeps
from bot.adapters.slack.listeners import register_listeners
from bot.logging_setup import log_failure
from bot.metrics import default_metrics

log = logging.getLogger(__name__)


def secret(value: Any) -> str:
    """A settings value as plain text (SecretStr or str; None is empty)."""
    if value is None:
        return ""
    getter = getattr(value, "get_secret_value", None)
    return str(getter() if getter is not None else value)


def api_base_url(url: str) -> str:
    # slack_sdk joins method names onto the base URL, which must end in a slash.
    return url if url.endswith("/") else url + "/"


def web_api_logger(level: str) -> logging.Logger:
    """The Web API client's logger, with its own level set. slack_sdk tests the logger's own
    level (NOTSET by default passes) and then formats every request's whole payload into a
    debug line that is never shown, on every post."""
    logger = logging.getLogger("bot.adapters.slack.web_api")
    logger.setLevel(level if level == "DEBUG" else "INFO")
    return logger


def build_app(settings: Any, deps: SlackDeps) -> AsyncApp:
    client = AsyncWebClient(token=secret(settings.slack_bot_token),
                            base_url=api_base_url(settings.slack_api_url),
                            logger=web_api_logger(str(getattr(settings, "log_level", "INFO"))))
    app = AsyncApp(
        name="which-approach",
        client=client,
        signing_secret=secret(settings.slack_signing_secret),
        # Ack first, work after: Bolt returns the ack's response as soon as ack() is called
        # and the listener goes on in the background.
        process_before_response=False,
    )
    register_listeners(app, deps)
    app.error(_on_error)
    return app


async def _on_error(error: Exception) -> BoltResponse:
    """The one error handler of the Slack adapter: a listener or middleware failed (a signed but
    malformed request: a missing user id, a payload of the wrong shape; or a bug). Bolt's
    default answers 500, which Slack retries, and logs str(error), which may quote the request;
    this answers 400 and logs the fault under the one policy. Runner faults never get here (the
    turn's result carries the friendly reply), nor do Web API refusals (delivery.call)."""
    log_failure(log, "Slack request not handled: a listener failed", error,
                metric=default_metrics().adapter_errors.labels("slack"))
    return BoltResponse(status=400, body={"error": "request not handled"})
