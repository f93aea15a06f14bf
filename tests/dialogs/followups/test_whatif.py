"""What-if: the alternative beside the current advice, the differences named, the person's
answers untouched."""

from __future__ import annotations

from dialogs.engine import decide
from dialogs.followups import answer, classify, whatif_slots
from dialogs.replies import Answer, reply_json
from dialogs.slots import Slots
from dialogs.view import answer_view, view_json
from tests.dialogs.followups import personas as P

# 60 examples: under the prompt-engineering gate, though every need points to fine-tuning.
FEW_EXAMPLES = Slots(
    use_case="customer_service", has_data="yes", examples=60, priority="consistency",
    budget="medium", uniqueness="specialized", accuracy="high", timeline="week",
    hardware="datacenter_gpu")
# Perfect accuracy on a cluster, but a medium budget: LoRA, not standard.
PERFECT_MEDIUM_BUDGET = Slots(
    use_case="customer_service", has_data="yes", examples=5_000, priority="consistency",
    budget="medium", uniqueness="specialized", accuracy="perfect", timeline="quarter",
    hardware="gpu_cluster")


def whatif(text: str, slots: Slots, ck) -> Answer:
    before = slots.model_dump()
    intent = classify(text, ck)
    assert intent is not None and intent.kind == "whatif"
    [reply] = answer(intent, slots, ck, advised=True)
    assert slots.model_dump() == before, "a what-if must not change the real answers"
    assert isinstance(reply, Answer)
    return reply


def test_more_examples_moves_from_prompting_to_fine_tuning(kb, ck) -> None:
    a = whatif("What if we had 50k examples?", FEW_EXAMPLES, ck)
    assert "Examples: 60 → 50,000" in a.text
    assert "My advice would be Fine-Tuning with LoRA (now: Prompt Engineering)" in a.text
    assert "Approach: Prompt Engineering → Fine-Tuning" in a.text
    assert "Method: none → LoRA" in a.text
    assert "Start stage: 1: Prompt Engineering → 3: Full Fine-Tuning" in a.text
    assert a.table is not None and a.table.columns == ["", "Now", "What if"]
    assert ["Approach", "Prompt Engineering", "Fine-Tuning"] in a.table.rows
    # The real answers still give the real advice.
    assert decide(FEW_EXAMPLES, ck).approach == "prompt_engineering"


def test_a_high_budget_changes_the_method_and_adds_an_ensemble(kb, ck) -> None:
    a = whatif("what if the budget were high?", PERFECT_MEDIUM_BUDGET, ck)
    assert "Budget: Medium → High" in a.text
    assert "Method: LoRA → Standard Fine-Tuning" in a.text
    assert "Hybrids: none → Ensemble Methods" in a.text
    assert "Approach:" not in a.text          # only what differs is named


def test_a_what_if_that_changes_nothing_says_so(kb, ck) -> None:
    # Rule 4 (version 2) makes "today" change the plan, so the unchanged what-if is another.
    a = whatif("what if it were due this quarter?", P.MEDIUM_DATACENTER, ck)
    assert "Timeline" in a.text
    assert "My advice would stay the same: Fine-Tuning with LoRA" in a.text


def test_a_what_if_naming_the_current_answer(kb, ck) -> None:
    a = whatif("what if the budget were low?", P.BUDGET_CONSUMER_GPU, ck)
    assert "what you already told me" in a.text


def test_keep_that_gets_the_hypothetical_answers(kb, ck) -> None:
    assert whatif_slots("what if the budget were high?", ck) == {"budget": "high"}
    assert whatif_slots("What if we had 50k examples?", ck)["examples"] == 50_000


def test_what_if_before_any_advice_asks_for_answers_first(kb, ck) -> None:
    intent = classify("what if the budget were high?", ck)
    assert intent is not None
    [a] = answer(intent, Slots(), ck, advised=False)
    assert isinstance(a, Answer)
    assert kb.message("no_recommendation_yet") in a.text


def test_a_what_if_is_not_headed_by_its_topics_title(kb, ck) -> None:
    # Its topic (how I decide) is only where it is filed: "How I decide" above "What if: ..."
    # misreads as the answer to "how do you decide?".
    a = whatif("What if we had 50k examples?", FEW_EXAMPLES, ck)
    assert a.topic in kb.topics
    view = answer_view(a, kb)
    assert view.title is None and view.headings() == []
    assert kb.topics[a.topic].title not in str(view_json(view))
    # How a surface heads it is no part of `chat --json`.
    assert "titled" not in reply_json(a)
