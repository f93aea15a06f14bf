"""docs/architecture.md's decision rules, each gate and a tie."""

from __future__ import annotations

import pytest

from dialogs.compiled import compile_knowledge
from dialogs.engine import VOTING_SLOTS, choose, decide, with_change
from dialogs.slots import Slots
from knowledge import default_knowledge

KB = default_knowledge()
CK = compile_knowledge(KB)


def rec(**answers: object):
    return decide(Slots(**answers), CK)


# Rule 1: the data gate.
@pytest.mark.parametrize("answers", [
    {"has_data": "no"},
    {"has_data": "no", "priority": "consistency", "budget": "medium", "accuracy": "high"},
    {"examples": 0},
    {"examples": 99, "priority": "consistency", "budget": "high", "uniqueness": "specialized",
     "accuracy": "perfect", "timeline": "week"},
])
def test_no_data_or_under_100_examples_is_prompt_engineering(answers):
    r = rec(**answers)
    assert r.approach == "prompt_engineering"
    assert r.method is None
    assert r.start_stage == 1
    assert any("fine-tuning" in w.lower() for w in r.why_not)


def test_50_to_99_examples_names_the_minimum_and_collecting_to_500_as_the_stage_1_exit():
    r = rec(examples=60)
    assert r.approach == "prompt_engineering"
    assert any("500+" in n for n in r.notes)
    assert "500" in (r.roadmap[0].next or "")
    assert not any("500+" in n for n in rec(examples=30).notes)


# Rule 2: the count.
@pytest.mark.parametrize("n", [100, 2_000, 10_000, 10_001, 500_000, 999_999])
def test_counts_from_100_to_under_a_million_vote_fine_tuning(n):
    chosen = choose({"examples": n}, CK)
    assert chosen.data_vote == "fine_tuning"
    assert rec(examples=n, priority="consistency").approach == "fine_tuning"


def test_a_million_examples_could_train_from_scratch_but_the_gate_decides():
    assert choose({"examples": 1_000_000}, CK).data_vote == "training_from_scratch"
    r = rec(examples=1_000_000)
    assert r.approach != "training_from_scratch"


# Rule 3: training from scratch only where all hold.
SCRATCH = {"examples": 2_000_000, "budget": "high", "priority": "novel_architecture",
           "uniqueness": "novel", "timeline": "quarter"}


def test_scratch_when_every_condition_holds():
    r = rec(**SCRATCH)
    assert r.approach == "training_from_scratch"
    assert r.method is None


@pytest.mark.parametrize(("change", "why"), [
    ({"examples": 999_999}, "millions"),
    ({"budget": "medium"}, "budget"),
    ({"priority": "consistency", "uniqueness": "specialized"}, "nothing you said"),
])
def test_scratch_gate_ruled_out_names_the_reason(change, why):
    r = rec(**{**SCRATCH, **change})
    assert r.approach == "fine_tuning"
    assert any(why in w for w in r.why_not), r.why_not


def test_scratch_needs_novel_priority_or_novel_task_not_both():
    assert rec(**{**SCRATCH, "uniqueness": "specialized"}).approach == "training_from_scratch"
    assert rec(**{**SCRATCH, "priority": "consistency"}).approach == "training_from_scratch"


# Rule 4: the needs vote.
def test_needs_vote_can_pick_prompt_engineering_despite_data():
    r = rec(examples=5_000, priority="speed", budget="low", timeline="today")
    assert r.approach == "prompt_engineering"
    assert r.votes == {"prompt_engineering": 3, "fine_tuning": 1}


def test_tie_goes_to_the_simpler_approach():
    # data votes FT, speed votes PE: 1-1.
    r = rec(examples=5_000, priority="speed")
    assert r.approach == "prompt_engineering"
    assert any("tie" in w.lower() for w in r.why_not)
    # One more FT vote breaks it.
    assert rec(examples=5_000, priority="speed", accuracy="high").approach == "fine_tuning"


def test_high_budget_and_quarter_timeline_cast_no_vote():
    chosen = choose({"budget": "high", "timeline": "quarter"}, CK)
    assert sum(chosen.votes.values()) == 0
    assert chosen.approach == "prompt_engineering"


def test_scratch_tie_with_fine_tuning_goes_to_fine_tuning():
    r = rec(examples=2_000_000, budget="high", uniqueness="novel", priority="consistency",
            accuracy="high")
    # scratch: data + novel = 2; FT: consistency + high = 2.
    assert r.approach == "fine_tuning"


