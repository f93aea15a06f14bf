"""The general cues the understanding reads beyond single phrases: an opening's first sentence
as its task, phrases that mean a value only under a negation, a period on the update scale,
a bare number as an accuracy only where plausible, inflected words not taken for slips, and a
GPU's name over the class words around it."""

from __future__ import annotations

import pytest

from dialogs.compiled import compile_knowledge
from dialogs.understanding import parse
from knowledge import default_knowledge

KB = default_knowledge()
CK = compile_knowledge(KB)


@pytest.mark.parametrize(("text", "use_case"), [
    ("fraud scoring. regulators need to see why", "other"),
    ("hey! churn prediction for our telco, about 20k labelled rows", "other"),
    ("contract summarisation - consistency is the main thing", "document_analysis"),
    ("sql gen for the analysts, we need it this week", "code_generation"),
    ("we're an insurer. we want to summarise claim documents, about 5k of them",
     "document_analysis"),
    # who the customers are is context, not the task
    ("our customers are hospitals; we want to summarise discharge notes", "document_analysis"),
    ("it's for customer support, budget is tight", "customer_service"),
])
def test_an_opening_names_its_task_first(text: str, use_case: str) -> None:
    assert parse(text, CK).values["use_case"] == use_case


@pytest.mark.parametrize("text", [
    "we have 5k tickets, budget is tight",  # what the team has, not what it builds
    "we'd like to fine-tune qwen on 20k support chats, budget is tight",  # the data
    "today we answer tickets by hand, it's slow",  # how things are done now
    "our docs never change, so prompting is probably enough",  # how knowledge changes
    "I guess content",  # one clause: not an opening
])
def test_a_first_sentence_about_something_else_names_no_task(text: str) -> None:
    assert "use_case" not in parse(text, CK).values


@pytest.mark.parametrize(("pending", "text", "slot", "value"), [
    (None, "fraud scoring, it can't make a single error", "accuracy", "perfect"),
    ("accuracy", "we must not get anything wrong", "accuracy", "perfect"),
    (None, "support bot, our policies don't change", "knowledge_updates", "rarely"),
    ("knowledge_updates", "the docs haven't changed since 2019", "knowledge_updates", "rarely"),
    ("priority", "never random, always the same shape", "priority", "consistency"),
    ("priority", "it shouldn't give different answers to the same question", "priority",
     "consistency"),
])
def test_a_phrase_that_means_a_value_only_negated(pending: str | None, text: str, slot: str,
                                                  value: str) -> None:
    assert parse(text, CK, pending=pending).values[slot] == value


@pytest.mark.parametrize(("pending", "text", "slot", "value"), [
    ("accuracy", "a single error now and then is fine", "accuracy", "perfect"),
    (None, "we can't change the model we use", "knowledge_updates", "rarely"),
    (None, "our data quality doesn't vary much", "priority", "consistency"),
])
def test_the_same_phrase_without_a_negation_or_a_keyword_says_nothing(
        pending: str | None, text: str, slot: str, value: str) -> None:
    assert parse(text, CK, pending=pending).values.get(slot) != value


@pytest.mark.parametrize(("text", "value"), [
    ("every couple of years at most", ("rarely",)),
    ("every 6 months or so", ("rarely",)),
    ("every few days", ("often",)),
    ("every other day", ("often",)),
])
def test_a_period_is_read_on_the_update_scale(text: str, value: tuple[str, ...]) -> None:
    assert parse(text, CK, pending="knowledge_updates").values["knowledge_updates"] == value[0]


def test_a_period_between_the_two_values_is_asked_about() -> None:
    result = parse("every 2 weeks", CK, pending="knowledge_updates")
    assert "knowledge_updates" not in result.values
    assert set(result.clarify["knowledge_updates"]) == {"rarely", "often"}


@pytest.mark.parametrize(("text", "value"), [
    ("one error and we get fined", "perfect"),
    ("every single one has to be correct, auditors check", "perfect"),
    ("95", "high"),
    ("about 80", "acceptable"),
])
def test_a_small_number_answering_accuracy_is_not_a_percentage(text: str, value: str) -> None:
    assert parse(text, CK, pending="accuracy").values["accuracy"] == value


def test_two_errors_is_not_two_percent() -> None:
    assert parse("two errors would get us in trouble", CK, pending="accuracy").values.get(
        "accuracy") != "acceptable"


def test_an_inflected_word_is_not_a_slip_of_the_vocabulary_word() -> None:
    # "fined" is not "fine" (acceptable), "lower" not "low"
    assert parse("we get fined", CK, pending="accuracy").values.get("accuracy") != "acceptable"


@pytest.mark.parametrize(("text", "value"), [
    ("we have a workstation with an rtx a6000", "datacenter_gpu"),
    ("a workstation with two a100s", "datacenter_gpu"),
    ("an rtx 4090 in a workstation", "consumer_gpu"),
])
def test_a_gpu_s_name_decides_its_class(text: str, value: str) -> None:
    assert parse(text, CK, pending="hardware").values["hardware"] == value


def test_modest_is_asked_about_not_guessed() -> None:
    result = parse("modest", CK, pending="budget")
    assert "budget" not in result.values
    assert set(result.clarify["budget"]) == {"low", "medium"}


