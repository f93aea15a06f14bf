"""questions.yaml against the slot contract (dialogs/slots.py) and docs/architecture.md rule 2."""

from __future__ import annotations

import re

import pytest

from dialogs.slots import ALL_SLOTS, NUMERIC_SLOTS, slot_values
from knowledge import default_knowledge

KB = default_knowledge()

# docs/architecture.md rule 2, written out: (slot, value) -> the approach it votes for (None:
# no vote). Slots outside it (use case, data, and the optional slots) never vote through
# points_to: the engine counts the data and the volume itself, and the optional slots steer
# method and hybrids.
EXPECTED_POINTS_TO: dict[tuple[str, str], str | None] = {
    ("priority", "speed"): "prompt_engineering",
    ("priority", "consistency"): "fine_tuning",
    ("priority", "novel_architecture"): "training_from_scratch",
    ("budget", "low"): "prompt_engineering",
    ("budget", "medium"): "fine_tuning",
    ("budget", "high"): None,
    ("uniqueness", "common"): "prompt_engineering",
    ("uniqueness", "specialized"): "fine_tuning",
    ("uniqueness", "novel"): "training_from_scratch",
    ("accuracy", "acceptable"): "prompt_engineering",
    ("accuracy", "high"): "fine_tuning",
    ("accuracy", "perfect"): "fine_tuning",
    ("timeline", "today"): "prompt_engineering",
    ("timeline", "week"): "fine_tuning",
    ("timeline", "quarter"): None,
}
VOTING_SLOTS = {slot for slot, _ in EXPECTED_POINTS_TO}

# Bare words that mean different things in different slots: never a synonym on their own.
AMBIGUOUS = {"high", "low", "medium", "yes", "no", "none", "common", "novel", "perfect",
             "ok", "okay", "fine", "good", "bad", "mixed", "often", "rarely", "week",
             "quarter", "other", "speed", "api", "data", "examples", "some", "lots"}

APPROACH_WORDS = {"prompt_engineering": "prompt engineering", "fine_tuning": "fine-tuning",
                  "training_from_scratch": "training from scratch"}


def _choices():
    for slot, q in KB.questions.items():
        for c in q.choices:
            yield slot, c


def test_one_question_per_slot() -> None:
    assert set(KB.questions) == set(ALL_SLOTS)


@pytest.mark.parametrize("slot", ALL_SLOTS)
def test_choice_values_are_the_canonical_values_in_order(slot: str) -> None:
    values = tuple(c.value for c in KB.questions[slot].choices)
    assert values == slot_values(slot)
    if slot in NUMERIC_SLOTS:
        assert values == ()


def test_points_to_is_rule_4_exactly() -> None:
    actual = {(slot, c.value): c.points_to for slot, c in _choices() if slot in VOTING_SLOTS}
    assert actual == EXPECTED_POINTS_TO
    others = {(slot, c.value): c.points_to for slot, c in _choices() if slot not in VOTING_SLOTS}
    assert others and all(p is None for p in others.values())


def test_every_question_has_text_hint_label_keywords() -> None:
    for slot, q in KB.questions.items():
        assert q.text.strip().endswith("?"), slot
        assert q.hint.strip() and q.short_label.strip() and q.keywords, slot


def test_every_choice_has_label_and_reason_and_unique_label() -> None:
    for slot, q in KB.questions.items():
        labels = [c.label.lower() for c in q.choices]
        assert len(labels) == len(set(labels)), slot
        for c in q.choices:
            assert c.label.strip() and c.reason.strip(), (slot, c.value)
            assert c.synonyms or c.words, (slot, c.value)


def test_a_voting_reason_names_where_it_points() -> None:
    for slot, c in _choices():
        if c.points_to is not None:
            assert APPROACH_WORDS[c.points_to] in c.reason.lower(), (slot, c.value, c.reason)
        elif slot in VOTING_SLOTS:
            assert "no vote" in c.reason, (slot, c.value, c.reason)


def test_reason_examples_from_the_brief() -> None:
    assert KB.choice("budget", "low").reason == (  # type: ignore[union-attr]
        "A low budget points to prompt engineering: zero training cost.")
    perfect = KB.choice("accuracy", "perfect")
    assert perfect is not None and "fine-tuning with several iterations" in perfect.reason


def test_synonyms_are_never_ambiguous_bare_words() -> None:
    for slot, c in _choices():
        assert not AMBIGUOUS & set(c.synonyms), (slot, c.value)


def test_a_synonym_means_one_value_only() -> None:
    owner: dict[str, tuple[str, str]] = {}
    for slot, c in _choices():
        for phrase in c.synonyms:
            assert phrase not in owner, (phrase, owner.get(phrase), (slot, c.value))
            owner[phrase] = (slot, c.value)


def test_no_synonym_hides_inside_a_synonym_of_another_value_of_its_slot() -> None:
    """'no data' inside 'no data yet' is fine (same value); across values it would misread."""
    for slot, q in KB.questions.items():
        for a in q.choices:
            for b in q.choices:
                if a.value == b.value:
                    continue
                for short in a.synonyms:
                    pattern = re.compile(rf"(?<!\w){re.escape(short)}(?!\w)")
                    clash = [long for long in b.synonyms if pattern.search(long)]
                    assert not clash, (slot, a.value, short, b.value, clash)


def test_words_are_not_keywords_and_belong_to_one_value() -> None:
    for slot, q in KB.questions.items():
        keywords = set(q.keywords)
        seen: dict[str, str] = {}
        for c in q.choices:
            assert not keywords & set(c.words), (slot, c.value)
            for w in c.words:
                assert seen.setdefault(w, c.value) == c.value, (slot, w)


def test_synonyms_from_the_brief_are_present() -> None:
    expect = {
        ("budget", "low"): ["tight budget", "low budget", "small budget", "limited budget",
                            "no budget", "shoestring", "cheap"],
        ("timeline", "today"): ["today", "asap", "right now", "by tonight"],
        ("timeline", "week"): ["this week", "by friday", "next few days", "in a week"],
        ("timeline", "quarter"): ["this quarter", "next quarter", "few months", "no rush"],
        ("has_data", "no"): ["no data", "no examples", "don't have any data", "no data yet",
                             "nothing labelled"],
        ("use_case", "customer_service"): ["customer service", "support tickets", "helpdesk",
                                           "chatbot for customers"],
    }
    for (slot, value), phrases in expect.items():
        choice = KB.choice(slot, value)
        assert choice is not None
        assert set(phrases) <= set(choice.synonyms), (slot, value)
    assert set(KB.questions["budget"].keywords) >= {"budget", "money", "spend", "funds", "cost"}
    assert set(KB.choice("budget", "low").words) >= {  # type: ignore[union-attr]
        "tight", "low", "small", "limited", "minimal", "little"}


def test_examples_hint_shows_what_an_answer_looks_like() -> None:
    hint = KB.questions["examples"].hint
    for sample in ("2,000", "about 5k", "a few million", "none"):
        assert sample in hint


def test_labels_people_see() -> None:
    assert [c.label for c in KB.questions["timeline"].choices] == [
        "Today", "This week", "This quarter"]
    assert [c.label for c in KB.questions["hardware"].choices] == [
        "API only (no GPUs)", "A consumer GPU (24 GB or less)", "Datacenter GPUs (40-80 GB)",
        "A GPU cluster"]
    assert KB.questions["budget"].short_label == "Budget"
