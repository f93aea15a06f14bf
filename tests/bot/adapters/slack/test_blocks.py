"""Block Kit rendering: slack_sdk models, Slack's limits kept on the largest cards, long text
split or trimmed (never rejected), mrkdwn escaping and cutting."""

from __future__ import annotations

import itertools
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from bot.adapters.slack import blocks as kit
from bot.adapters.slack.mrkdwn import ELLIPSIS, escape, split, trim, unescape
from dialogs.compiled import compile_knowledge
from dialogs.engine import decide
from dialogs.recommendation import Change, Reason, Recommendation
from dialogs.replies import Answer, Choice, Notice, Question, RecommendationReply
from dialogs.slots import Slots
from knowledge import default_knowledge
from testsupport.blockkit import assert_valid_message, texts_of

KB = default_knowledge()
CK = compile_knowledge(KB)

# Answers that switch on every optional part of the card: all three hybrids, a method with
# its reason, the 50-99 examples note, why-not lines, what would change it.
HEAVY = [
    dict(use_case="document_analysis", has_data="yes", examples=60, priority="consistency",
         budget="high", uniqueness="specialized", accuracy="perfect", timeline="quarter",
         knowledge_updates="often", hardware="consumer_gpu", data_quality="mixed",
         monthly_tokens=20_000_000, explainability="yes"),
    dict(use_case="document_analysis", has_data="yes", examples=2_000_000,
         priority="novel_architecture", budget="high", uniqueness="novel", accuracy="perfect",
         timeline="today", knowledge_updates="often", hardware="gpu_cluster",
         data_quality="low", monthly_tokens=50_000_000, explainability="yes"),
    dict(use_case="customer_service", has_data="yes", examples=5000, priority="speed",
         budget="low", uniqueness="common", accuracy="high", timeline="today",
         explainability="yes"),
    {},
]


def message_of(blocks: list[Block], text: str = "x") -> dict[str, object]:
    return {"text": text, "blocks": [b.to_dict() for b in blocks]}


def largest_real_card() -> Recommendation:
    cards = [decide(Slots(**answers), CK) for answers in HEAVY]
    return max(cards, key=lambda rec: len(rec.model_dump_json()))


def oversized(rec: Recommendation) -> Recommendation:
    """The largest card blown past every limit: long text, many lines, long names."""
    long_line = "Because " + "the data really matters & <counts> " * 120  # ~4,300 chars
    return rec.model_copy(update={
        "title": "A very long title " * 20,
        "summary": long_line * 3,
        "reasons": [Reason(slot="budget", value="high", points_to=None,
                           text=f"Reason {i}: {long_line}") for i in range(60)],
        "notes": [long_line] * 10, "why_not": [long_line] * 10,
        "what_would_change": [Change(slot="budget", value="low", approach="prompt_engineering",
                                     text=long_line)] * 10,
        "hybrid_reasons": [long_line] * 5,
        "method_reason": long_line,
    })


def test_the_largest_real_card_fits_slack() -> None:
    rec = largest_real_card()
    assert len(rec.hybrids) == 3  # the heavy answers did switch everything on
    blocks = kit.card_blocks(rec, KB, state_version=7)
    message = message_of(blocks, kit.card_fallback(rec))
    assert_valid_message(message)
    shown = texts_of(message)
    for stage in rec.roadmap:
        assert stage.title in shown
    assert shown.count(KB.surfaces.label("start_here_inline")) == 1
    for reason in rec.reasons:
        assert escape(reason.text) in shown


def test_an_oversized_card_is_split_and_trimmed_never_rejected() -> None:
    rec = oversized(largest_real_card())
    blocks = kit.card_blocks(rec, KB, state_version=7)
    message = message_of(blocks, kit.card_fallback(rec))
    assert_valid_message(message)  # 50 blocks, 3,000 a section, 150 a header, ...
    assert len(blocks) == kit.MAX_BLOCKS
    raw = [b.to_dict() for b in blocks]
    assert raw[-1]["type"] == "actions"  # the buttons survive the cut
    assert "Trimmed to fit in Slack" in texts_of({"blocks": raw[-2:]})
    # The long summary was split over sections, not cut: all of it is there.
    summary_blocks = list(itertools.takewhile(lambda b: "fields" not in b, raw[1:]))
    assert len(summary_blocks) > 1
    summary = "".join(b["text"]["text"] for b in summary_blocks)
    assert summary.replace("\n", "").replace(" ", "") == \
        escape(rec.summary).replace(" ", "")
    assert len(raw[0]["text"]["text"]) <= kit.HEADER_TEXT_MAX


def test_a_shared_card_has_no_buttons_and_credits_the_sharer() -> None:
    rec = largest_real_card()
    blocks = [b.to_dict() for b in kit.card_blocks(rec, KB, shared_by="U1")]
    assert all(b["type"] != "actions" for b in blocks)
    assert "Shared by <@U1>" in texts_of({"blocks": blocks})


def test_more_than_five_choices_become_a_static_select() -> None:
    choices = [Choice(value=f"v{i}", label=f"Choice {i}") for i in range(7)]
    question = Question(question_id="hardware", text="Which?", choices=choices,
                        state_version=3)
    blocks = [b.to_dict() for b in kit.question_blocks(question)]
    select = blocks[-1]["elements"][0]
    assert select["type"] == "static_select"
    assert [o["text"]["text"] for o in select["options"]] == [c.label for c in choices]
    assert kit.decode_choice(select["options"][2]["value"]) == ("hardware", "v2", 3)


