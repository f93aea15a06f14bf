"""Prometheus metrics of the turn runner, on a registry of their own.

A dedicated CollectorRegistry (not the client library's global one) lets tests make fresh
metrics per test; the process-wide instance, `default_metrics()`, is what `GET /metrics`
serves. Labels are bounded sets (platform, approach, topic ids) so series never explode.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterable
from functools import lru_cache
from typing import Any

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from dialogs.replies import Answer, RecommendationReply, Reply

PLATFORMS = frozenset({"slack", "teams", "cli", "web"})
_TURN_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_MAX_LABEL = 64


def platform_of(conversation: str) -> str:
    """The platform of a conversation key ("slack:T1:U1" -> "slack"); unknown ones as "other"."""
    head = conversation.split(":", 1)[0]
    return head if head in PLATFORMS else "other"


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.turns = Counter("turns", "Turns handled, by platform and outcome",
                             ["platform", "outcome"], registry=r)
        self.turn_seconds = Histogram("turn_seconds", "Time to handle one turn, store included",
                                      ["platform"], buckets=_TURN_BUCKETS, registry=r)
        self.recommendations = Counter("recommendations", "Recommendation cards sent, by approach",
                                       ["approach"], registry=r)
        self.followups = Counter("followups", "Follow-up answers sent, by topic", ["topic"],
                                 registry=r)
        self.cas_retries = Counter("cas_retries", "Turns stepped again after a version conflict",
                                   registry=r)
        self.state_cache_misses = Counter(
            "state_cache_misses", "Turns stepped again because this process's copy of the "
            "conversation was missing or stale (another replica, a restart)", registry=r)
        self.dedup_drops = Counter("dedup_drops", "Events dropped as already applied",
                                   registry=r)
        self.store_errors = Counter("store_errors", "Turns that failed on the state store",
                                    registry=r)
        self.adapter_errors = Counter(
            "adapter_errors", "Platform requests an adapter failed on outside the runner (a bug, "
            "or a payload of a shape it cannot read), by platform", ["platform"], registry=r)
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}

    def _child(self, metric: Any, *labels: str) -> Any:
        # labels() parses keyword arguments and takes a lock on every call; the label sets are
        # small and fixed, so each child is looked up once per process and kept.
        key = (id(metric), labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def record_turn(self, conversation: str, outcome: str, seconds: float,
                    replies: Iterable[Reply] = ()) -> None:
        platform = platform_of(conversation)
        self._child(self.turns, platform, outcome).inc()
        self._child(self.turn_seconds, platform).observe(seconds)
        for reply in replies:
            if isinstance(reply, RecommendationReply):
                self._child(self.recommendations, reply.recommendation.approach).inc()
            elif isinstance(reply, Answer):
                self._child(self.followups, reply.topic[:_MAX_LABEL]).inc()

    def render(self) -> bytes:
        """The Prometheus text exposition of these metrics."""
        return generate_latest(self.registry)


@lru_cache(maxsize=1)
def default_metrics() -> Metrics:
    """The process-wide metrics, recorded by runners that are not given their own."""
    return Metrics()


async def metrics_handler(request: web.Request) -> web.Response:
    """`GET /metrics`."""
    response = web.Response(body=default_metrics().render())
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


def metrics_route(token: str | None) -> Callable[[web.Request], Awaitable[web.Response]]:
    """`GET /metrics`, open, or only for `Authorization: Bearer <token>` when one is given."""
    if not token:
        return metrics_handler
    expected = f"Bearer {token}".encode()

    async def guarded(request: web.Request) -> web.Response:
        given = request.headers.get("Authorization", "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, expected):
            return web.Response(status=401, text="unauthorized",
                                headers={"WWW-Authenticate": "Bearer"})
        return await metrics_handler(request)

    return guarded


def metrics_app(token: str | None) -> web.Application:
    """An application serving only `GET /metrics`, for METRICS_PORT."""
    app = web.Application()
    app.router.add_get("/metrics", metrics_route(token))
    return app
