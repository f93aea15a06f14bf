"""Every example the understanding issue names, answered through the state machine: understood,
or clarified with a question that offers only the values the reply could mean."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dialogs.compiled import compile_knowledge
from dialogs.events import Event
from dialogs.machine import step
from dialogs.replies import ErrorReply, Notice, Question, reply_json
from dialogs.state import ConversationState
from dialogs.understanding import parse
from knowledge import default_knowledge

KB = default_knowledge()
CK = compile_knowledge(KB)
C = "test:T1:U1"
AT = datetime(2026, 12, 6, tzinfo=UTC)


def _reply(pending: str, text: str, **slots: object) -> list:
    state = ConversationState(phase="asking", pending=pending)
    for slot, value in slots.items():
        setattr(state.slots, slot, value)
    result = step(state, Event.typed(C, text, at=AT), CK)
    return [result.state, result.replies]


# (pending question, reply, the value it must take)
ANSWERS = [
    ("has_data", "yep we do", "yes"),
    ("has_data", "we do", "yes"),
    ("has_data", "sure", "yes"),
    ("uniqueness", "pretty common", "common"),
    ("knowledge_updates", "hardly ever", "rarely"),
    ("knowledge_updates", "pretty static", "rarely"),
    ("data_quality", "very clean", "high"),
    ("priority", "speed to market", "speed"),
    ("timeline", "by EOD", "today"),
    ("timeline", "we have a quarter", "quarter"),
    ("budget", "pretty limited tbh", "low"),
    ("budget", "limited", "low"),
    ("budget", "tight", "low"),
    ("budget", "shoestring", "low"),
    ("budget", "not much", "low"),
    ("budget", "under $1k", "low"),
    ("budget", "$50k", "high"),
    ("hardware", "just API access", "api_only"),
    ("hardware", "none, we use OpenAI's API", "api_only"),
    ("hardware", "2x A100 80GB", "datacenter_gpu"),
    ("hardware", "a 4090", "consumer_gpu"),
    ("hardware", "8xH100 node", "gpu_cluster"),
    ("hardware", "no GPUs", "api_only"),
    ("explainability", "yes, lawyers need to see why", "yes"),
    ("use_case", "cust support assistant", "customer_service"),
    ("use_case", "triaging and answering zendesk tickets", "customer_service"),
    ("use_case", "pull fields out of scanned invoices", "document_analysis"),
    ("accuracy", "95%+", "high"),
    ("examples", "3k", 3000),
    ("examples", "~500", 500),
    ("examples", "a dozen or so", 12),
    ("examples", "idk maybe 60ish", 60),
    ("monthly_tokens", "20M/month", 20_000_000),
]


@pytest.mark.parametrize(("pending", "text", "value"), ANSWERS,
                         ids=[f"{p}:{t}" for p, t, _ in ANSWERS])
def test_the_issue_s_replies_are_understood(pending: str, text: str, value: object) -> None:
    state, replies = _reply(pending, text)
    assert getattr(state.slots, pending) == value, replies
    assert not any(isinstance(r, ErrorReply) for r in replies)


@pytest.mark.parametrize(("text", "low", "high"), [
    ("between 5 and 10 thousand", 5_000, 10_000),
    ("a few hundred", 200, 500),
])
def test_a_range_or_a_vague_count_takes_a_value_inside_it_and_says_which(
        text: str, low: int, high: int) -> None:
    state, replies = _reply("examples", text, has_data="yes")
    taken = state.slots.examples
    assert taken is not None and low <= taken <= high
    notes = [r.text for r in replies if isinstance(r, Notice)]
    assert any(f"{taken:,}" in n and text.split()[-1] in n for n in notes), notes


@pytest.mark.parametrize(("text", "size"), [
    ("llama 3 70b", 70), ("mistral 7b", 7), ("mixtral 8x7b", 47),
])
def test_model_sizes(text: str, size: int) -> None:
    assert parse(text, CK, pending="model_size").values["model_size"] == size
    # Named in a description too, beside other facts.
    described = parse(f"we want to fine-tune {text} on 5k support tickets", CK).values
    assert described["model_size"] == size and described["examples"] == 5000


def test_mixtral_says_the_size_it_took() -> None:
    result = parse("mixtral 8x7b", CK, pending="model_size")
    assert any("46.7" in n for n in result.notes)


def test_an_absurd_number_is_asked_about_never_truncated() -> None:
    state, replies = _reply("examples", "10^1000 examples", has_data="yes")
    assert state.slots.examples is None
    errors = [r.text for r in replies if isinstance(r, ErrorReply)]
    assert errors and "10^1000" in errors[0]
    assert parse("10^1000 examples", CK).values == {}


def test_a_first_message_with_several_facts() -> None:
    values = parse("we don't have any training data yet", CK).values
    assert values["has_data"] == "no" and values["examples"] == 0
    values = parse("we have a couple of A100s and a quarter to do it; we need to pull fields "
                   "out of scanned invoices", CK).values
    assert values == {"use_case": "document_analysis", "timeline": "quarter",
                      "hardware": "datacenter_gpu"}


@pytest.mark.parametrize(("pending", "text", "negated_to"), [
    ("has_data", "not much data", None),  # some data, but how much: nothing guessed wrongly
    ("hardware", "no GPUs", "api_only"),
    ("knowledge_updates", "not often", "rarely"),
    ("explainability", "not needed", "no"),
])
def test_negation(pending: str, text: str, negated_to: str | None) -> None:
    values = parse(text, CK, pending=pending).values
    assert values.get(pending) == negated_to


@pytest.mark.parametrize(("pending", "text", "value"), [
    ("budget", "I think it's tight", "low"),
    ("budget", "probably medium", "medium"),
    ("priority", "consistancy", "consistency"),       # a typo
    ("uniqueness", "specialzed", "specialized"),      # a typo
    ("accuracy", "has to be flawles", "perfect"),     # a typo
])
def test_hedges_and_typos(pending: str, text: str, value: str) -> None:
    assert parse(text, CK, pending=pending).values[pending] == value


def test_unsure_between_two_values_asks_with_just_those_buttons() -> None:
    state, replies = _reply("budget", "low or medium, not sure")
    question = replies[-1]
    assert isinstance(question, Question) and question.question_id == "budget"
    assert question.text == "Did you mean Low or Medium?"
    assert [c.value for c in question.choices] == ["low", "medium"]
    assert state.slots.budget is None and state.pending == "budget"
    # The JSON contract every surface draws: a plain question.
    data = reply_json(question)
    assert data["kind"] == "question" and data["question_id"] == "budget"
    assert data["choices"] == [{"value": "low", "label": "Low"},
                               {"value": "medium", "label": "Medium"}]
    # Its button answers it.
    after = step(state, Event.choice(C, "budget", "medium", at=AT), CK).state
    assert after.slots.budget == "medium"


def test_an_amount_on_a_band_boundary_is_asked_about() -> None:
    _, replies = _reply("budget", "about $1,500")
    question = replies[-1]
    assert isinstance(question, Question)
    assert [c.value for c in question.choices] == ["low", "medium"]


def test_a_reply_it_cannot_read_says_what_it_understood_and_gives_examples() -> None:
    state, replies = _reply("budget", "5 people on the team")
    error = next(r for r in replies if isinstance(r, ErrorReply))
    assert "“5 people”" in error.text and "'tight'" in error.text
    assert state.slots.budget is None
    assert isinstance(replies[-1], Question) and replies[-1].question_id == "budget"


def test_other_facts_in_a_reply_are_taken_too() -> None:
    state, _ = _reply("budget", "tight, and we need it by friday")
    assert state.slots.budget == "low" and state.slots.timeline == "week"


def test_a_number_typed_after_a_clarifying_question_counts_among_its_choices() -> None:
    state, replies = _reply("budget", "medium or high")
    assert [c.value for c in replies[-1].choices] == ["medium", "high"]
    after = step(state, Event.typed(C, "1", at=AT), CK).state
    assert after.slots.budget == "medium"
    # Asked normally again, the numbers are the whole list's.
    state = ConversationState(phase="asking", pending="budget")
    assert step(state, Event.typed(C, "1", at=AT), CK).state.slots.budget == "low"


@pytest.mark.parametrize(("pending", "text", "expected"), [
    ("accuracy", "actually our budget is high", {"budget": "high"}),
    ("uniqueness", "actually the budget is low", {"budget": "low"}),
    ("data_quality", "accuracy needs to be high", {"accuracy": "high"}),
])
def test_a_word_another_slot_s_keyword_claims_does_not_answer_the_pending_question(
        pending: str, text: str, expected: dict[str, str]) -> None:
    assert parse(text, CK, pending=pending).values == expected


@pytest.mark.parametrize("text", ["0^0", "1e-5", "between 1e99 and 2", "2^99 examples",
                                  "1e999999999999"])
def test_numbers_that_are_not_counts_are_flagged_and_nothing_is_taken(text: str) -> None:
    result = parse(text, CK, pending="examples")
    assert result.bad_number and result.values == {}


@pytest.mark.parametrize(("text", "expected"), [
    ("we use OpenAI today, want a support bot", {"use_case": "customer_service"}),
    ("today we answer tickets by hand", {}),
    ("need high quality output, low latency", {}),
    ("our data is private so no external APIs", {}),
    ("the knowledge base is updated every quarter", {}),
    ("we process 2M documents a month", {}),
    ("accuracy of our current system is 70%", {}),
    ("we have no idea how many examples we need", {}),
    ("not sure about budget yet", {}),
    ("errors are unacceptable", {}),  # no slot's keyword: nothing, and never "acceptable"
    ("I guess content", {}),  # "guess" is not a slip of "guests"
    ("no budget constraints", {"budget": "high"}),
])
def test_free_text_takes_only_what_it_states(text: str, expected: dict[str, str]) -> None:
    assert parse(text, CK).values == expected


@pytest.mark.parametrize(("pending", "text", "candidates"), [
    ("budget", "low to medium", ("low", "medium")),
    ("budget", "between medium and high", ("medium", "high")),
    ("timeline", "maybe a week, maybe a month", ("week", "quarter")),
    ("hardware", "either api or a 4090", ("api_only", "consumer_gpu")),
    ("accuracy", "high or perfect", ("high", "perfect")),
    ("priority", "speed and consistency", ("speed", "consistency")),
    ("budget", "$20k", ("medium", "high")),
])
def test_a_reply_between_two_values_is_asked_about_never_guessed(
        pending: str, text: str, candidates: tuple[str, ...]) -> None:
    result = parse(text, CK, pending=pending)
    assert pending not in result.values
    assert result.clarify[pending] == candidates
