"""The card's pictures and Export in Slack, end to end: image blocks whose URLs our own
server serves (and refuses when guessed or expired), the 50-block limit kept, and Export
posting the decision record to the person's DM as a file, or as messages where files are
refused."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from PIL import Image

from bot.adapters.slack import attach_slack
from bot.adapters.slack.blocks import EXPORT_ACTION, MAX_BLOCKS, card_blocks
from bot.pictures.http import Pictures, attach_pictures
from bot.pictures.links import PictureLinks
from bot.runner import TurnRunner
from bot.server import picture_links
from bot.store.memory import MemoryStore
from dialogs.compiled import compile_knowledge
from dialogs.engine import decide
from dialogs.slots import Slots
from knowledge import default_knowledge
from tests.bot.adapters.slack.conftest import SlackApp, slack_settings
from tests.bot.adapters.slack.flows import card_by_clicks
from testsupport.blockkit import button
from testsupport.ports import free_port
from testsupport.slack_standin import StandIn

pytestmark = pytest.mark.slow  # matplotlib draws

KB = default_knowledge()
CK = compile_knowledge(KB)
SECRET = "slack-pictures-secret"


@pytest.fixture
async def app(slack_api: StandIn) -> AsyncIterator[SlackApp]:
    """The Slack adapter with pictures, its public URL its own loopback address."""
    port = free_port()
    settings = slack_settings(slack_api, public_url=f"http://127.0.0.1:{port}",
                              pictures_secret=SECRET)
    store = MemoryStore()
    runner = TurnRunner(store, KB)
    application = web.Application()
    pictures = Pictures(KB, picture_links(settings))
    attach_pictures(application, pictures)
    attach_slack(application, runner, settings, pictures=pictures)
    web_runner = web.AppRunner(application)
    await web_runner.setup()
    await web.TCPSite(web_runner, "127.0.0.1", port).start()
    http = aiohttp.ClientSession()
    yield SlackApp(f"http://127.0.0.1:{port}", slack_api, store, runner, http)
    await http.close()
    await web_runner.cleanup()


def images(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in card["blocks"] if b["type"] == "image"]


async def test_the_card_shows_both_pictures_served_by_our_server(app: SlackApp) -> None:
    card = await card_by_clicks(app)
    assert len(card["blocks"]) <= MAX_BLOCKS
    shown = images(card)
    assert len(shown) == 2
    for block in shown:
        assert block["image_url"].startswith(app.url + "/pictures/")
        assert block["image_url"].endswith(".png")
        assert len(block["alt_text"]) > 40
        async with app.http.get(block["image_url"]) as response:
            assert response.status == 200 and response.content_type == "image/png"
            png = Image.open(io.BytesIO(await response.read()))
            assert png.size[0] >= 760
    assert "tokens a month" in shown[0]["alt_text"]
    assert "You start at stage" in shown[1]["alt_text"]


async def test_guessed_and_expired_picture_urls_are_refused(app: SlackApp) -> None:
    card = await card_by_clicks(app)
    url = images(card)[0]["image_url"]
    prefix, token, name = url.rsplit("/", 2)
    data, expires, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    for guess in (f"{data}.{expires}.{flipped}", f"{data}.{int(expires) + 60}.{signature}",
                  PictureLinks("a-guessed-secret").token(Slots())):
        async with app.http.get(f"{prefix}/{guess}/{name}") as response:
            assert response.status == 404
    expired = PictureLinks(SECRET, ttl_seconds=-1).token(Slots(has_data="no"))
    async with app.http.get(f"{prefix}/{expired}/{name}") as response:
        assert response.status == 403


async def test_export_posts_the_record_to_the_dm_as_a_file(app: SlackApp) -> None:
    card = await card_by_clicks(app)
    export = button(card, "Export")
    assert export["action_id"] == EXPORT_ACTION
    await app.click(card, card["channel"], export)
    await app.api.wait_for(lambda a: a.shared_files.get(card["channel"]))
    shared = app.api.shared_files[card["channel"]][0]
    assert shared["title"] == "decision-record.md"
    record = shared["content"].decode("utf-8")
    assert record.startswith("# Decision record: ")
    assert "## What it assumed" in record
    assert "decision record" in shared["initial_comment"]


async def test_where_files_are_refused_the_record_comes_as_code_blocks(app: SlackApp) -> None:
    app.api.refuse_files = True
    card = await card_by_clicks(app)
    posted = len(app.api.to("chat.postMessage"))
    await app.click(card, card["channel"], button(card, "Export"))
    await app.api.wait_calls("chat.postMessage", posted + 1)
    texts = [b["text"]["text"] for call in app.api.to("chat.postMessage")[posted:]
             for b in call["blocks"] if b["type"] == "section"]
    joined = "\n".join(texts)
    assert "```\n# Decision record: " in joined
    assert all(len(t) <= 3000 for t in texts)


async def test_an_expired_export_says_so_privately(app: SlackApp) -> None:
    card = await card_by_clicks(app)
    export = {**button(card, "Export"),
              "value": PictureLinks(SECRET, ttl_seconds=-1).token(Slots(has_data="no"))}
    await app.click(card, card["channel"], export)
    await app.api.wait_calls("response_url")
    said = app.api.to("response_url")[-1]["text"]
    assert "too old to export" in said
    assert app.api.shared_files == {}


def test_a_full_card_with_pictures_keeps_within_50_blocks() -> None:
    slots = Slots(use_case="document_analysis", has_data="yes", examples=2_000_000,
                  budget="high", priority="novel_architecture", uniqueness="novel",
                  accuracy="perfect", timeline="quarter", knowledge_updates="often",
                  explainability="yes", data_quality="mixed", monthly_tokens=9_000_000_000)
    pictures = Pictures(KB, PictureLinks(SECRET, base_url="https://bot.example.com"))
    blocks = card_blocks(decide(slots, CK), KB, pictures=pictures.card(slots),
                         with_images=True)
    drawn = [b.to_dict() for b in blocks]
    assert len(drawn) <= MAX_BLOCKS
    assert sum(b["type"] == "image" for b in drawn) == 2
    assert drawn[-1]["type"] == "actions"


def test_the_record_as_messages_is_fenced_escaped_and_whole() -> None:
    from bot.adapters.slack.export import record_messages

    record = ("# Decision record: A & B <x>\n" + "- [ ] step ```code```\n" * 400
              + "y" * 4000 + "\nlast line\n")
    messages = record_messages(record, "The record for <@U1>")
    sections = [b.to_dict()["text"]["text"] for m in messages for b in m.blocks]
    assert sections[0] == "The record for &lt;@U1&gt;"
    bodies = sections[1:]
    assert len(bodies) > 2 and all(len(s) <= 3000 for s in bodies)
    assert all(s.startswith("```\n") and s.endswith("\n```") for s in bodies)
    joined = "".join(s[4:-4] + "\n" for s in bodies)
    shown = joined.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert shown.replace("\n", "") == record.replace("```", "'''").replace("\n", "")
