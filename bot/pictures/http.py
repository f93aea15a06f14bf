"""`GET /pictures/{token}/{name}`: a card's pictures (cost.svg|png, roadmap.svg|png) and its
decision record (decision-record.md), for the web page, Slack's image blocks and anyone a
person hands a link to. A guessed or altered link is 404, an expired one 403.

Drawing is CPU work of tens of milliseconds: it runs on one worker thread of its own, so the
event loop keeps serving turns meanwhile and at most one picture is drawn at a time.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.pictures.charts import PictureMaker
from bot.pictures.links import (
    PICTURE_NAMES,
    PICTURES_ROUTE,
    RECORD_NAME,
    CardLinks,
    LinkRefused,
    PictureLinks,
)
from dialogs.decision_record import decision_record
from dialogs.engine import decide
from dialogs.pictures import cost_chart, roadmap_picture
from dialogs.replies import RecommendationReply, Reply
from dialogs.slots import Slots
from knowledge.models import Knowledge

log = logging.getLogger(__name__)

HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           # An SVG opened on its own runs nothing and loads nothing.
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
REFUSED = {404: "No such picture.", 403: "This link has expired: ask the bot for the card again."}


@dataclass(frozen=True)
class CardPictures:
    links: CardLinks
    cost_title: str
    cost_alt: str
    caption: str
    roadmap_title: str
    roadmap_alt: str
    export_label: str
    export_filename: str


class Pictures:
    """The pictures and records of one knowledge base, drawn off the event loop."""

    def __init__(self, kb: Knowledge, links: PictureLinks,
                 maker: PictureMaker | None = None) -> None:
        self.kb = kb
        self.links = links
        self.maker = maker or PictureMaker(kb)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pictures")

    async def draw(self, kind: Any, fmt: Any, answers: Slots, size: str = "full") -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.maker.picture, kind, fmt,
                                          answers, size)

    async def prepare(self, replies: list[Reply], fmt: Any, size: str) -> None:
        """Draw (into the cache) the pictures of every card in `replies`, so that a renderer
        that embeds them finds them ready and never draws on the event loop."""
        for reply in replies:
            answers = getattr(reply, "answers", None)
            if isinstance(reply, RecommendationReply) and answers is not None:
                for kind in ("cost", "roadmap"):
                    await self.draw(kind, fmt, answers, size)

    def card(self, answers: Slots) -> CardPictures:
        """What a surface shows of a card's pictures: links, alt texts, caption, export."""
        rec = decide(answers, self.maker.compiled)
        chart = cost_chart(rec, answers, self.kb)
        return CardPictures(links=self.links.card_links(answers), cost_alt=chart.alt,
                            cost_title=chart.title, caption=chart.caption,
                            roadmap_alt=roadmap_picture(rec, self.kb).alt,
                            roadmap_title=self.kb.pictures.label("roadmap_title"),
                            export_label=self.kb.pictures.label("export_button"),
                            export_filename=self.kb.pictures.label("export_filename"))

    def web_json(self, answers: Slots) -> dict[str, Any]:
        """The web page's additions to a recommendation object (links relative to the page)."""
        card = self.card(answers)
        path = f"{PICTURES_ROUTE}/{card.links.token}/"
        return {"pictures": [
            {"kind": "cost", "url": path + "cost.svg", "alt": card.cost_alt,
             "title": card.cost_title, "caption": card.caption},
            {"kind": "roadmap", "url": path + "roadmap.svg", "alt": card.roadmap_alt,
             "title": card.roadmap_title}],
            "export": {"url": path + RECORD_NAME, "label": card.export_label,
                       "filename": card.export_filename}}

    def record(self, answers: Slots) -> str:
        return decision_record(decide(answers, self.maker.compiled), answers, self.kb)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


PICTURES_KEY = web.AppKey("pictures", Pictures)


def _refused(status: int) -> web.Response:
    return web.Response(status=status, text=REFUSED[status], headers=HEADERS)


async def serve_picture(request: web.Request) -> web.Response:
    pictures: Pictures = request.app[PICTURES_KEY]
    name = request.match_info["name"]
    if name not in PICTURE_NAMES and name != RECORD_NAME:
        return _refused(404)
    try:
        answers = pictures.links.answers(request.match_info["token"])
    except LinkRefused as refused:
        log.info("picture link refused", extra={"status": refused.status})
        return _refused(refused.status)
    headers = {**HEADERS, "Cache-Control": "private, max-age=86400"}
    if name == RECORD_NAME:
        filename = pictures.kb.pictures.label("export_filename")
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return web.Response(text=pictures.record(answers), content_type="text/markdown",
                            charset="utf-8", headers=headers)
    kind, fmt = PICTURE_NAMES[name]
    picture = await pictures.draw(kind, fmt, answers)
    return web.Response(body=picture.data, content_type=picture.content_type, headers=headers)


def attach_pictures(app: web.Application, pictures: Pictures) -> None:
    app[PICTURES_KEY] = pictures
    app.router.add_get(PICTURES_ROUTE + "/{token}/{name}", serve_picture)

    async def stop(_: web.Application) -> None:
        pictures.close()

    app.on_cleanup.append(stop)
