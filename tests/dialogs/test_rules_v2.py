"""Decision rules version 2 (docs/architecture.md rules 1-8): the properties every rule keeps,
what_would_change checked by re-running it, and the expert review's wrong advice, each as a
case that the version 1 rules got wrong."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.compiled import compile_knowledge
from dialogs.engine import (
    APPROACH_ORDER,
    VOTING_SLOTS,
    decide,
    fit_method,
    outcome,
    what_would_change,
    with_change,
)
from dialogs.followups.memory import estimate
from dialogs.machine import next_question
from dialogs.slots import Slots, slot_values
from dialogs.state import ConversationState
from knowledge import default_knowledge

pytestmark = pytest.mark.slow  # property tests over many answer sets

KB = default_knowledge()
CK = compile_knowledge(KB)
RANK = {a: i for i, a in enumerate(APPROACH_ORDER)}

# The option of each answer that votes for prompt engineering (rule 2).
TOWARD_PROMPTING: dict[str, object] = {
    "priority": "speed", "budget": "low", "uniqueness": "common", "accuracy": "acceptable",
    "timeline": "today", "monthly_tokens": 50_000, "examples": 60,
}
# Counts and volumes on and either side of every threshold the rules use.
COUNTS = [0, 49, 50, 99, 100, 499, 500, 4_999, 5_000, 10_001, 999_999, 1_000_000, 5_000_000]
VOLUMES = [0, 100_000, 100_001, 1_000_000, 9_999_999, 10_000_000, 50_000_000]
SIZES = [1, 3, 7, 8, 9, 10, 13, 34, 40, 70, 72, 120, 200, 405, 1_000, 5_000]


def _maybe(values: list[Any] | tuple[Any, ...]) -> st.SearchStrategy[Any]:
    return st.none() | st.sampled_from(values)


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "has_data": draw(_maybe(("yes", "no"))),
        "examples": draw(_maybe(COUNTS) | st.integers(0, 3_000_000)),
        "monthly_tokens": draw(_maybe(VOLUMES)),
        "hardware": draw(_maybe(slot_values("hardware"))),
        "model_size": draw(_maybe(SIZES)),
        "explainability": draw(_maybe(("yes", "no"))),
        "data_quality": draw(_maybe(slot_values("data_quality"))),
    }
    for slot in VOTING_SLOTS:
        answers[slot] = draw(_maybe(slot_values(slot)))
    if answers["has_data"] == "no":
        answers["examples"] = 0  # as the dialog stores "no data"
    return {k: v for k, v in answers.items() if v is not None}


# --- rule properties ------------------------------------------------------------------


@settings(max_examples=400, deadline=None, database=None)
@given(answers=answer_sets(), slot=st.sampled_from(sorted(TOWARD_PROMPTING)))
def test_every_rule_is_monotone_toward_prompting(answers: dict[str, Any], slot: str) -> None:
    before = outcome(answers, CK)[0]
    after = outcome(with_change(answers, slot, TOWARD_PROMPTING[slot]), CK)[0]
    assert RANK[after] <= RANK[before], (answers, slot)


@settings(max_examples=300, deadline=None, database=None)
@given(answers=answer_sets())
def test_what_would_change_is_true_when_re_run_and_complete(answers: dict[str, Any]) -> None:
    current = outcome(answers, CK)
    changes = what_would_change(answers, CK)
    for c in changes:
        again = outcome(with_change(answers, c.slot, c.value), CK)
        assert again == (c.approach, c.method) != current, c
    listed = {(c.slot, c.value) for c in changes}
    # Completeness: every other choice that changes the approach or method is listed ...
    for slot in (*VOTING_SLOTS, "hardware"):
        for value in slot_values(slot):
            if value == answers.get(slot):
                continue
            changed = outcome(with_change(answers, slot, value), CK)
            assert (changed != current) == ((slot, value) in listed), (slot, value)
    # ... and every numeric answer that changes it has a listed change of the same slot
    # giving the same outcome (one value stands for its region between thresholds).
    outcomes = {(c.slot, (c.approach, c.method)) for c in changes}
    for slot, probes in (("examples", COUNTS), ("monthly_tokens", VOLUMES),
                         ("model_size", SIZES)):
        for value in probes:
            changed = outcome(with_change(answers, slot, value), CK)
            if changed != current:
                assert (slot, changed) in outcomes, (slot, value, changed)


@settings(max_examples=200, deadline=None, database=None)
@given(answers=answer_sets())
def test_the_card_and_the_memory_calculator_never_disagree(answers: dict[str, Any]) -> None:
    r = decide(Slots(**answers), CK)
    if r.approach != "fine_tuning" or r.method == "hosted":
        assert r.gpu_memory_gb is None and r.model_size_b is None
        return
    assert r.model_size_b is not None and r.gpu_memory_gb is not None
    needed = estimate(r.model_size_b * 1e9, r.method or "", KB.gpu_memory).total_gb
    assert (needed <= r.gpu_memory_gb) == r.method_fits
    hw = KB.hardware.classes[answers.get("hardware", KB.hardware.unknown_hardware)]
    assert r.gpu_memory_gb == hw.per_gpu_gb * hw.gpus
    assert any(f"{r.model_size_b}B" in a for a in r.assumptions)
    assert any(f"{r.gpu_memory_gb:,.0f} GB" in a for a in r.assumptions)


@settings(max_examples=200, deadline=None, database=None)
@given(answers=answer_sets())
def test_stage_titles_never_contradict_the_method(answers: dict[str, Any]) -> None:
    r = decide(Slots(**answers), CK)
    card = " ".join([r.title, r.summary, *(s.title for s in r.roadmap)])
    assert "Fine-Tuning with Standard Fine-Tuning" not in card
    if r.method != "standard":
        assert "Full Fine-Tuning" not in card
    if r.approach == "prompt_engineering":
        assert "cot_fine_tuning" not in r.hybrids and "Fine-Tuning" not in r.title
    if r.start_stage > 1:
        assert r.roadmap[r.start_stage - 1].steps[0].lower().startswith("first")
        assert "held-out" in r.roadmap[r.start_stage - 1].steps[0]


# --- the expert review's wrong advice (each failed under the version 1 rules) ----------

FT = {"examples": 5_000, "priority": "consistency", "budget": "medium",
      "uniqueness": "specialized", "accuracy": "high", "timeline": "week"}


def rec(**answers: Any):
    return decide(Slots(**answers), CK)


def test_1_no_gpus_of_their_own_is_hosted_never_lora_or_qlora() -> None:
    for budget in ("low", "medium", "high"):
        r = rec(**{**FT, "budget": budget, "hardware": "api_only"})
        assert r.approach == "fine_tuning" and r.method == "hosted"
        assert "Hosted Fine-Tuning" in r.title
        # The hardware answer's own sentence, written for this case, is shown at last.
        assert KB.choice("hardware", "api_only").reason in (r.method_reason or "")
        assert "per token" in (r.method_reason or "")
        assert r.gpu_memory_gb is None and not r.assumptions
        assert "per token" in (r.costs.hosting or "")


def test_1_a_low_budget_still_asks_the_hardware_and_never_means_qlora_alone() -> None:
    answers = {"use_case": "customer_service", "has_data": "yes", **FT, "budget": "low",
               "priority": "consistency", "accuracy": "perfect", "knowledge_updates": "rarely"}
    state = ConversationState(phase="asking", slots=Slots(**answers))
    assert outcome(answers, CK)[0] == "fine_tuning"
    assert next_question(state, CK) == "hardware"
    assert rec(**answers, hardware="datacenter_gpu").method == "lora"


def test_2_a_deadline_of_today_ships_a_prompt_first() -> None:
    r = rec(examples=10_000_000, priority="consistency", budget="medium",
            uniqueness="specialized", timeline="today")
    assert r.approach == "fine_tuning"
    assert r.start_stage == 1
    assert r.title.startswith("Prompt Engineering today, then Fine-Tuning")
    assert r.roadmap[0].current
    # And today against this week changes the plan's start.
    assert rec(**{**FT, "timeline": "week"}).start_stage == 3
    assert rec(**{**FT, "timeline": "today"}).start_stage == 1


def test_3_a_vote_for_speed_never_tips_to_scratch() -> None:
    # The review's persona: 1M examples, consistency, a high budget, a novel task.
    answers = {"examples": 1_000_000, "priority": "consistency", "budget": "high",
               "uniqueness": "novel", "accuracy": "high"}
    assert outcome(answers, CK)[0] == "fine_tuning"
    changes = what_would_change(answers, CK)
    assert changes
    for c in changes:
        if TOWARD_PROMPTING.get(c.slot) == c.value:
            assert RANK[c.approach] <= RANK["fine_tuning"], c
    assert outcome(with_change(answers, "priority", "speed"), CK)[0] != "training_from_scratch"
    # Scratch needs this quarter and a strict majority: 2 of 3 votes here, so it wins.
    assert outcome(with_change(answers, "timeline", "quarter"), CK)[0] == "fine_tuning"
    assert outcome({**answers, "timeline": "quarter", "priority": "novel_architecture"},
                   CK)[0] == "training_from_scratch"


def test_4_a_card_with_no_data_never_promises_fine_tuning() -> None:
    r = rec(has_data="no", accuracy="high", explainability="yes")
    assert r.approach == "prompt_engineering"
    assert r.hybrids == ["cot_prompting"]
    assert "Fine-Tuning" not in r.title
    assert "Chain-of-Thought Prompting" in r.title
    assert any("unfaithful" in h for h in r.hybrid_reasons)


def test_5_the_method_fits_the_hardware_by_the_bots_own_estimate() -> None:
    perfect = {**FT, "accuracy": "perfect", "budget": "high", "hardware": "datacenter_gpu"}
    small = rec(**perfect, model_size=7)
    assert small.method == "standard" and small.model_size_b == 7
    big = rec(**perfect, model_size=13)
    assert big.method == "lora"  # standard of 13B is over the 2 x 80 GB the card assumes
    assert "Standard Fine-Tuning of a 13B model needs about" in (big.method_reason or "")
    huge = rec(**{**perfect, "hardware": "consumer_gpu"}, model_size=405)
    assert huge.method == "qlora" and not huge.method_fits
    assert "hosted fine-tuning" in (huge.method_reason or "")
    # Several GPUs: the datacenter class is more than one 80 GB card.
    fit = fit_method({**perfect, "model_size": 7}, CK)
    assert fit.memory_gb is not None and fit.memory_gb > 80


def test_model_size_is_asked_only_where_it_can_change_the_method() -> None:
    base = {"use_case": "customer_service", "has_data": "yes", **FT,
            "knowledge_updates": "rarely", "data_quality": "high", "monthly_tokens": 1_000_000,
            "explainability": "no"}
    for hardware, asked in (("datacenter_gpu", True), ("gpu_cluster", True),
                            ("consumer_gpu", False), ("api_only", False)):
        state = ConversationState(phase="asking", slots=Slots(**base, hardware=hardware))
        assert (next_question(state, CK) == "model_size") == asked, hardware


# --- card text ------------------------------------------------------------------------


def test_99_examples_is_close_never_both_enough_and_not() -> None:
    r = rec(examples=99)
    text = " ".join([*(x.text for x in r.reasons), *r.why_not, *r.notes])
    assert "close" in text
    assert "needs at least 50-100" not in text and "below fine-tuning's minimum" not in text
    assert "500" in (r.roadmap[0].next or "")
    assert rec(examples=100, priority="consistency").approach == "fine_tuning"


def test_standard_title_hardware_words_and_unknown_count() -> None:
    r = rec(**{**FT, "accuracy": "perfect", "budget": "high", "hardware": "gpu_cluster"})
    assert r.title.startswith("Standard Fine-Tuning") and "with Standard" not in r.title
    assert "a GPU cluster" in (r.method_reason or "")
    assert not any("not told yet" in w for w in rec().why_not)
    dc = rec(**{**FT, "hardware": "datacenter_gpu"})
    assert "datacenter GPUs" in " ".join(dc.assumptions)


def test_scratch_has_its_own_roadmap_and_a_real_reason() -> None:
    r = rec(examples=5_000_000, budget="high", priority="novel_architecture",
            uniqueness="novel", timeline="quarter")
    assert r.approach == "training_from_scratch"
    assert "(but why?)" not in r.reasons[0].text
    titles = [s.title.lower() for s in r.roadmap]
    assert [s.stage for s in r.roadmap] == [1, 2, 3, 4]
    assert "pretraining" in titles and "evaluation" in titles
    steps = " ".join(step.lower() for s in r.roadmap for step in s.steps)
    assert "tokenizer" in steps and "data pipeline" in steps and "preference" in steps


def test_costs_are_at_the_persons_volume_with_hosting_in_the_payback() -> None:
    r = rec(**{**FT, "hardware": "datacenter_gpu"}, monthly_tokens=20_000_000)
    assert r.costs.volume_told and r.costs.monthly_tokens == 20_000_000
    assert "20,000,000" in r.costs.monthly_label
    assert r.costs.monthly == "$20-200"  # the guide's $0.001-0.01 per 1K tokens
    assert "billed by the hour" in (r.costs.hosting or "")
    assert "hosting" in (r.costs.payback or "")
    assert "guide" in r.costs.prices_note
    unknown = rec(**FT)
    assert not unknown.costs.volume_told and "guide's example volume" in unknown.costs.monthly_label
    # The volume votes (rule 2): high volume tips a tie to fine-tuning, low volume away.
    tie = {"examples": 5_000, "priority": "speed"}
    assert outcome(tie, CK)[0] == "prompt_engineering"
    assert outcome({**tie, "monthly_tokens": 50_000_000}, CK)[0] == "fine_tuning"


def test_small_data_and_low_quality_get_their_caveat_and_step() -> None:
    r = rec(**{**FT, "examples": 200, "hardware": "datacenter_gpu"}, data_quality="low")
    assert any("overfit" in n and "held-out" in n for n in r.notes)
    assert any("clean and filter" in s.lower() for s in r.roadmap[1].steps)
    assert any("human review" in n for n in rec(**{**FT, "accuracy": "perfect"}).notes)


@pytest.mark.parametrize("slot", ["model_size"])
def test_model_size_is_an_optional_numeric_slot_at_the_end(slot: str) -> None:
    from dialogs.slots import NUMERIC_SLOTS, OPTIONAL_SLOTS

    assert OPTIONAL_SLOTS[-1] == slot and slot in NUMERIC_SLOTS
    assert KB.questions[slot].text.endswith("?")


def test_the_memory_calculator_uses_the_gpus_the_card_assumed() -> None:
    from dialogs import followups

    slots = Slots(**{**FT, "hardware": "datacenter_gpu", "model_size": 13})
    card = decide(slots, CK)
    assert card.method == "lora"
    intent = followups.classify("how much memory for a 13b model?", CK)
    assert intent is not None
    text = followups.answer(intent, slots, CK, advised=True)[0].text
    assert "2 × 80 GB" in text and "Too big: Standard Fine-Tuning" in text
    # Hosted fine-tuning has nothing to size, and the calculator still answers.
    hosted = Slots(**{**FT, "hardware": "api_only"})
    assert "GPU memory" in followups.answer(intent, hosted, CK, advised=True)[0].text


@pytest.mark.parametrize(("text", "size"), [
    ("7B", 7), ("a 70B model", 70), ("13 billion parameters", 13), ("8", 8),
    ("5000 examples", None), ("1M", None),
])
def test_the_model_size_question_reads_billions(text: str, size: int | None) -> None:
    from dialogs.understanding import parse

    assert parse(text, CK, pending="model_size").values.get("model_size") == size


def test_not_sure_about_the_model_size_leaves_it_assumed_and_says_so() -> None:
    from tests.dialogs.test_machine import Chat

    chat = Chat()
    answers = {"use_case": "customer_service", "has_data": "yes", **FT,
               "knowledge_updates": "rarely", "hardware": "datacenter_gpu",
               "data_quality": "high", "monthly_tokens": 1_000_000, "explainability": "no"}
    chat.state = ConversationState(phase="asking", pending="model_size",
                                   slots=Slots(**answers))
    chat.say("not sure")
    assert chat.state.slots.model_size is None
    card = chat.card()
    assert card is not None
    rec = card.recommendation
    assert rec.model_size_b == KB.hardware.default_model_size_b
    assert any("assumed" in a for a in rec.assumptions)


def test_payback_counts_hosting_only_where_there_is_some() -> None:
    base = {"examples": 2_000, "priority": "consistency"}
    hosted = rec(**base, hardware="api_only", monthly_tokens=1_000_000).costs.payback or ""
    assert "repaid" in hosted and "hosting" not in hosted
    # Self-hosted at 1M tokens a month: GPUs by the hour cost more than the tokens save.
    self_hosted = rec(**base, hardware="datacenter_gpu", monthly_tokens=1_000_000).costs
    assert "does not repay its training and hosting" in (self_hosted.payback or "")
    big = rec(**base, hardware="datacenter_gpu", monthly_tokens=500_000_000).costs.payback
    assert "repaid" in (big or "") and "hosting included" in (big or "")
