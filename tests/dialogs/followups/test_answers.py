"""Topic answers: general before a recommendation, about this person's case after it."""

from __future__ import annotations

import pytest

from dialogs.engine import decide
from dialogs.followups import TOPIC_IDS, UNPLACEABLE_TOPICS, answer, classify, topic_answer
from dialogs.followups import unplaceable as unplaceable_answer
from dialogs.replies import Answer
from dialogs.slots import Slots
from tests.dialogs.followups import personas as P


def ask(text: str, slots: Slots, ck, advised: bool = True) -> Answer:
    intent = classify(text, ck)
    assert intent is not None, text
    replies = answer(intent, slots, ck, advised=advised)
    assert len(replies) == 1 and isinstance(replies[0], Answer)
    return replies[0]


@pytest.mark.parametrize("topic", TOPIC_IDS)
def test_every_topic_has_a_general_answer_that_offers_to_start(topic: str, kb, ck) -> None:
    [reply] = topic_answer(topic, Slots(), ck, advised=False)
    assert isinstance(reply, Answer) and reply.topic == topic
    assert reply.text.endswith(kb.message("offer_start"))
    assert len(reply.text) > len(kb.message("offer_start")) + 30
    assert all(c.value in TOPIC_IDS for c in reply.choices)


@pytest.mark.parametrize("topic", TOPIC_IDS)
@pytest.mark.parametrize("persona", [P.BUDGET_CONSUMER_GPU, P.NO_DATA_TODAY, P.NOVEL_MILLIONS])
def test_every_topic_in_context_names_the_plan_and_does_not_offer_to_start(
        topic: str, persona: Slots, kb, ck) -> None:
    [reply] = topic_answer(topic, persona, ck, advised=True)
    assert kb.message("offer_start") not in reply.text
    # Mistakes and quality advice are the same for everyone; the rest speak to the plan.
    if topic not in ("common_mistakes", "quality_vs_quantity"):
        assert decide(persona, ck).title in reply.text


# --- QLoRA, for three contrasting people (the issue's own examples first) ---------------

def test_qlora_for_low_budget_consumer_gpu_is_the_pick_and_says_why(kb, ck) -> None:
    a = ask("What about QLoRA?", P.BUDGET_CONSUMER_GPU, ck)
    assert "QLoRA is the method I picked for you" in a.text
    for fact in ("4-bit quantization", "Works on consumer GPUs", "Slightly lower accuracy"):
        assert fact in a.text
    assert "24 GB" in a.text          # what fits on their hardware


def test_qlora_for_perfect_accuracy_on_a_cluster_says_why_standard_wins(kb, ck) -> None:
    a = ask("What about QLoRA?", P.PERFECT_CLUSTER, ck)
    assert "For you I picked Standard Fine-Tuning, not QLoRA" in a.text
    assert "Maximum accuracy" in a.text and "Slightly lower accuracy" in a.text
    assert "Accuracy: Perfect" in a.text and "GPU cluster" in a.text
    assert "QLoRA would be the pick when" in a.text


def test_qlora_for_prompt_engineering_says_no_method_yet(kb, ck) -> None:
    a = ask("qlora?", P.NO_DATA_TODAY, ck)
    assert "no fine-tuning method to choose yet" in a.text
    # Rule 5 (version 2): a low budget alone never means QLoRA; with the hardware unknown
    # (assumed datacenter GPUs) their answers point to LoRA.
    assert "your answers point to LoRA rather than QLoRA" in a.text


# --- standard fine-tuning ---------------------------------------------------------------

def test_standard_for_perfect_cluster_is_the_pick(kb, ck) -> None:
    a = ask("full fine-tune", P.PERFECT_CLUSTER, ck)
    assert "Standard Fine-Tuning is the method I picked for you" in a.text
    assert "Maximum accuracy" in a.text


def test_standard_for_consumer_gpu_says_qlora_and_what_standard_needs(kb, ck) -> None:
    a = ask("what about full fine tuning", P.BUDGET_CONSUMER_GPU, ck)
    assert "For you I picked QLoRA, not Standard Fine-Tuning" in a.text
    assert "Budget: Low" in a.text and "Needs more memory" in a.text
    assert "datacenter GPUs or a cluster" in a.text     # its best_when, from knowledge


