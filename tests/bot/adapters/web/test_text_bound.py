"""A long message on the web page is read up to the core's bound, with the core's notice, as on
every other surface: the page never cuts what a person pasted without saying so."""

from __future__ import annotations

import re
from pathlib import Path

from bot.adapters.web.adapter import PAGE_TEMPLATE
from dialogs import machine
from knowledge import default_knowledge
from tests.bot.adapters.web.test_web_adapter import _client, _settings


def test_the_page_does_not_cut_a_message_short() -> None:
    # A browser truncates a paste to maxlength without a word; the core says what it read.
    html = Path(PAGE_TEMPLATE).read_text(encoding="utf-8")
    assert not re.search(r"maxlength=", html)


async def test_a_message_past_the_bound_is_read_up_to_it_and_says_so() -> None:
    client = await _client(_settings(web_cookie_secret="test-secret"))
    try:
        text = "customer service, " + "lorem ipsum " * (machine.MAX_TEXT_CHARS // 10)
        assert len(text) > machine.MAX_TEXT_CHARS
        response = await client.post("/web/turn", json={"text": text})
        assert response.status == 200
        replies = await response.json()
        notice = default_knowledge().message("too_long", limit=f"{machine.MAX_TEXT_CHARS:,}")
        assert replies[0]["kind"] == "notice" and replies[0]["text"] == notice
        # And what was within the bound was read: the next question is not the use case.
        questions = [r for r in replies if r["kind"] == "question"]
        assert questions and questions[-1]["question_id"] != "use_case"
    finally:
        await client.close()
