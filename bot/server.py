"""The HTTP server behind `which-approach serve`: health, readiness, metrics, and the platform
adapters mounted on one aiohttp application.

One store and one runner serve every adapter, so a person's conversation is the same object
whichever surface a turn arrives from.
"""

from __future__ import annotations

import asyncio
import gc
import logging

from aiohttp import web

from bot.adapters.slack import attach_slack
from bot.adapters.teams import attach_teams
from bot.adapters.web import attach_web
from bot.logging_setup import log_failure
from bot.metrics import metrics_app, metrics_route
from bot.pictures.charts import PictureMaker
from bot.pictures.http import Pictures, attach_pictures
from bot.pictures.links import PictureLinks
from bot.runner import TurnRunner
from bot.serving import serve
from bot.settings import Settings
from bot.store import StateStore, make_store
from knowledge.models import Knowledge

log = logging.getLogger(__name__)

SETTINGS_KEY = web.AppKey("settings", Settings)
STORE_KEY = web.AppKey("store", StateStore)
KNOWLEDGE_KEY = web.AppKey("knowledge", Knowledge)
RUNNER_KEY = web.AppKey("runner", TurnRunner)

# Readiness must answer even when Redis hangs; the store bounds its own calls, this is a backstop.
READY_TIMEOUT_SECONDS = 5.0


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def readyz(request: web.Request) -> web.Response:
    store = request.app[STORE_KEY]
    try:
        ready = await asyncio.wait_for(store.ping(), READY_TIMEOUT_SECONDS)
    except Exception as error:  # any failure to answer means "do not send traffic here"
        log_failure(log, "readiness check failed", error, expected=True)
        ready = False
    if ready:
        return web.Response(text="ready")
    return web.Response(status=503, text="store unreachable")


def build_app(settings: Settings, *, store: StateStore | None = None,
              kb: Knowledge | None = None) -> web.Application:
    """The application with every route. A store passed in stays the caller's to close."""
    if kb is None:
        from knowledge import default_knowledge, load_knowledge

        kb = (load_knowledge(settings.knowledge_path) if settings.knowledge_path is not None
              else default_knowledge())
    owns_store = store is None
    if store is None:
        if not settings.redis_url:
            log.warning("REDIS_URL is not set: conversations are kept in this process's memory, "
                        "lost on restart and not shared between replicas")
        store = make_store(settings)
    runner = TurnRunner(store, kb, rate_limit_per_minute=settings.rate_limit_per_minute,
                        new_conversation_ttl_seconds=settings.new_conversation_ttl_seconds,
                        log_key=(settings.redis_key_secret.get_secret_value()
                                 if settings.redis_key_secret is not None else None))

    app = web.Application(client_max_size=1024 * 1024)
    app[SETTINGS_KEY] = settings
    app[STORE_KEY] = store
    app[KNOWLEDGE_KEY] = kb
    app[RUNNER_KEY] = runner
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)

    metrics_token = (settings.metrics_token.get_secret_value()
                     if settings.metrics_token is not None else None)
    if settings.metrics_port is None:  # else served on a port of its own (run())
        app.router.add_get("/metrics", metrics_route(metrics_token))

    # The runner's compiled knowledge: the pictures decide cards with the same caches.
    pictures = Pictures(kb, picture_links(settings), PictureMaker(kb, compiled=runner.compiled))
    attach_pictures(app, pictures)  # GET /pictures/{signed link}/{picture or record}
    attach_slack(app, runner, settings, pictures=pictures)  # nothing unless Slack is set up
    attach_teams(app, runner, settings, pictures=pictures)
    attach_web(app, runner, settings, pictures=pictures)  # GET / unless WEB_ENABLED is false

    if owns_store:
        async def close_store(app: web.Application) -> None:
            await store.close()

        app.on_cleanup.append(close_store)
    return app


def picture_links(settings: Settings) -> PictureLinks:
    """Links signed with PICTURES_SECRET, else another secret every replica already shares."""
    secret = next((value.get_secret_value() for value in (
        settings.pictures_secret, settings.web_cookie_secret, settings.slack_signing_secret)
        if value is not None), None)
    return PictureLinks(secret, base_url=settings.public_url or "",
                        ttl_seconds=settings.picture_link_ttl_seconds)


# The first generation's collection threshold while serving (CPython's default is 700).
GC_GEN0_THRESHOLD = 20_000


def settle_heap() -> None:
    """Tune the garbage collector for a long-running server, once the app is built.

    A turn allocates a few hundred short-lived objects (pydantic models, Block Kit and card
    dicts), so with CPython's defaults young collections run every few turns and full ones
    regularly walk everything imported at start-up (Bolt, botbuilder, the knowledge): a large
    share of the server's CPU per slash command and most of the slowest acks in bench_slack.
    Freezing what start-up built takes it out of every collection, and a higher first threshold
    makes young collections rarer; cycles are still collected, a little later. Only for `serve`: a
    test process that built many apps would keep their cycles forever.
    """
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)


def run(settings: Settings, *, host: str, port: int, kb: Knowledge | None = None) -> None:
    """Serve until SIGINT/SIGTERM; aiohttp then stops accepting, finishes in-flight requests
    and runs the cleanup hooks (which close the store)."""
    app = build_app(settings, kb=kb)
    settle_heap()
    log.info("listening", extra={"host": host, "port": port,
                                 "store": "redis" if settings.redis_url else "memory"})
    side = None
    if settings.metrics_port is not None:
        token = (settings.metrics_token.get_secret_value()
                 if settings.metrics_token is not None else None)
        side = (metrics_app(token), settings.metrics_port)
    asyncio.run(serve(app, host=host, port=port,
                      max_connections=settings.http_max_connections,
                      header_timeout=settings.http_header_timeout_seconds,
                      metrics=side))