def test_five_choices_are_buttons_with_labels_cut_to_75() -> None:
    choices = [Choice(value=f"v{i}", label="L" * 100 if i == 0 else f"C{i}") for i in range(5)]
    question = Question(question_id="budget", text="How much?", choices=choices,
                        state_version=2, step=3, total_steps=9, hint="low, medium or high")
    message = message_of(kit.question_blocks(question))
    assert_valid_message(message)
    buttons = message["blocks"][-1]["elements"]  # type: ignore[index]
    assert [b["type"] for b in buttons] == ["button"] * 5
    assert len(buttons[0]["text"]["text"]) == kit.BUTTON_LABEL_MAX
    assert buttons[0]["text"]["text"].endswith(ELLIPSIS)
    assert len({b["action_id"] for b in buttons}) == 5  # unique within the message
    assert "Question 3 of 9" in texts_of(message)


@pytest.mark.parametrize("raw", ["", "1|budget", "x|budget|low", "3||low", "3|budget|"])
def test_button_values_we_did_not_make_are_refused(raw: str) -> None:
    assert kit.decode_choice(raw) is None


def test_values_with_the_separator_survive_the_round_trip() -> None:
    assert kit.decode_choice(kit.encode_choice("q", "a|b", 12)) == ("q", "a|b", 12)


def test_a_turn_packs_answers_into_the_record_and_the_card_alone() -> None:
    rec = largest_real_card()
    replies = [Notice(text="Budget: High", slot="budget", value="high"),
               Notice(text="Decision changed"),
               RecommendationReply(recommendation=rec, state_version=4),
               Answer(topic="cost", text="It costs", choices=[Choice(value="rag", label="RAG")])]
    messages = kit.SlackRenderer(KB).replies(replies)
    assert len(messages) == 3
    first, card, after = (m.payload() for m in messages)
    assert first["blocks"][0]["block_id"] == kit.ANSWERED_BLOCK_ID
    assert first["blocks"][0]["text"]["text"] == "✓ Budget: High"
    assert card["blocks"][0]["type"] == "header"
    assert after["blocks"][-1]["elements"][0]["action_id"] == "topic:0"
    for payload in (first, card, after):
        assert_valid_message(payload)


def test_a_huge_answer_is_split_within_fifty_blocks() -> None:
    answer = Answer(topic="comparison", text=("word " * 700 + "\n") * 80)  # ~280k chars
    messages = kit.SlackRenderer(KB).replies([answer])
    for message in messages:
        assert_valid_message(message.payload())


def test_the_record_keeps_the_latest_lines_within_3000() -> None:
    lines = [f"✓ Line {i} " + "x" * 200 for i in range(40)]
    block = kit.answered_block(lines).to_dict()
    text = block["text"]["text"]
    assert len(text) <= kit.SECTION_TEXT_MAX
    assert text.endswith(lines[-1])


def test_escape_and_unescape() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert unescape(escape("a < b & c > d &amp;")) == "a < b & c > d &amp;"


ENTITY_TEXT = st.text(alphabet=st.sampled_from(list("ab &<>\n")), max_size=400)


@given(ENTITY_TEXT, st.integers(min_value=8, max_value=60))
def test_split_keeps_every_character_and_no_entity_is_cut(text: str, limit: int) -> None:
    escaped = escape(text)
    pieces = split(escaped, limit)
    assert all(len(p) <= limit for p in pieces)
    squash = "".join(escaped.split())
    assert "".join("".join(pieces).split()) == squash
    for piece in pieces:
        assert escape(unescape(piece)) == piece  # whole entities only


@given(ENTITY_TEXT, st.integers(min_value=8, max_value=60))
def test_trim_is_within_the_limit_and_whole(text: str, limit: int) -> None:
    escaped = escape(text)
    cut = trim(escaped, limit)
    assert len(cut) <= limit
    if len(escaped) <= limit:
        assert cut == escaped
    else:
        assert cut.endswith(ELLIPSIS)
        body = cut.removesuffix(ELLIPSIS)
        assert escape(unescape(body)) == body


def test_every_slack_model_round_trips() -> None:
    rec = largest_real_card()
    for block in itertools.chain(kit.card_blocks(rec, KB), kit.card_blocks(rec, KB,
                                                                           shared_by="U9")):
        raw = block.to_dict()
        assert Block.parse(raw).to_dict() == raw  # type: ignore[union-attr]


def test_a_question_drawn_once_is_what_the_models_draw() -> None:
    question = Question(question_id="budget", text="Budget <b>?", intro="Hi & welcome",
                        choices=[Choice(value="low", label="Low")], state_version=5)
    fresh = [b.to_dict() for b in kit.question_blocks(question, KB)]
    renderer = kit.SlackRenderer(KB, drawn_questions=1)
    assert renderer.question(question) == fresh
    assert renderer.question(question) == fresh  # again, from the cache
    other = question.model_copy(update={"state_version": 6})
    assert renderer.question(other) != fresh  # the version is in the buttons
    # The cache holds one question here: the first was dropped, and is drawn again the same.
    assert renderer.question(question) == fresh
    assert_valid_message({"text": "x", "blocks": renderer.question(question)})


def test_the_web_api_client_does_not_format_debug_lines_it_will_not_show() -> None:
    from bot.adapters.slack.app import web_api_logger

    assert web_api_logger("INFO").level == logging.INFO  # not NOTSET: slack_sdk checks it
    assert web_api_logger("DEBUG").level == logging.DEBUG
