"""Web try-out page: `attach_web(app, runner, settings)` adds `GET /` and `POST /web/turn`."""

from bot.adapters.web.adapter import TURN_ROUTE, attach_web

__all__ = ["TURN_ROUTE", "attach_web"]
