"""The pictures' signed links over real HTTP: served to whoever holds a link, refused when
guessed (404), altered (404) or expired (403); and the web page's card carries them."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image

from bot.pictures.links import LinkRefused, PictureLinks
from bot.server import build_app
from bot.settings import Settings
from bot.store.memory import MemoryStore
from dialogs.slots import Slots

ANSWERS = Slots(has_data="yes", examples=5000, priority="consistency", budget="medium",
                hardware="datacenter_gpu", monthly_tokens=20_000_000)
SECRET = "pictures-test-secret"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_token_carries_its_answers_and_nothing_else_verifies() -> None:
    clock = Clock()
    links = PictureLinks(SECRET, ttl_seconds=60, clock=clock)
    token = links.token(ANSWERS)
    assert links.answers(token) == ANSWERS
    data, expires, signature = token.split(".")
    tampered = [
        f"{data}.{int(expires) + 3600}.{signature}",          # a longer life
        f"{data[:-2]}AA.{expires}.{signature}",                # other answers
        f"{data}.{expires}.{'A' * len(signature)}",            # a guessed signature
        PictureLinks("another-secret", clock=clock).token(ANSWERS),
        "", "x" * 5000, "a.b", "é.1.x",
    ]
    for bad in tampered:
        with pytest.raises(LinkRefused) as refused:
            links.answers(bad)
        assert refused.value.status == 404, bad
    clock.now += 61
    with pytest.raises(LinkRefused) as refused:
        links.answers(token)
    assert refused.value.status == 403


def test_card_links_are_absolute_under_the_public_url() -> None:
    links = PictureLinks(SECRET, base_url="https://bot.example.com/").card_links(ANSWERS)
    assert links.cost_png.startswith("https://bot.example.com/pictures/")
    assert links.cost_png.endswith("/cost.png") and links.record.endswith("/decision-record.md")


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    settings = Settings(_env_file=None, pictures_secret=SECRET)  # type: ignore[call-arg]
    c = TestClient(TestServer(build_app(settings, store=MemoryStore())))
    await c.start_server()
    yield c
    await c.close()


async def test_links_serve_the_pictures_and_the_record(client: TestClient) -> None:
    token = PictureLinks(SECRET).token(ANSWERS)
    png = await client.get(f"/pictures/{token}/cost.png")
    assert png.status == 200 and png.content_type == "image/png"
    assert Image.open(io.BytesIO(await png.read())).size == (760, 470)
    svg = await client.get(f"/pictures/{token}/roadmap.svg")
    assert svg.status == 200 and svg.content_type == "image/svg+xml"
    assert "default-src 'none'" in svg.headers["Content-Security-Policy"]
    assert "You start here" in ET.tostring(ET.fromstring(await svg.read()), encoding="unicode")
    record = await client.get(f"/pictures/{token}/decision-record.md")
    assert record.status == 200 and record.content_type == "text/markdown"
    assert 'filename="decision-record.md"' in record.headers["Content-Disposition"]
    assert (await record.text()).startswith("# Decision record: ")


async def test_guessed_altered_and_expired_links_are_refused(client: TestClient) -> None:
    token = PictureLinks(SECRET).token(ANSWERS)
    data, expires, signature = token.split(".")
    for path, status in (
        (f"/pictures/{data}.{expires}.{'B' * len(signature)}/cost.png", 404),
        (f"/pictures/{data}.{int(expires) + 1}.{signature}/cost.png", 404),
        (f"/pictures/{PictureLinks('guess').token(ANSWERS)}/cost.svg", 404),
        (f"/pictures/{token}/secrets.txt", 404),
        (f"/pictures/{token}/cost.png/more", 404),
        (f"/pictures/{PictureLinks(SECRET, ttl_seconds=-1).token(ANSWERS)}/cost.png", 403),
    ):
        response = await client.get(path)
        assert response.status == status, path
        assert response.content_type == "text/plain"


async def test_the_web_card_carries_its_pictures_and_export(client: TestClient) -> None:
    replies = await (await client.post("/web/turn", json={"command": "start"})).json()
    for _ in range(20):  # every question answered with its first choice, counts typed
        if any(r["kind"] == "recommendation" for r in replies):
            break
        question = replies[-1]
        body = ({"question_id": question["question_id"], "value": question["choices"][0]["value"],
                 "state_version": question["state_version"]} if question.get("choices")
                else {"text": "5000"})
        replies = await (await client.post("/web/turn", json=body)).json()
    card = next(r for r in replies if r["kind"] == "recommendation")
    kinds = {p["kind"]: p for p in card["pictures"]}
    assert set(kinds) == {"cost", "roadmap"}
    assert all(p["alt"] and p["url"].startswith("/pictures/") for p in kinds.values())
    assert kinds["cost"]["caption"]
    assert card["export"]["label"] == "Export"
    for url in (kinds["cost"]["url"], kinds["roadmap"]["url"], card["export"]["url"]):
        assert (await client.get(url)).status == 200
