"""Card rendering: schema-valid Adaptive Cards 1.5, escaped text, fallbacks, the size limit."""

from __future__ import annotations

import json

import pytest

from bot.adapters.teams.cards import (
    CARD_BUDGET_BYTES,
    CardRenderer,
    accepted_answers,
    escape_markdown,
)
from dialogs.compiled import compile_knowledge
from dialogs.engine import decide
from dialogs.replies import (
    Answer,
    Choice,
    ErrorReply,
    Notice,
    Question,
    RecommendationReply,
    Table,
)
from dialogs.slots import Slots
from knowledge import default_knowledge
from testsupport.teams_standin import (
    MESSAGE_LIMIT_BYTES,
    card_problems,
    card_texts,
    submit_actions,
)

KB = default_knowledge()
CK = compile_knowledge(KB)
RENDER = CardRenderer(KB)
HOSTILE = "**[click me](https://evil.example)** _x_ `code` ~~s~~ {{DATE(2017-02-14T06:08:39Z)}}"


def valid(card: dict) -> dict:
    activity = {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}]}
    raw = json.dumps(activity).encode()
    assert card_problems(activity, len(raw)) == []
    return card


def recommendation(**slots: object) -> RecommendationReply:
    return RecommendationReply(recommendation=decide(Slots(**slots), CK), state_version=4)