def test_standard_for_medium_datacenter_says_lora(kb, ck) -> None:
    a = ask("standard fine-tuning?", P.MEDIUM_DATACENTER, ck)
    assert "For you I picked LoRA, not Standard Fine-Tuning" in a.text
    assert "Accuracy: High" in a.text


# --- LoRA -------------------------------------------------------------------------------

def test_lora_for_medium_datacenter_is_the_pick(kb, ck) -> None:
    a = ask("What about LoRA?", P.MEDIUM_DATACENTER, ck)
    assert "LoRA is the method I picked for you" in a.text
    assert "90% less memory" in a.text


def test_lora_for_consumer_gpu_says_qlora(kb, ck) -> None:
    a = ask("lorra", P.BUDGET_CONSUMER_GPU, ck)
    assert "For you I picked QLoRA, not LoRA" in a.text
    assert "Hardware: A consumer GPU" in a.text


def test_lora_for_perfect_cluster_says_standard(kb, ck) -> None:
    a = ask("explain low rank adaptation", P.PERFECT_CLUSTER, ck)
    assert "For you I picked Standard Fine-Tuning, not LoRA" in a.text


# --- prompt tuning ----------------------------------------------------------------------

def test_prompt_tuning_is_a_topic_never_the_pick(kb, ck) -> None:
    # Rule 5 (version 2): prompt/prefix tuning is never the default method.
    a = ask("prefix tuning", P.ACCEPTABLE_COMMON, ck)
    assert "For you I picked LoRA, not Prompt/Prefix Tuning" in a.text
    assert "Minimal memory" in a.text and "Limited capacity" in a.text


def test_prompt_tuning_for_perfect_cluster_says_standard_and_its_limit(kb, ck) -> None:
    a = ask("what is prompt tuning", P.PERFECT_CLUSTER, ck)
    assert "For you I picked Standard Fine-Tuning, not Prompt/Prefix Tuning" in a.text
    assert "Limited capacity" in a.text


def test_prompt_tuning_for_consumer_gpu_says_qlora(kb, ck) -> None:
    a = ask("soft prompts?", P.BUDGET_CONSUMER_GPU, ck)
    assert "For you I picked QLoRA, not Prompt/Prefix Tuning" in a.text


def test_mid_conversation_a_general_answer_does_not_offer_to_start_again(kb, ck) -> None:
    # Two questions answered, the third pending: the person has started already.
    a = ask("What about QLoRA?", Slots(use_case="customer_service", examples=2000), ck,
            advised=False)
    assert kb.message("offer_start") not in a.text
    assert "Works on consumer GPUs" in a.text


def test_method_answer_before_advice_is_general(kb, ck) -> None:
    a = ask("What about QLoRA?", Slots(), ck, advised=False)
    assert "picked" not in a.text
    assert "Works on consumer GPUs" in a.text and "70B" in a.text   # memory at example sizes
    assert a.text.endswith(kb.message("offer_start"))


# --- approaches: the gate that ruled one out ---------------------------------------------

@pytest.mark.parametrize("persona", [P.BUDGET_CONSUMER_GPU, P.PERFECT_CLUSTER, P.NO_DATA_TODAY])
def test_why_not_scratch_names_the_gate(persona: Slots, kb, ck) -> None:
    rec = decide(persona, ck)
    a = ask("why not train from scratch?", persona, ck)
    gate = [line for line in rec.why_not if "training from scratch" in line.lower()]
    assert gate and all(line in a.text for line in gate)
    assert f"For you I recommend {rec.title}, not training from scratch" in a.text


def test_scratch_for_the_person_it_suits_is_the_recommendation(kb, ck) -> None:
    a = ask("what about training from scratch", P.NOVEL_MILLIONS, ck)
    assert "Training from Scratch is what I recommend for you" in a.text


def test_fine_tuning_for_no_data_names_the_data_gate(kb, ck) -> None:
    a = ask("why fine tune at all", P.NO_DATA_TODAY, ck)
    assert "Not fine-tuning yet: that takes 100+ examples" in a.text


