"""Follow-up understanding: the phrasing table, the threshold, the calculators' numbers."""

from __future__ import annotations

import pytest

from dialogs.followups import TOPIC_IDS, classify
from dialogs.followups.matcher import MATCH_THRESHOLD, TopicMatcher, normalise
from tests.dialogs.followups.phrasings import PHRASINGS, UNPLACEABLE


def test_the_table_is_big_enough() -> None:
    assert len(PHRASINGS) >= 80
    assert {topic for _, _, topic in PHRASINGS} >= set(TOPIC_IDS)


@pytest.mark.parametrize(("text", "kind", "topic"), PHRASINGS)
def test_phrasing(text: str, kind: str, topic: str, kb, ck) -> None:
    intent = classify(text, ck)
    assert intent is not None, f"{text!r} was not understood"
    assert (intent.kind, intent.topic) == (kind, topic)
    assert 0 <= intent.score <= 100


@pytest.mark.parametrize("text", UNPLACEABLE)
def test_unrelated_text_is_not_guessed(text: str, kb, ck) -> None:
    assert classify(text, ck) is None


def test_topic_ids_match_the_knowledge(kb) -> None:
    assert set(kb.topics) == set(TOPIC_IDS)


@pytest.mark.parametrize(("raw", "norm"), [
    ("Q-LoRA?", "qlora"), ("What's  RAG!!", "whats rag"), ("fine-tuning", "finetuning"),
    ("4-bit fine-tuning", "4bit finetuning"), ("  ", ""),
])
def test_normalise(raw: str, norm: str) -> None:
    assert normalise(raw) == norm


def test_threshold_separates_a_slip_from_a_different_word(kb) -> None:
    matcher = TopicMatcher(kb.topics)
    slip = matcher.best("lorra")
    assert slip is not None and slip.topic == "lora" and slip.score >= MATCH_THRESHOLD
    # "lord" is one letter from "lora" too, but a substitution scores under the threshold.
    assert matcher.best("lord") is None
    # Short aliases match only as whole words: "rag" is not found inside "storage" or "drag".
    assert matcher.best("storage drag") is None


def test_scores_are_lower_for_slips_than_exact_names(kb, ck) -> None:
    exact, slip = classify("qlora", ck), classify("qlroa", ck)
    assert exact is not None and slip is not None
    assert exact.score == 100 and MATCH_THRESHOLD <= slip.score < 100


@pytest.mark.parametrize(("text", "tokens"), [
    ("How much would that cost at 20M tokens a month?", 20_000_000),
    ("cost at 500k tokens/month", 500_000),
    ("we expect 1 million tokens per month", 1_000_000),
    ("what's the cost for a million tokens", 1_000_000),
    ("20,000,000 tokens monthly, how much?", 20_000_000),
])
def test_cost_reads_monthly_tokens(text: str, tokens: int, kb, ck) -> None:
    intent = classify(text, ck)
    assert intent is not None and intent.kind == "cost"
    assert intent.params["monthly_tokens"] == tokens


def test_cost_without_a_volume_has_no_tokens(kb, ck) -> None:
    intent = classify("is it expensive?", ck)
    assert intent is not None and intent.kind == "cost" and "monthly_tokens" not in intent.params


@pytest.mark.parametrize(("text", "params"), [
    ("QLoRA on a 13B model?", {"model_params": 13e9, "method": "qlora"}),
    ("can I fine-tune a 70B model on a 24 GB GPU?",
     {"model_params": 70e9, "gpu_gb": 24.0, "gpu_count": 1}),
    ("will a 7b model fit on an A100", {"model_params": 7e9, "gpu_gb": 80.0}),
    ("65B with qlora on a 48GB card", {"model_params": 65e9, "gpu_gb": 48.0, "method": "qlora"}),
    ("13 billion parameter model with lora on two 4090s",
     {"model_params": 13e9, "gpu_gb": 24.0, "gpu_count": 2, "method": "lora"}),
    ("full fine-tuning of a 7B model on 8 x 80GB",
     {"model_params": 7e9, "gpu_gb": 80.0, "gpu_count": 8, "method": "standard"}),
])
def test_memory_reads_size_gpu_and_method(text: str, params: dict, kb, ck) -> None:
    intent = classify(text, ck)
    assert intent is not None and intent.kind == "gpu_memory"
    for key, value in params.items():
        assert intent.params[key] == value, key


def test_whatif_carries_the_hypothetical_answers(kb, ck) -> None:
    intent = classify("What if we had 50k examples?", ck)
    assert intent is not None and intent.kind == "whatif"
    assert intent.params["slots"]["examples"] == 50_000


def test_whatif_naming_a_topic_is_a_topic_question(kb, ck) -> None:
    intent = classify("what if we used QLoRA instead?", ck)
    assert intent is not None and (intent.kind, intent.topic) == ("topic", "qlora")


def test_whatif_naming_nothing_is_not_guessed(kb, ck) -> None:
    assert classify("what if aliens landed", ck) is None


def test_only_the_start_of_a_very_long_message_is_read(kb, ck) -> None:
    from dialogs.followups.classify import MAX_CLASSIFY_CHARS
    assert classify("what about qlora " + "blah " * MAX_CLASSIFY_CHARS, ck) is not None
    assert classify("blah " * MAX_CLASSIFY_CHARS + "what about qlora", ck) is None


def test_a_dollar_amount_is_a_cost_question(kb, ck) -> None:
    intent = classify("is $500 a month a lot", ck)
    assert intent is not None and intent.kind == "cost"