# Rule 5: the method.
@pytest.mark.parametrize(("answers", "method"), [
    ({"accuracy": "perfect", "budget": "high", "hardware": "datacenter_gpu"}, "standard"),
    ({"accuracy": "perfect", "budget": "high", "hardware": "gpu_cluster"}, "standard"),
    ({"accuracy": "perfect", "budget": "high", "hardware": "consumer_gpu"}, "qlora"),
    # Version 2: a low budget alone never means QLoRA (it saves memory, not money).
    ({"accuracy": "high", "budget": "low", "hardware": "datacenter_gpu"}, "lora"),
    ({"accuracy": "perfect", "budget": "high", "hardware": "api_only"}, "hosted"),
    ({"accuracy": "high", "budget": "medium", "hardware": "consumer_gpu"}, "qlora"),
    ({"accuracy": "high", "budget": "medium", "hardware": "datacenter_gpu"}, "lora"),
    ({"accuracy": "perfect", "budget": "medium", "hardware": "gpu_cluster"}, "lora"),
    ({"accuracy": "high", "budget": "high"}, "lora"),
])
def test_fine_tuning_method(answers, method):
    r = rec(examples=5_000, priority="consistency", uniqueness="specialized", **answers)
    assert r.approach == "fine_tuning"
    assert r.method == method
    assert r.method_reason


def test_prompt_tuning_is_never_the_method_nor_offered_for_tight_memory():
    # Version 2, rule 5: prompt/prefix tuning is a topic, never the default method.
    r = rec(examples=5_000, priority="consistency", budget="medium", accuracy="acceptable",
            timeline="week")
    assert r.approach == "fine_tuning"
    assert r.method == "lora"
    assert not any("prompt/prefix tuning" in n.lower() for n in r.notes)


# Rule 6: hybrids.
def test_hybrids():
    assert rec(knowledge_updates="often").hybrids == ["rag"]
    assert rec(use_case="document_analysis").hybrids == ["rag"]
    # Version 2, rule 6: no fine-tuning on the card, so chain-of-thought prompting.
    assert rec(explainability="yes").hybrids == ["cot_prompting"]
    assert rec(examples=5_000, priority="consistency",
               explainability="yes").hybrids == ["cot_fine_tuning"]
    assert rec(accuracy="perfect", budget="high").hybrids == ["ensemble"]
    assert rec(knowledge_updates="rarely", explainability="no", accuracy="high").hybrids == []


# Rule 7: the roadmap.
def test_roadmap_has_the_guides_four_stages_in_order_and_one_start():
    r = rec(examples=5_000, priority="consistency")
    assert [s.stage for s in r.roadmap] == [1, 2, 3, 4]
    assert [s.current for s in r.roadmap].count(True) == 1
    assert r.roadmap[r.start_stage - 1].current
    assert all(s.steps for s in r.roadmap)
    assert r.roadmap[-1].next is None and all(s.next for s in r.roadmap[:3])


def test_todays_deadline_with_5k_examples_starts_at_stage_1_and_moves_on_after_baseline():
    r = rec(examples=5_000, timeline="today", budget="low")
    assert r.approach == "prompt_engineering"
    assert r.start_stage == 1
    assert any("stage 2" in n and "baseline" in n for n in r.notes)


def test_fine_tuning_start_stage_depends_on_the_count():
    assert rec(examples=800, priority="consistency").start_stage == 2
    assert rec(examples=20_000, priority="consistency").start_stage == 3


# Rule 8: every recommendation says why and what would change it.
def test_reasons_name_each_answer_and_where_it_pointed():
    r = rec(examples=5_000, priority="consistency", budget="high", timeline="today")
    by_slot = {x.slot: x for x in r.reasons}
    assert by_slot["examples"].points_to == "fine_tuning"
    assert by_slot["priority"].points_to == "fine_tuning"
    assert by_slot["budget"].points_to is None
    assert by_slot["timeline"].points_to == "prompt_engineering"
    assert r.reasons[0].points_to == r.approach


def test_what_would_change_it_is_checked_against_the_rules():
    base = {"examples": 5_000, "priority": "consistency", "hardware": "datacenter_gpu"}
    r = rec(**base)
    assert r.approach == "fine_tuning"
    # Version 2: each change is an object, and each is true when the rules are re-run.
    assert r.what_would_change
    for change in r.what_would_change:
        again = rec(**with_change(base, change.slot, change.value))
        assert (again.approach, again.method) == (change.approach, change.method)
        assert (again.approach, again.method) != (r.approach, r.method)
    # A landslide has no single voting answer that would change it.
    landslide = rec(examples=5_000, priority="consistency", budget="medium", accuracy="high",
                    hardware="datacenter_gpu")
    assert not [c for c in landslide.what_would_change if c.slot in VOTING_SLOTS]


def test_unknown_answers_are_unknown_not_defaults():
    r = rec()
    assert r.approach == "prompt_engineering"
    assert set(r.unknown) >= {"has_data", "examples", "budget", "timeline"}
    assert r.data_needed.you_have.lower().startswith("not told")


def test_costs_and_data_needed_come_from_the_guide():
    r = rec(examples=5_000, priority="consistency")
    assert r.costs.monthly_at_1m_tokens.startswith("$1-10")
    assert "50-100" in r.data_needed.minimum
    assert rec(has_data="no").costs.monthly_at_1m_tokens.startswith("$10-100")


def test_why_not_scratch_says_what_data_the_person_has():
    assert any("you have no examples yet" in w for w in rec(has_data="no").why_not)
    assert any("you have 5,000 examples" in w for w in rec(examples=5_000).why_not)
    assert any("you haven't said how many" in w for w in rec().why_not)
