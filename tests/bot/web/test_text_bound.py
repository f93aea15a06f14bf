"""The page's text bound is the core's, so no surface refuses what another accepts."""

from __future__ import annotations

import re
from pathlib import Path

from bot.web.adapter import MAX_TEXT_CHARS, STATIC_DIR
from dialogs import machine


def test_the_page_and_the_core_share_one_bound():
    assert MAX_TEXT_CHARS == machine.MAX_TEXT_CHARS
    html = (Path(STATIC_DIR) / "index.html").read_text(encoding="utf-8")
    assert re.search(rf'maxlength="{machine.MAX_TEXT_CHARS}"', html)
