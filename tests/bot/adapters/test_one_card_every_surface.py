"""One card, one voice: Slack, Teams and the terminal draw the same sections under the same
headings, in the same order, for the same card (the web page's part is in
web/test_web_browser.py, in a real browser); the same progress line, heading and buttons for a
question, and the same title and follow-ups for an answer. Every heading is the knowledge's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.adapters.slack import blocks as kit
from bot.adapters.slack.mrkdwn import unescape
from bot.adapters.teams.cards import CardRenderer
from dialogs.recommendation import Recommendation
from dialogs.replies import Answer, Question, RecommendationReply
from dialogs.view import CARD_SECTION_IDS, answer_view, card_view, question_view
from knowledge import load_knowledge
from knowledge.loader import DEFAULT_DIR
from tests.bot.adapters.one_card import (
    KB,
    answers,
    cards,
    flat,
    questions,
    slack_card_headings,
    slack_text,
    teams_card_headings,
    teams_text,
    terminal_ansi,
    terminal_headings,
    terminal_plain,
)

CARDS = cards()
QUESTIONS = questions()
ANSWERS = answers()


def sections_the_card_has(rec: Recommendation) -> list[str]:
    """Which sections a card's content calls for, read from the recommendation itself."""
    present = {"why": any(r.text for r in rec.reasons), "combine_with": bool(rec.hybrid_reasons),
               "costs": True, "data_needed": True, "roadmap": bool(rec.roadmap),
               "notes": bool(rec.notes), "why_not": bool(rec.why_not),
               "what_would_change": bool(rec.what_would_change),
               "not_asked": bool(rec.not_asked)}
    return [section for section in CARD_SECTION_IDS if present[section]]


def test_the_cases_cover_every_optional_section_present_and_absent() -> None:
    ids = [sections_the_card_has(rec) for rec in CARDS.values()]
    for section in CARD_SECTION_IDS:
        assert any(section in found for found in ids), section
        if section not in ("costs", "data_needed"):
            assert any(section not in found for found in ids), section
    assert any(card_view(rec, KB).footnote for rec in CARDS.values())


@pytest.mark.parametrize("name", list(CARDS))
def test_the_view_has_a_section_for_all_the_card_says_headed_by_the_knowledge(
        name: str) -> None:
    rec = CARDS[name]
    view = card_view(rec, KB)
    assert [s.id for s in view.sections] == sections_the_card_has(rec)
    assert view.headings() == [KB.surfaces.label(s.id) for s in view.sections]


@pytest.mark.parametrize("name", list(CARDS))
def test_every_surface_draws_the_same_headings_in_the_same_order(name: str) -> None:
    rec = CARDS[name]
    expected = card_view(rec, KB).headings()
    reply = RecommendationReply(recommendation=rec)
    assert slack_card_headings(rec) == expected
    assert teams_card_headings(rec) == expected
    assert terminal_headings(reply) == expected


@pytest.mark.parametrize("name", list(CARDS))
def test_every_surface_shows_every_line_and_label_of_the_view(name: str) -> None:
    rec = CARDS[name]
    view = card_view(rec, KB)
    reply = RecommendationReply(recommendation=rec)
    drawn = {
        "slack": flat(slack_text([b.to_dict() for b in kit.card_blocks(rec, KB)])),
        "teams": flat(teams_text(CardRenderer(KB).recommendation(reply).content)),
        "terminal": flat(terminal_plain(reply)),
    }
    lines = [view.title, view.summary, *view.remarks]
    lines += [part for fact in view.facts for part in (fact.label, fact.value)]
    for section in view.sections:
        lines += [*section.bullets, *section.small_print]
        lines += [part for fact in section.facts for part in (fact.label, fact.value)]
        lines += [part for stage in section.stages for part in (stage.heading, *stage.steps)]
    if view.footnote:
        lines.append(view.footnote)
    for surface, text in drawn.items():
        for line in lines:
            assert flat(line) in text, (surface, line)


# --- questions --------------------------------------------------------------------------------

def slack_question(question: Question) -> tuple[str | None, str, list[str], list[str]]:
    blocks = [b.to_dict() for b in kit.question_blocks(question, KB)]
    (heading,) = [b["text"]["text"] for b in blocks
                  if str(b.get("block_id") or "").startswith("question:")]
    contexts = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]
    progress = contexts[0].split(" · ")[0] if contexts else None
    choices: list[str] = []
    commands: list[str] = []
    for block in blocks:
        if block["type"] != "actions":
            continue
        target = commands if block["block_id"].startswith("commands:") else choices
        for element in block["elements"]:
            options = element.get("options") or [element]
            target += [o["text"]["text"] for o in options]
    return progress, heading.strip("*"), choices, commands


def teams_question(question: Question) -> tuple[str | None, str, list[str], list[str]]:
    card = CardRenderer(KB).question(question).content
    body = card["body"]
    (at,) = [i for i, b in enumerate(body) if b.get("size") == "Medium"]
    progress = [b["text"] for b in body[:at] if b.get("size") == "Small"]
    actions = card.get("actions", [])
    return (progress[0] if progress else None, body[at]["text"],
            [a["title"] for a in actions if "question_id" in a["data"]],
            [a["title"] for a in actions if "command" in a["data"]])


def terminal_question(question: Question) -> tuple[str | None, str, list[str], list[str]]:
    ansi = terminal_ansi(question)
    progress = re.search(r"\x1b\[2m\((.*?)\) \x1b\[0m", ansi)
    heading = re.search(r"\x1b\[1m(.*?)\x1b\[0m", ansi)
    plain = terminal_plain(question)
    choices = re.findall(r"\d+\. (.+?)(?=  \d+\. |\n)", plain)
    commands = re.findall(r"'[a-z]+': (.+?)(?=  '|\n)", plain)
    assert heading is not None
    return progress.group(1) if progress else None, heading.group(1), choices, commands


