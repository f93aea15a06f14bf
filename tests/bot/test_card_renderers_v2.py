"""The card content decision rules version 2 added (docs/architecture.md rules 5 and 8-9)
reaches every surface: the model size and GPU memory assumed, what would change it, costs at
the person's volume with hosting and payback, and what was not asked."""

from __future__ import annotations

import json
import re
from io import StringIO

from rich.console import Console

from bot.adapters.slack import blocks as kit
from bot.adapters.teams.cards import CardRenderer
from bot.adapters.terminal.render import render_reply
from dialogs.compiled import compile_knowledge
from dialogs.engine import decide
from dialogs.recommendation import NotAsked, Recommendation
from dialogs.replies import RecommendationReply
from dialogs.slots import Slots
from knowledge import default_knowledge
from testsupport.blockkit import texts_of

KB = default_knowledge()
CK = compile_knowledge(KB)


def v2_card() -> Recommendation:
    rec = decide(Slots(has_data="yes", examples=5_000, priority="consistency", budget="medium",
                       uniqueness="specialized", accuracy="high", timeline="week",
                       hardware="datacenter_gpu", model_size=13, monthly_tokens=20_000_000),
                 CK)
    return rec.model_copy(update={"not_asked": [NotAsked(
        slot="explainability", text="Explanations: not asked, no answer could change this.")]})


def expected(rec: Recommendation) -> list[str]:
    assert rec.assumptions and rec.what_would_change and rec.costs.hosting and rec.costs.payback
    return [*rec.assumptions, *(c.text for c in rec.what_would_change), rec.costs.monthly_label,
            rec.costs.monthly, rec.costs.hosting, rec.costs.payback,
            *(n.text for n in rec.not_asked)]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_slack_card_shows_the_v2_content() -> None:
    rec = v2_card()
    blocks = kit.card_blocks(rec, KB, state_version=1)
    text = flat(texts_of({"blocks": [b.to_dict() for b in blocks]}).replace("&amp;", "&"))
    for line in expected(rec):
        assert flat(line) in text, line


def test_teams_card_shows_the_v2_content() -> None:
    rec = v2_card()
    card = CardRenderer(KB).recommendation(RecommendationReply(recommendation=rec)).content
    text = flat(re.sub(r"\\(.)", r"\1", json.dumps(card, ensure_ascii=False)))
    for line in expected(rec):
        assert flat(line) in text, line


def test_terminal_card_shows_the_v2_content() -> None:
    rec = v2_card()
    console = Console(record=True, width=100, file=StringIO(), color_system=None)
    render_reply(console, RecommendationReply(recommendation=rec), KB)
    text = flat(console.export_text().replace("│", " "))
    for line in expected(rec):
        assert flat(line) in text, line