@pytest.mark.parametrize(("text", "escaped"), [
    ("plain words, 5,000 examples. $10-100", "plain words, 5,000 examples. $10-100"),
    ("**bold** and _it_", r"\*\*bold\*\* and \_it\_"),
    ("[click](https://evil.example)", r"\[click\](https://evil.example)"),
    ("`rm -rf` ~~gone~~", r"\`rm -rf\` \~\~gone\~\~"),
    ("- not a list\n+ nor this\n1. nor this\n2) nor this",
     "\\- not a list\n\\+ nor this\n1\\. nor this\n2\\) nor this"),
    ("# not a heading\n> not a quote", "\\# not a heading\n\\> not a quote"),
    (r"a \ backslash", r"a \\ backslash"),
    ("{{DATE(2017-02-14T06:08:39Z, SHORT)}}", "{\u200b{DATE(2017-02-14T06:08:39Z, SHORT)}}"),
])
def test_escape_markdown(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped


def test_a_question_card_has_one_submit_per_choice_carrying_id_value_and_version() -> None:
    question = Question(question_id="budget", text="What's your budget?",
                        choices=[Choice(value="low", label="Low"),
                                 Choice(value="high", label="High")],
                        hint="Pick one", state_version=7, step=5, total_steps=8,
                        intro="Welcome!")
    card = valid(RENDER.question(question).content)

    assert [(a["title"], a["data"]) for a in submit_actions(card)] == [
        ("Low", {"question_id": "budget", "value": "low", "state_version": 7}),
        ("High", {"question_id": "budget", "value": "high", "state_version": 7}),
    ]
    assert card_texts(card) == ["Welcome!", "Question 5 of 8", "What's your budget?",
                                "Pick one"]
    assert card["fallbackText"].splitlines() == [
        "Welcome!", "What's your budget?", "1. Low", "2. High", "Pick one"]


def test_notices_ride_on_the_next_card_and_trailing_ones_get_their_own() -> None:
    replies = [Notice(text="Budget: low", slot="budget", value="low"),
               Question(question_id="timeline", text="When?"),
               ErrorReply(text="Something failed")]
    question_card, notes_card = RENDER.render(replies)

    assert card_texts(question_card.content)[:2] == ["Budget: low", "When?"]
    (error_block,) = notes_card.content["body"]
    assert error_block["color"] == "Attention"
    for rendered in (question_card, notes_card):
        valid(rendered.content)


def test_accepted_answers_are_only_the_leading_slot_notices() -> None:
    accepted = Notice(text="Budget: low", slot="budget", value="low")
    plain = Notice(text="By the way")
    question = Question(question_id="timeline", text="When?")

    assert accepted_answers([accepted, question]) == ([accepted], [question])
    assert accepted_answers([plain, accepted, question]) == ([], [plain, accepted, question])
    assert accepted_answers([accepted]) == ([accepted], [])


def test_the_answered_card_is_one_line_per_answer_and_no_buttons() -> None:
    card = valid(RENDER.answered([Notice(text="Budget: low", slot="budget")]).content)
    assert card_texts(card) == ["✓ Budget: low"]
    assert "actions" not in card


def test_person_supplied_text_is_escaped_everywhere_it_lands() -> None:
    rendered = RENDER.render([
        Notice(text=HOSTILE),
        Answer(topic="cost", text=HOSTILE, table=Table(columns=["a", HOSTILE],
                                                       rows=[[HOSTILE, "x"]])),
    ])
    (card,) = rendered
    texts = card_texts(valid(card.content))
    assert len([t for t in texts if "click me" in t]) == 4
    for text in texts:
        assert "[click me](" not in text and "**" not in text and "{{" not in text
    # The fallback is plain text for clients without cards: shown as written.
    assert HOSTILE in card.content["fallbackText"]


def test_an_answer_card_draws_its_table_and_topic_buttons() -> None:
    answer = Answer(topic="comparison", text="Side by side:",
                    table=Table(columns=["Aspect", "PE", "FT"],
                                rows=[["Cost", "$0", "$10-1,000"], ["Short row"]]),
                    choices=[Choice(value="qlora", label="QLoRA")])
    card = valid(RENDER.answer(answer).content)

    (table,) = [b for b in card["body"] if b["type"] == "Table"]
    assert len(table["rows"]) == 3 and all(len(r["cells"]) == 3 for r in table["rows"])
    assert [a["data"] for a in submit_actions(card)] == [{"command": "topic", "value": "qlora"}]
    assert card_texts(card)[0] == KB.topics["comparison"].title


def test_the_recommendation_card() -> None:
    reply = recommendation(use_case="document_analysis", has_data="yes", examples=5000,
                           priority="consistency", budget="low", uniqueness="specialized",
                           accuracy="perfect", timeline="today", knowledge_updates="often",
                           explainability="yes", hardware="consumer_gpu")
    rec = reply.recommendation
    card = valid(RENDER.recommendation(reply).content)
    texts = [t.replace("\\", "") for t in card_texts(card)]

    assert texts[0] == rec.title
    assert "Approach: Fine-Tuning" in texts and "Method: QLoRA" in texts
    for fact in (f"Training: {rec.costs.training}", f"Minimum: {rec.data_needed.minimum}",
                 f"You have: {rec.data_needed.you_have}"):
        assert fact in texts
    stage_titles = [t for t in texts if t.startswith("Stage ")]
    assert [t.split(":")[0] for t in stage_titles] == [f"Stage {n}" for n in (1, 2, 3, 4)]
    # "You start here" once, right under the start stage.
    start_here = KB.surfaces.label("start_here")
    marker = texts.index(f"▶ {start_here}")
    assert texts[marker - 1].startswith(f"Stage {rec.start_stage}:")
    assert sum(start_here in t for t in texts) == 1
    for reason in rec.reasons:
        assert f"• {reason.text}" in texts
    assert any(t.startswith("Combine with: RAG (Retrieval Augmented Generation)")
               for t in texts)
    assert [(a["title"], a["data"]) for a in submit_actions(card)] == [
        ("Explain", {"command": "explain"}), ("Start over", {"command": "restart"})]
    assert card["fallbackText"].startswith(rec.title)
    # Rules version 2, rule 4: a deadline of today ships a prompt first, at stage 1.
    # Inside the line the marker is lower case; the capitalised badge is for a line of its own.
    inline = KB.surfaces.label("start_here_inline")
    assert f"Stage 1: Prompt Engineering ({inline})" in card["fallbackText"]
    assert start_here not in card["fallbackText"]


def test_a_huge_reply_is_trimmed_to_fit_teams_message_limit() -> None:
    huge = "A long line with [markup] and *stars*. " * 3000  # ~120 KB, more once escaped
    question = Question(question_id="budget", text="What's your budget?",
                        choices=[Choice(value="low", label="Low")])
    cards = RENDER.render([Answer(topic="cost", text=huge), Notice(text=huge), question])

    for rendered in cards:
        card = valid(rendered.content)
        assert len(json.dumps(card).encode()) <= CARD_BUDGET_BYTES < MESSAGE_LIMIT_BYTES
    # The question's buttons survive the trimming.
    assert [a["title"] for a in submit_actions(cards[-1].content)] == ["Low"]


def test_many_short_lines_are_trimmed_too() -> None:
    # Per-line text blocks would cost far more than the text itself.
    (rendered,) = RENDER.render([Notice(text="a\n" * 20000)])
    card = valid(rendered.content)
    assert len(json.dumps(card).encode()) <= CARD_BUDGET_BYTES
    assert card["body"][0]["text"].startswith("a")


def test_the_welcome_card_has_start_and_help() -> None:
    card = valid(RENDER.welcome().content)
    assert KB.message("greeting") in card_texts(card)
    assert [a["data"] for a in submit_actions(card)] == [{"command": "start"},
                                                         {"command": "help"}]


def test_every_card_of_every_reply_kind_is_valid_without_knowledge() -> None:
    bare = CardRenderer(None)  # display names fall back to the ids
    reply = recommendation(has_data="no")
    for rendered in (bare.welcome(), bare.recommendation(reply),
                     bare.answer(Answer(topic="x", text="y")),
                     bare.notes([Notice(text="n")])):
        valid(rendered.content)
        assert rendered.summary