@pytest.mark.parametrize("name", list(QUESTIONS))
def test_every_surface_asks_a_question_the_same_way(name: str) -> None:
    question = QUESTIONS[name]
    view = question_view(question, KB)
    expected = (view.progress, view.text, [c.label for c in view.choices],
                [c.label for c in view.commands])
    # The knowledge words a progress line wherever the step is known.
    assert bool(expected[0]) == (question.step is not None)
    assert slack_question(question) == expected
    assert teams_question(question) == expected
    assert terminal_question(question) == expected


# --- answers ----------------------------------------------------------------------------------

def slack_answer(answer: Answer) -> tuple[list[str], list[str]]:
    blocks = [b.to_dict() for b in kit.answer_blocks(answer, KB)]
    first = blocks[0]["text"]["text"]
    title = re.match(r"\*([^*\n]+)\*\n", first)
    buttons = [e["text"]["text"] for b in blocks if b["type"] == "actions"
               for e in b["elements"]]
    return ([unescape(title.group(1))] if title else []), buttons


def teams_answer(answer: Answer) -> tuple[list[str], list[str]]:
    card = CardRenderer(KB).answer(answer).content
    titles = [b["text"] for b in card["body"] if b.get("weight") == "Bolder"]
    return titles, [a["title"] for a in card.get("actions", [])]


def terminal_answer(answer: Answer) -> tuple[list[str], list[str]]:
    label = KB.surfaces.label("ask_about")
    more = re.search(re.escape(label) + r": (.*)\n", terminal_plain(answer))
    return terminal_headings(answer), more.group(1).split(", ") if more else []


@pytest.mark.parametrize("name", list(ANSWERS))
def test_every_surface_heads_an_answer_and_offers_its_follow_ups_the_same_way(
        name: str) -> None:
    answer = ANSWERS[name]
    view = answer_view(answer, KB)
    expected: tuple[list[str], list[str]] = (view.headings(), [c.label for c in view.choices])
    assert view.headings() == ([KB.topics[answer.topic].title]
                               if answer.titled and answer.topic in KB.topics else [])
    for drawn in (slack_answer(answer), teams_answer(answer), terminal_answer(answer)):
        assert drawn == expected


def test_the_start_marker_is_lower_case_inside_a_line_and_a_badge_on_its_own() -> None:
    rec = CARDS["everything"]
    view = card_view(rec, KB)
    badge, inline = view.start_here, view.start_here_inline
    assert badge != inline
    reply = RecommendationReply(recommendation=rec)
    teams = CardRenderer(KB).recommendation(reply).content
    slack = [unescape(b.to_dict()["text"]["text"]) for b in kit.card_blocks(rec, KB)
             if str(b.to_dict().get("block_id") or "").startswith("stage:")]
    start = f"Stage {rec.start_stage}:"
    # Slack and the terminal put it at the end of the stage's line; Teams' plain text too.
    [slack_line] = [t.splitlines()[0] for t in slack if inline in t]
    assert slack_line.startswith(f"*{start}") and slack_line.endswith(f"*{inline}*")
    [terminal_line] = [line for line in terminal_plain(reply).splitlines() if inline in line]
    assert flat(terminal_line).startswith(start)
    assert f"({inline})" in teams["fallbackText"]
    # The capitalised badge only where it stands alone: Teams' line of its own under the stage.
    assert badge not in flat(slack_text([b.to_dict() for b in kit.card_blocks(rec, KB)]))
    assert badge not in terminal_plain(reply) and badge not in teams["fallbackText"]
    assert sum(t.endswith(badge) for t in teams_text(teams).splitlines()) == 1


def test_every_surface_draws_next_as_a_label_then_what_leads_on() -> None:
    rec = CARDS["everything"]
    view = card_view(rec, KB)
    label = view.next_label
    stages = [s for section in view.sections for s in section.stages if s.next]
    assert stages and all(not s.next.startswith(label) for s in stages if s.next)
    reply = RecommendationReply(recommendation=rec)
    slack = slack_text([b.to_dict() for b in kit.card_blocks(rec, KB)])
    teams = teams_text(CardRenderer(KB).recommendation(reply).content)
    terminal = terminal_plain(reply)
    for stage in stages:
        # Slack sets the label in italics, as before the view carried it.
        assert f"➜ _{label}_ {stage.next}" in slack
        assert f"{label} {stage.next}" in teams
        assert flat(f"{label} {stage.next}") in flat(terminal)
    # The terminal dims the label in italics (SGR 2 and 3) apart from what follows.
    assert re.search(r"\x1b\[(2;3|3;2)m" + re.escape(label) + r"\x1b\[0m", terminal_ansi(reply))


def test_an_organisations_wording_reaches_every_surface(tmp_path: Path) -> None:
    """No surface words a heading itself: reworded in the knowledge, every surface follows."""
    surfaces = yaml.safe_load((DEFAULT_DIR / "surfaces.yaml").read_text(encoding="utf-8"))
    for section in CARD_SECTION_IDS:
        surfaces["labels"][section] = f"Ours: {surfaces['labels'][section].lower()}"
    (tmp_path / "surfaces.yaml").write_text(yaml.safe_dump(surfaces), encoding="utf-8")
    ours = load_knowledge(tmp_path)
    rec = CARDS["everything"]
    expected = card_view(rec, ours).headings()
    assert len(expected) >= 7 and all(h.startswith("Ours: ") for h in expected)
    assert slack_card_headings(rec, ours) == expected
    assert teams_card_headings(rec, ours) == expected
    assert terminal_headings(RecommendationReply(recommendation=rec), ours) == expected