# --- hybrids ----------------------------------------------------------------------------

def test_ensemble_in_the_plan_says_so(kb, ck) -> None:
    a = ask("ensembles?", P.PERFECT_CLUSTER, ck)
    assert "It's part of your plan" in a.text
    assert "Vote/combine outputs" in a.text


def test_rag_not_in_the_plan_names_the_deciding_answers(kb, ck) -> None:
    a = ask("RAG?", P.BUDGET_CONSUMER_GPU, ck)
    assert "It isn't part of your plan" in a.text
    assert "Use case: Customer service" in a.text
    assert "Need updatable knowledge" in a.text


# --- tables -----------------------------------------------------------------------------

def test_comparison_is_the_guides_table_with_the_pick_marked(kb, ck) -> None:
    a = ask("comparison table", P.BUDGET_CONSUMER_GPU, ck)
    assert a.table is not None
    assert a.table.columns[0] == "Aspect" and len(a.table.columns) == 4
    assert "Fine-Tuning (your pick)" in a.table.columns
    assert ["Cost", "$0 upfront", "$10-1,000", "$10,000+"] in a.table.rows
    assert len(a.table.rows) == len(kb.comparison.rows)


def test_roadmap_is_four_stages_marking_where_this_person_starts(kb, ck) -> None:
    for persona, start in ((P.NO_DATA_TODAY, 1), (P.MEDIUM_DATACENTER, 2),
                           (P.BUDGET_CONSUMER_GPU, 3)):
        assert decide(persona, ck).start_stage == start
        a = ask("roadmap", persona, ck)
        assert a.table is not None and len(a.table.rows) == 4
        marked = [row[0] for row in a.table.rows if "you start here" in row[0]]
        assert marked == [f"{start} (you start here)"]
        assert f"you start at stage {start}" in a.text


def test_roadmap_before_advice_marks_no_stage(kb, ck) -> None:
    a = ask("roadmap", Slots(), ck, advised=False)
    assert a.table is not None
    assert not any("you start here" in row[0] for row in a.table.rows)


def test_data_requirements_place_the_persons_count(kb, ck) -> None:
    a = ask("how many examples do I need", P.MEDIUM_DATACENTER, ck)
    assert "2,000 examples reaches fine-tuning's better level (500-1,000 examples)" in a.text
    assert a.table is not None and len(a.table.rows) == 3


def test_quality_answer_leads_with_the_persons_data_quality(kb, ck) -> None:
    slots = P.MEDIUM_DATACENTER.model_copy(update={"data_quality": "low"})
    a = ask("our data is noisy, does that matter?", slots, ck)
    assert a.text.startswith("You told me: Data quality")
    assert "Use larger models with filtering" in a.text.split("\n\n")[0]


def test_decision_framework_in_context_lists_the_reasons(kb, ck) -> None:
    rec = decide(P.BUDGET_CONSUMER_GPU, ck)
    a = ask("how did you decide?", P.BUDGET_CONSUMER_GPU, ck)
    assert all(r.text in a.text for r in rec.reasons)


def test_use_cases_in_context_show_the_persons_use_case(kb, ck) -> None:
    a = ask("use cases", P.BUDGET_CONSUMER_GPU, ck)
    assert "Customer Service" in a.text and "Code Generation" not in a.text


# --- unplaceable --------------------------------------------------------------------------

def test_unplaceable_gives_the_topic_list_not_an_error(kb) -> None:
    a = unplaceable_answer(kb)
    assert a.kind == "answer" and a.text == kb.message("unplaceable")
    assert 8 <= len(a.choices) <= 10
    assert [c.value for c in a.choices] == list(UNPLACEABLE_TOPICS)
    assert all(c.label == kb.topics[c.value].title for c in a.choices)


def test_unknown_topic_id_falls_back_to_the_topic_list(kb, ck) -> None:
    [a] = topic_answer("no_such_topic", Slots(), ck, advised=False)
    assert isinstance(a, Answer) and a.topic == "help" and a.choices
