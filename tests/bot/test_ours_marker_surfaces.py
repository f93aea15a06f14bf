"""Every surface shows that an answer goes beyond the guide (issue 13): the marker is part of
the neutral answer's text, so Slack, Teams, the terminal and the web page (which draws the
JSON text) all carry it without a renderer of their own."""

from __future__ import annotations

import json
from io import StringIO

from rich.console import Console

from bot.adapters.slack.blocks import answer_blocks
from bot.adapters.teams.cards import CardRenderer
from bot.adapters.terminal.render import render_reply
from dialogs.compiled import compile_knowledge
from dialogs.followups import topic_answer
from dialogs.replies import Answer, reply_json
from dialogs.slots import Slots
from knowledge import default_knowledge

KB = default_knowledge()
CK = compile_knowledge(KB)
MARKER_START = KB.message("ours_marker", sources="").split("Sources")[0].strip()


def _answer() -> Answer:
    [a] = topic_answer("inference", Slots(), CK, advised=False)
    assert isinstance(a, Answer) and a.ours is True
    return a


def test_slack_blocks_show_the_marker() -> None:
    blocks = answer_blocks(_answer())
    text = json.dumps([b.to_dict() for b in blocks], ensure_ascii=False)
    assert MARKER_START in text and "Kwon et al. 2023" in text


def test_teams_card_shows_the_marker() -> None:
    card = CardRenderer(KB).answer(_answer())
    text = json.dumps(card.content, ensure_ascii=False)
    assert MARKER_START in text and "Kwon et al. 2023" in text


def test_terminal_shows_the_marker() -> None:
    out = StringIO()
    render_reply(Console(file=out, width=200, color_system=None), _answer(), KB)
    assert MARKER_START in out.getvalue()


def test_web_json_carries_the_marker_and_the_flag() -> None:
    data = reply_json(_answer())
    assert MARKER_START in data["text"] and data["ours"] is True and data["sources"]
