"""The web page in real headless Chromium (Debian's, driven by Playwright): a whole conversation
by clicking, a typed follow-up, the card and roadmap on screen, and a screenshot.

Never skipped: if Chromium is missing the test installs it (as CI does) and fails if it cannot
start."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.server import build_app
from bot.settings import Settings
from bot.store.memory import MemoryStore
from testsupport.ports import free_port

pytestmark = pytest.mark.slow  # a real browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _ensure_chromium() -> None:
    if os.path.exists(CHROMIUM):
        return
    apt = shutil.which("apt-get")
    if apt is None:
        pytest.fail(f"{CHROMIUM} is missing and apt-get is not available", pytrace=False)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.fail(f"cannot install chromium: {done.stderr[-2000:]}", pytrace=False)


@asynccontextmanager
async def chromium_page() -> AsyncIterator[tuple[Any, list[str]]]:
    """A page in Debian's Chromium and the errors its scripts raise; fails, never skips, when
    the browser cannot start: the page must be proven in a browser."""
    _ensure_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        try:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as error:
            pytest.fail(f"cannot start Chromium: {error}", pytrace=False)
        try:
            page = await browser.new_page(viewport={"width": 1000, "height": 900})
            page_errors: list[str] = []
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            yield page, page_errors
        finally:
            await browser.close()


@pytest.fixture
async def base_url() -> AsyncIterator[str]:
    app = build_app(Settings(_env_file=None), store=MemoryStore())  # type: ignore[call-arg]
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_whole_conversation_in_chromium(base_url: str, tmp_path: Path) -> None:
    from playwright.async_api import expect

    async with chromium_page() as (page, page_errors):
        await page.goto(base_url + "/")
        log = page.locator("#log")
        await expect(log).to_have_attribute("aria-live", "polite")
        await expect(page.get_by_label("Your message")).to_be_visible()

        answered: list[str] = []
        for _ in range(20):
            card = log.locator("article.card")
            question = log.locator(".msg.question").last
            await expect(question.or_(card).first).to_be_visible()
            if await card.count():
                break
            qid = await question.get_attribute("data-question-id")
            assert qid not in answered, f"{qid} asked twice"
            answered.append(qid or "")
            # Pinned to this question: `.last` would move on to the next one.
            question = log.locator(f'.msg.question[data-question-id="{qid}"]').last
            buttons = question.locator(".choices:not(.question-actions) button")
            if await buttons.count():
                # Yes to having data (so the examples count is asked), else the second.
                pick = (question.locator('button[data-value="yes"]') if qid == "has_data"
                        else buttons.nth(1 if await buttons.count() > 1 else 0))
                await pick.click()
                await expect(pick).to_be_disabled()
            else:  # a count (examples, monthly tokens) is typed, as the hint asks
                await page.get_by_label("Your message").fill(
                    "2000" if qid == "examples" else "1M")
                await page.get_by_role("button", name="Send").click()
                # Answered by typing: its Back / "Just tell me now" buttons are disabled.
                actions = question.locator(".question-actions button")
                await expect(actions.first).to_be_disabled()
                await expect(actions.last).to_be_disabled()
            await expect(question.locator("xpath=following-sibling::*").first).to_be_visible()

        assert answered[:2] == ["use_case", "has_data"] and "examples" in answered
        card = log.locator("article.card")
        await expect(card).to_have_count(1)
        await expect(card.get_by_role("heading", level=2)).not_to_be_empty()
        await expect(card.get_by_role("heading", name="Roadmap")).to_be_visible()
        await expect(card.locator(".stage")).to_have_count(4)
        here = card.locator(".stage.current")
        await expect(here).to_have_count(1)
        await expect(here).to_contain_text("You start here")
        # "Next:" is set apart (in italics) from what leads on, as on Slack.
        await expect(card.locator(".stage .next em").first).to_have_text("Next:")
        await expect(card.get_by_role("heading", name="Costs")).to_be_visible()
        await expect(card.get_by_role("heading", name="Why", exact=True)).to_be_visible()
        # Rule 9: what the card was made without, and why.
        await expect(card.get_by_role("heading", name="Not asked")).to_be_visible()
        # Rules version 2: the assumed model size and GPU memory, costs at their volume,
        # what would change it (objects, drawn by their text).
        await expect(card).to_contain_text("GPU memory:")
        # (rule 9 leaves the volume unasked here: it cannot change this card)
        await expect(card).to_contain_text("A month at 1,000,000 tokens")
        await expect(card.get_by_role("heading", name="What would change it")).to_be_visible()
        await expect(card).to_contain_text("If hardware were")

        # Both pictures inline, loaded, each with its text alternative.
        pictures = card.locator("figure.picture img")
        await expect(pictures).to_have_count(2)
        for i in range(2):
            img = pictures.nth(i)
            await expect(img).to_be_visible()
            await img.scroll_into_view_if_needed()
            # decode() settles once the image has loaded (and fails if it cannot).
            width = await img.evaluate("i => i.decode().then(() => i.naturalWidth)")
            assert width > 300
            assert len(await img.get_attribute("alt") or "") > 40
        cost_alt = await card.locator("figure.picture-cost img").get_attribute("alt")
        assert cost_alt is not None and "1M" in cost_alt  # the volume typed above
        road_alt = await card.locator("figure.picture-roadmap img").get_attribute("alt")
        assert road_alt is not None and "You start at stage" in road_alt

        # Export downloads the decision record.
        async with page.expect_download() as download_info:
            await card.get_by_role("link", name="Export").click()
        download = await download_info.value
        assert download.suggested_filename == "decision-record.md"
        record = Path(await download.path()).read_text(encoding="utf-8")
        assert record.startswith("# Decision record: ")
        for heading in ("## Context", "## Roadmap", "## What would change it",
                        "## What it assumed"):
            assert heading in record

        await page.get_by_label("Your message").fill("what about QLoRA?")
        await page.keyboard.press("Enter")  # the form submits from the keyboard
        answer = log.locator('.msg.answer[data-topic="qlora"]')
        await expect(answer).to_contain_text("QLoRA")
        await expect(log.locator(".msg.you").last).to_have_text("You: what about QLoRA?")

        # A follow-up topic button leads to another answer.
        topic = answer.get_by_role("button").first
        await topic.click()
        await expect(log.locator(".msg.answer")).to_have_count(2)

        # Text is never parsed as HTML.
        await page.get_by_label("Your message").fill("<img src=x onerror=alert(1)>")
        await page.keyboard.press("Enter")
        await expect(log.locator(".msg.you").last).to_contain_text("<img src=x")
        assert await log.locator('img[src="x"]').count() == 0

        shot = tmp_path / "web-page.png"
        await page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        await card.screenshot(path=str(tmp_path / "card.png"))
        assert page_errors == []


async def test_the_page_draws_every_view_as_the_other_surfaces_do(base_url: str,
                                                                  tmp_path: Path) -> None:
    """The page's half of tests/bot/adapters/test_one_card_every_surface.py: for the same
    cards, questions and answers, the page shows the same headings in the same order (the
    view's, which Slack, Teams and the terminal are checked against), the same progress line
    and the same buttons. The replies are served to the page as the web adapter sends them."""
    import json

    from playwright.async_api import Route, expect

    from bot.adapters.web.adapter import page_json
    from dialogs.replies import RecommendationReply, Reply
    from dialogs.view import answer_view, card_view, question_view
    from tests.bot.adapters.one_card import KB, answers, cards, questions

    recs = list(cards().values())
    asked = list(questions().values())
    answered = list(answers().values())
    replies: list[Reply] = [*asked, *(RecommendationReply(recommendation=r) for r in recs),
                            *answered]
    body = json.dumps([page_json(r, KB) for r in replies])

    async def serve(route: Route) -> None:
        await route.fulfill(status=200, content_type="application/json", body=body)

    async with chromium_page() as (page, page_errors):
        await page.route("**/web/turn", serve)
        await page.goto(base_url + "/")
        log = page.locator("#log")
        shown = log.locator("article.card")
        await expect(shown).to_have_count(len(recs))
        for i, rec in enumerate(recs):
            card = shown.nth(i)
            headings = await card.locator(":scope > section > h3").all_text_contents()
            assert headings == card_view(rec, KB).headings()
            view = card_view(rec, KB)
            if view.footnote:
                await expect(card).to_contain_text(view.footnote)
            for fact in view.facts:
                await expect(card).to_contain_text(fact.value)
        boxes = log.locator(".msg.question")
        await expect(boxes).to_have_count(len(asked))
        for i, question in enumerate(asked):
            box, qview = boxes.nth(i), question_view(question, KB)
            step = await box.locator(".step").all_text_contents()
            assert step == ([qview.progress] if qview.progress else [])
            assert await box.locator(".question-text").text_content() == qview.text
            assert await box.locator(".choices:not(.question-actions) button"
                                     ).all_text_contents() == [c.label for c in qview.choices]
            assert await box.locator(".question-actions button").all_text_contents() == [
                c.label for c in qview.commands]
        drawn = log.locator(".msg.answer")
        await expect(drawn).to_have_count(len(answered))
        for i, answer in enumerate(answered):
            box, aview = drawn.nth(i), answer_view(answer, KB)
            assert await box.locator("h3").all_text_contents() == aview.headings()
            assert await box.locator("button").all_text_contents() == [
                c.label for c in aview.choices]
        await shown.nth(0).screenshot(path=str(tmp_path / "card-from-view.png"))
        assert page_errors == []
