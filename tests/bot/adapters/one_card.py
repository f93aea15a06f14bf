"""Replies of every shape, and how to read back what each surface drew for them: the headings
in order, the progress line, the buttons. Shared by the fast cross-surface test and the web
page's browser test."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

from rich.console import Console

from bot.adapters.slack import blocks as kit
from bot.adapters.slack.mrkdwn import unescape
from bot.adapters.teams.cards import CardRenderer
from bot.adapters.terminal.render import reply_renderable
from dialogs.compiled import compile_knowledge
from dialogs.engine import decide
from dialogs.recommendation import Change, NotAsked, Recommendation
from dialogs.replies import Answer, Choice, Question, RecommendationReply, Reply, Table
from dialogs.slots import Slots
from knowledge import Knowledge, default_knowledge

KB = default_knowledge()
CK = compile_knowledge(KB)


def _decided(**answers: Any) -> Recommendation:
    return decide(Slots(**answers), CK)


def cards() -> dict[str, Recommendation]:
    """Cards that between them have, and lack, every optional section."""
    lora = _decided(has_data="yes", examples=5_000, priority="consistency", budget="medium",
                    uniqueness="specialized", accuracy="high", timeline="week",
                    hardware="datacenter_gpu", model_size=13, monthly_tokens=20_000_000)
    hybrids = _decided(use_case="document_analysis", has_data="yes", examples=5000,
                       priority="consistency", budget="low", uniqueness="specialized",
                       accuracy="perfect", timeline="today", knowledge_updates="often",
                       explainability="yes", hardware="consumer_gpu")
    scratch = _decided(has_data="yes", examples=5_000_000, budget="high",
                       uniqueness="novel", timeline="quarter", accuracy="high")
    prompt = _decided(has_data="no", budget="low")
    change = Change(slot="examples", value=600, approach="fine_tuning",
                    text="With 600 examples it would be fine-tuning.")
    return {
        "lora, not asked": lora.model_copy(update={"not_asked": [NotAsked(
            slot="explainability", text="Explanations: not asked, no answer changes this.")]}),
        "hybrids and notes": hybrids,
        "scratch": scratch,
        "prompt, unknown answers": prompt.model_copy(update={"not_asked": []}),
        "everything": hybrids.model_copy(update={
            "why_not": ["Training from scratch needs millions of examples."],
            "notes": ["Collect 100 more examples."], "what_would_change": [change],
            "unknown": ["budget"]}),
        "bare": scratch.model_copy(update={
            "reasons": [], "hybrids": [], "hybrid_reasons": [], "notes": [], "why_not": [],
            "what_would_change": [], "not_asked": [], "unknown": [], "method_reason": None,
            "assumptions": [], "roadmap": []}),
    }


def questions() -> dict[str, Question]:
    many = [Choice(value=f"v{i}", label=f"Choice {i}") for i in range(8)]
    return {
        "buttons, progress, commands": Question(
            question_id="budget", text="What's your budget?", hint="Low, medium or high.",
            choices=[Choice(value="low", label="Low"), Choice(value="high", label="High")],
            step=3, total_steps=8, progress="Question 3 of about 8", state_version=4,
            actions=[Choice(value="back", label="Back"),
                     Choice(value="now", label="Just tell me now")]),
        "typed, step only": Question(question_id="examples", text="How many examples?",
                                     step=2, total_steps=5),
        "many choices": Question(question_id="use_case", text="What for?", choices=many),
    }


def answers() -> dict[str, Answer]:
    return {
        "known topic, follow-ups": Answer(
            topic="qlora", text="QLoRA is LoRA on a 4-bit model.\n\nIt saves memory.",
            choices=[Choice(value="lora", label="LoRA"), Choice(value="cost", label="Costs")]),
        "table": Answer(topic="comparison", text="Side by side:",
                        table=Table(columns=["Aspect", "PE"], rows=[["Cost", "$0"]])),
        "unknown topic": Answer(topic="not_a_topic", text="Something."),
        # Filed under a known topic (how I decide) but not about it: no surface heads it so.
        "what-if": Answer(topic="decision_framework", text="What if: Budget: Low → High",
                          titled=False),
    }


# --- reading back what each surface drew -------------------------------------------------------

def _teams_text(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text.replace("\u200b", ""))


def slack_card_headings(rec: Recommendation, kb: Knowledge = KB) -> list[str]:
    """The card's section headings: a section whose text opens with a bold line of its own
    (stages are bold too, and are not sections)."""
    headings = []
    for block in (b.to_dict() for b in kit.card_blocks(rec, kb, state_version=1)):
        text = (block.get("text") or {}).get("text") or ""
        match = re.match(r"\*([^*\n]+)\*(?:\n|$)", text)
        if block["type"] == "section" and match and \
                not str(block.get("block_id") or "").startswith("stage:"):
            headings.append(unescape(match.group(1)))
    return headings


def teams_card_headings(rec: Recommendation, kb: Knowledge = KB) -> list[str]:
    card = CardRenderer(kb).recommendation(RecommendationReply(recommendation=rec)).content
    return [_teams_text(b["text"]) for b in card["body"]
            if b.get("type") == "TextBlock" and b.get("separator")]


def terminal_ansi(reply: Reply, kb: Knowledge = KB) -> str:
    console = Console(record=True, width=120, file=StringIO(), force_terminal=True,
                      color_system="standard")
    console.print(reply_renderable(reply, kb))
    return console.export_text(styles=True)


def terminal_plain(reply: Reply) -> str:
    console = Console(record=True, width=200, file=StringIO(), color_system=None)
    console.print(reply_renderable(reply, KB))
    return console.export_text()


def terminal_headings(reply: Reply, kb: Knowledge = KB) -> list[str]:
    """Headings are the bold and underlined lines."""
    return [h.strip() for h in re.findall(r"\x1b\[1;4m(.*?)\x1b\[0m", terminal_ansi(reply, kb))]


def slack_text(blocks: list[dict[str, Any]]) -> str:
    from testsupport.blockkit import texts_of

    return unescape(texts_of({"blocks": blocks}))


def teams_text(card: dict[str, Any]) -> str:
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("text", "title", "value") and isinstance(value, str):
                    texts.append(_teams_text(value))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card["body"])
    return "\n".join(texts)


def flat(text: str) -> str:
    return " ".join(text.replace("│", " ").split())