def test_a_gpu_s_model_number_is_not_a_count_of_examples() -> None:
    values = parse("a copilot that writes python, we have a single 4090 and no labelled data",
                   CK).values
    assert values["hardware"] == "consumer_gpu"
    assert values.get("examples", 0) == 0


@pytest.mark.parametrize(("text", "expected"), [
    ("we want to predict which customers will churn next month", None),
    ("need it next month", "quarter"),
])
def test_a_date_word_is_a_deadline_only_beside_a_deadline_word(text: str,
                                                                expected: str | None) -> None:
    assert parse(text, CK).values.get("timeline") == expected


@pytest.mark.parametrize(("pending", "text", "value"), [
    ("examples", "a few dozen", 36),
    ("examples", "two dozen", 24),
    ("monthly_tokens", "under a million, maybe 800k", 800_000),
    ("examples", "at least 5k, probably 6k", 6_000),
])
def test_a_figure_inside_a_bound_and_dozens_as_a_scale(pending: str, text: str,
                                                       value: int) -> None:
    assert parse(text, CK, pending=pending).values[pending] == value


def test_a_figure_outside_its_bound_is_not_taken() -> None:
    assert "examples" not in parse("under 100, maybe 150", CK, pending="examples").values


@pytest.mark.parametrize("text", [
    "we have 2 data scientists, no ml infra, and an openai enterprise contract",
    "3 engineers and a tight budget",
])
def test_a_count_of_people_is_not_a_count_of_examples_nor_a_task(text: str) -> None:
    values = parse(text, CK).values
    assert "examples" not in values and "use_case" not in values


def test_after_a_clause_about_the_team_a_clause_saying_what_they_want_names_the_task() -> None:
    values = parse("we have a small budget and a tight deadline, need a content writer bot",
                   CK).values
    assert values["use_case"] == "content_generation"


def test_a_version_number_is_not_a_count() -> None:
    values = parse("currently we use gpt-4 for support replies, want to cut costs", CK).values
    assert "examples" not in values and "has_data" not in values


def test_never_beside_a_knowledge_word_is_not_an_update_rate() -> None:
    # "never" alone is not "rarely": "must never hallucinate prices" says nothing about how
    # often prices change ("prices never change" does, through "change")
    assert "knowledge_updates" not in parse("the model must never hallucinate prices", CK).values
    assert parse("our prices never change", CK).values["knowledge_updates"] == "rarely"


@pytest.mark.parametrize(("pending", "text", "ruled_out"), [
    ("accuracy", "it doesn't need to be 100%", "perfect"),
    ("budget", "we don't have $50k", "high"),
])
def test_a_negated_amount_rules_its_band_out(pending: str, text: str, ruled_out: str) -> None:
    result = parse(text, CK, pending=pending)
    assert pending not in result.values
    assert ruled_out not in result.clarify[pending]


def test_no_more_than_is_a_bound_not_a_negation() -> None:
    assert parse("no more than $500", CK, pending="budget").values["budget"] == "low"


def test_label_dash_value_forms_keep_each_label_with_its_value() -> None:
    values = parse("use case - contract summarisation, data - none, budget - low, "
                   "deadline - friday", CK).values
    assert values == {"use_case": "document_analysis", "has_data": "no", "examples": 0,
                      "budget": "low", "timeline": "week"}


def test_a_spaced_dash_before_a_number_is_not_a_minus() -> None:
    result = parse("invoice extraction - 15k labelled invoices, budget - $5k", CK)
    assert result.bad_number is None
    assert result.values["examples"] == 15_000 and result.values["budget"] == "medium"


def test_a_form_style_opening_reads_every_label() -> None:
    values = parse("Accuracy: high. Explainability: not needed.", CK).values
    assert values == {"accuracy": "high", "explainability": "no"}


@pytest.mark.parametrize(("word", "read_as"), [
    ("firday", "friday"), ("qaurter", "quarter"), ("rarley", "rarely"),
    # one changed letter from a vocabulary word is another word, not a slip
    ("classes", "classes"), ("marked", "marked"), ("skipped", "skipped"), ("expect", "expect"),
])
def test_two_swapped_letters_are_a_slip_a_changed_letter_is_another_word(word: str,
                                                                         read_as: str) -> None:
    assert CK.lexicon.correct(word) == read_as
    assert parse("support bot, need it by firday", CK).values["timeline"] == "week"


@pytest.mark.parametrize(("pending", "text", "value"), [
    ("data_quality", "patchy, some great some awful", "mixed"),
    ("data_quality", "somewhere in between, parts are great parts are rough", "mixed"),
    ("budget", "we have some money but not a lot", "medium"),
])
def test_the_middle_said_in_several_words_beside_one_end_is_the_middle(
        pending: str, text: str, value: str) -> None:
    assert parse(text, CK, pending=pending).values[pending] == value


def test_a_one_word_middle_beside_an_end_is_asked_about() -> None:
    result = parse("terrible, half of it is mislabeled", CK, pending="data_quality")
    assert "data_quality" not in result.values
    assert set(result.clarify["data_quality"]) == {"low", "mixed"}
