"""The page's own words (title, heading, box, buttons, what it says when the server is out of
reach) are the knowledge's, like every other surface's: none is written in the page."""

from __future__ import annotations

from html.parser import HTMLParser

from aiohttp.test_utils import TestClient, TestServer

from bot.adapters.web.adapter import PAGE_TEMPLATE, page_html
from bot.server import build_app
from bot.settings import Settings
from bot.store.memory import MemoryStore
from knowledge import default_knowledge

KB = default_knowledge()
# Attributes a person reads (or hears, with a screen reader).
READ_ATTRIBUTES = {"aria-label", "placeholder", "title", "alt", "data-you", "data-unreachable"}


class _Words(HTMLParser):
    """Every text a person reads: text between tags and the attributes above."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.words += [v for k, v in attrs if k in READ_ATTRIBUTES and v]

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.words.append(data.strip())


def _words(html: str) -> list[str]:
    parser = _Words()
    parser.feed(html)
    return parser.words


def test_the_page_template_words_nothing_itself() -> None:
    words = _words(PAGE_TEMPLATE.read_text(encoding="utf-8"))
    assert words and all(w.startswith("${") and w.endswith("}") for w in words), words


def test_the_page_says_the_knowledges_words_escaped() -> None:
    ours = KB.model_copy(update={"surfaces": KB.surfaces.model_copy(update={"labels": {
        **KB.surfaces.labels, "page_send": "Go <now> & \"fast\"", "help": "Aide"}})})
    words = _words(page_html(ours))
    assert "Go <now> & \"fast\"" in words and "Aide" in words  # read back unescaped
    assert "<now>" not in page_html(ours)
    for key in ("page_title", "page_heading", "page_why_this", "page_unreachable", "start_over"):
        assert KB.surfaces.label(key) in _words(page_html(KB)), key


async def test_get_serves_the_worded_page() -> None:
    settings = Settings(_env_file=None, web_cookie_secret="s")  # type: ignore[call-arg]
    client = TestClient(TestServer(build_app(settings, store=MemoryStore())))
    await client.start_server()
    try:
        page = await client.get("/")
        assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
        assert await page.text() == page_html(KB)
        assert "$" not in await page.text()
        # The template itself is not served as a static file.
        assert (await client.get("/web/static/index.html")).status == 404
    finally:
        await client.close()
