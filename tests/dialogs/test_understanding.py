"""Slot values from free text: at least 30 phrasings, plus the numbers people write."""

from __future__ import annotations

import pytest

from dialogs.compiled import compile_knowledge
from dialogs.understanding import extract_slots, parse
from dialogs.understanding.numbers import BadNumber, find_counts
from knowledge import default_knowledge

KB = default_knowledge()
CK = compile_knowledge(KB)

PHRASINGS = [
    ("we have about 5k labelled tickets, tight budget, need it by Friday",
     {"examples": 5000, "has_data": "yes", "budget": "low", "timeline": "week"}),
    ("2,000 examples", {"examples": 2000, "has_data": "yes"}),
    ("a few million examples", {"examples": 3_000_000, "has_data": "yes"}),
    ("no data yet", {"has_data": "no", "examples": 0}),
    ("we don't have any data", {"has_data": "no", "examples": 0}),
    ("actually our budget is high", {"budget": "high"}),
    ("budget is tight", {"budget": "low"}),
    ("money is no object, big budget", {"budget": "high"}),
    ("medium budget", {"budget": "medium"}),
    ("we need high accuracy and a low budget", {"accuracy": "high", "budget": "low"}),
    ("it has to be perfect", {"accuracy": "perfect"}),
    ("perfect accuracy, big budget, gpu cluster",
     {"accuracy": "perfect", "budget": "high", "hardware": "gpu_cluster"}),
    ("good enough is fine", {"accuracy": "acceptable"}),
    ("we need it today", {"timeline": "today"}),
    ("asap please", {"timeline": "today"}),
    ("no rush, this quarter", {"timeline": "quarter"}),
    ("by end of the week", {"timeline": "week"}),
    ("we have 50k examples now", {"examples": 50_000, "has_data": "yes"}),
    ("around 10,000 support tickets", {"examples": 10_000, "has_data": "yes"}),
    ("1.5M labeled rows", {"examples": 1_500_000, "has_data": "yes"}),
    ("ten thousand conversations", {"examples": 10_000, "has_data": "yes"}),
    ("hundreds of examples", {"examples": 300, "has_data": "yes"}),
    ("it's a customer service chatbot", {"use_case": "customer_service"}),
    ("summarising contracts and documents", {"use_case": "document_analysis"}),
    ("code generation for our IDE", {"use_case": "code_generation"}),
    ("writing marketing copy", {"use_case": "content_generation"}),
    ("consistency matters most", {"priority": "consistency"}),
    ("speed to deploy is what matters", {"priority": "speed"}),
    ("it's a novel architecture", {"priority": "novel_architecture"}),
    ("our task is pretty common", {"uniqueness": "common"}),
    ("very specialized domain", {"uniqueness": "specialized"}),
    ("we only have a consumer gpu", {"hardware": "consumer_gpu"}),
    ("API only, no GPUs", {"hardware": "api_only"}),
    ("about 20M tokens a month", {"monthly_tokens": 20_000_000}),
    ("our prices change weekly", {"knowledge_updates": "often"}),
    ("it must explain its reasoning", {"explainability": "yes"}),
    ("low budget, actually make that a big budget", {"budget": "high"}),
    ("we have no gpu cluster, just a consumer gpu", {"hardware": "consumer_gpu"}),
]


@pytest.mark.parametrize(("text", "expected"), PHRASINGS, ids=[p[0][:40] for p in PHRASINGS])
def test_phrasing(text, expected):
    got = extract_slots(text, CK)
    assert {k: got.get(k) for k in expected} == expected, got


def test_there_are_at_least_30_phrasings():
    assert len(PHRASINGS) >= 30


@pytest.mark.parametrize("text", [
    "what about QLoRA?", "how many examples do I need?", "hello", "QLoRA on a 13B model?",
    "we have 2 weeks", "banana bread", "SET foo bar", "DROP TABLE users; --",
])
def test_text_without_answers_sets_nothing_unprompted(text):
    assert extract_slots(text, CK) == {}


@pytest.mark.parametrize(("pending", "text", "value"), [
    ("examples", "2,000", 2000),
    ("examples", "about 5k", 5000),
    ("examples", "a few million", 3_000_000),
    ("examples", "none", 0),
    ("examples", "fifty", 50),
    ("budget", "2", "medium"),
    ("budget", "tight", "low"),
    ("budget", "Medium", "medium"),
    ("budget", "high", "high"),
    ("timeline", "This week", "week"),
    ("timeline", "quarter", "quarter"),
    ("priority", "Consistent behaviour", "consistency"),
    ("priority", "novel_architecture", "novel_architecture"),
    ("has_data", "yep", "yes"),
    ("has_data", "nope", "no"),
    ("monthly_tokens", "20M", 20_000_000),
    ("has_data", "2", "no"),
])

def test_answers_to_the_pending_question(pending, text, value):
    assert extract_slots(text, CK, pending=pending)[pending] == value


@pytest.mark.parametrize("text", ["-5", "1e9999", "99999999999999999999"])
def test_numbers_that_cannot_be_counts_are_flagged_not_guessed(text):
    result = parse(text, CK, pending="examples")
    assert result.values == {}
    assert result.bad_number


def test_a_question_is_not_an_answer_to_the_pending_question():
    assert extract_slots("QLoRA on a 13B model?", CK, pending="examples") == {}
    assert extract_slots("how many examples do I need?", CK, pending="examples") == {}


def test_counts():
    assert [c.value for c in find_counts("about 5k or 1.5m or 2,000 or ten thousand")] == [
        5_000, 1_500_000, 2_000, 10_000]
    assert find_counts("a b testing") == []
    with pytest.raises(BadNumber):
        find_counts("-3 examples")


def test_a_count_answers_do_you_have_examples():
    assert extract_slots("2,000", CK, pending="has_data") == {"has_data": "yes", "examples": 2000}
    assert extract_slots("none", CK, pending="has_data")["has_data"] == "no"
