"""The project's own knowledge in answers (issue 13): the seven version-2 topics, the
corrections to the guide, and the marker that says an answer goes beyond the guide."""

from __future__ import annotations

import pytest

from dialogs.followups import TOPIC_IDS, topic_answer
from dialogs.followups.expert_answers import EXPERT_TOPICS
from dialogs.replies import Answer, reply_json
from dialogs.slots import Slots
from tests.dialogs.followups import personas as P


def topic(topic_id: str, slots: Slots, ck, advised: bool = True) -> Answer:
    [reply] = topic_answer(topic_id, slots, ck, advised)
    assert isinstance(reply, Answer)
    return reply


def marker(a: Answer, kb) -> str:
    return kb.message("ours_marker", sources="; ".join(a.sources or []))


def test_the_seven_topics_are_listed_and_in_knowledge(kb) -> None:
    assert set(EXPERT_TOPICS) == set(kb.expert.topics)
    assert set(EXPERT_TOPICS) <= set(TOPIC_IDS) and set(EXPERT_TOPICS) <= set(kb.topics)
    assert all(kb.topics[t].source == "ours" for t in EXPERT_TOPICS)


@pytest.mark.parametrize("topic_id", EXPERT_TOPICS)
def test_every_expert_topic_states_its_claims_and_names_their_sources(topic_id: str,
                                                                      kb, ck) -> None:
    a = topic(topic_id, Slots(), ck, advised=False)
    info = kb.expert.topics[topic_id]
    assert info.what.split(":")[0] in a.text
    assert all(c.text in a.text for c in info.claims)
    cited = {k for c in info.claims for k in c.cite} | set(info.cite)
    assert a.ours is True
    assert set(a.sources or []) == {kb.expert.sources[k].short for k in cited}
    assert marker(a, kb) in a.text
    # The flag and the sources reach the JSON a surface reads.
    data = reply_json(a)
    assert data["ours"] is True and data["sources"] == a.sources


def test_a_guide_only_answer_carries_no_marker(kb, ck) -> None:
    a = topic("roadmap", P.MEDIUM_DATACENTER, ck)
    assert a.ours is None and a.sources is None
    assert "Our addition" not in a.text
    assert "ours" not in reply_json(a) and "sources" not in reply_json(a)


def test_every_cited_key_is_a_known_source(kb) -> None:
    keys = {k for t in kb.expert.topics.values() for c in t.claims for k in c.cite}
    keys |= {k for claims in kb.expert.notes.values() for c in claims for k in c.cite}
    keys |= set(kb.compute.cite)
    assert keys <= set(kb.expert.sources)
    assert all(s.short and s.full for s in kb.expert.sources.values())


# --- the person's own answers make a topic concrete ----------------------------------------

def test_hosted_fine_tuning_speaks_to_someone_without_gpus(kb, ck) -> None:
    slots = P.MEDIUM_DATACENTER.model_copy(update={"hardware": "api_only"})
    a = topic("hosted_fine_tuning", slots, ck)
    assert "no GPUs of your own" in a.text and "pay per token" in a.text
    general = topic("hosted_fine_tuning", P.MEDIUM_DATACENTER, ck)
    assert "no GPUs of your own" not in general.text


@pytest.mark.parametrize(("examples", "expected"), [
    (2_000, "set aside about 400 as the test set"),
    (50_000, "set aside about 500 as the test set"),
    (60, "too little to split"),
])
def test_evaluation_sizes_the_held_out_set_from_the_count(examples: int, expected: str,
                                                          kb, ck) -> None:
    slots = P.MEDIUM_DATACENTER.model_copy(update={"examples": examples})
    assert expected in topic("evaluation", slots, ck).text


def test_model_choice_names_the_sizes_that_fit_the_hardware(kb, ck) -> None:
    a = topic("model_choice", P.BUDGET_CONSUMER_GPU, ck)
    # 24 GB: QLoRA up to ~36B (the QLoRA paper fits 33B on 24 GB).
    assert "On your hardware (24 GB assumed)" in a.text and "QLoRA up to about 35" in a.text


# --- corrections to the guide ------------------------------------------------------------

def test_qlora_no_longer_costs_accuracy_but_speed(kb, ck) -> None:
    a = topic("qlora", Slots(), ck, advised=False)
    assert "matched 16-bit full and LoRA fine-tuning" in a.text and "slower" in a.text
    assert "Dettmers et al. 2023 (QLoRA)" in (a.sources or [])
    assert "slightly lower accuracy" not in kb.methods["qlora"].best_when
    assert "slightly lower accuracy" not in kb.say("method_qlora_hardware")
    assert "slightly lower accuracy" not in kb.say("method_qlora_budget")


def test_prompt_tuning_is_never_the_answer_to_tight_memory(kb, ck) -> None:
    a = topic("prompt_tuning", Slots(), ck, advised=False)
    assert "does not save activation memory" in a.text and "10B+" in a.text
    assert "Lester et al. 2021 (prompt tuning)" in (a.sources or [])
    for text in (kb.methods["prompt_tuning"].best_when, kb.say("note_prompt_tuning"), a.text):
        assert "if memory is tight" not in text.lower()
        assert "memory is the hard limit" not in text.lower()


def test_perfect_accuracy_is_never_promised(kb, ck) -> None:
    a = topic("ensemble", P.PERFECT_CLUSTER, ck)
    assert "No approach guarantees perfect accuracy" in a.text
    assert "three or more" in a.text and "human review" in a.text


def test_comparison_says_fine_tuning_teaches_behaviour_and_rag_supplies_facts(kb, ck) -> None:
    a = topic("comparison", Slots(), ck, advised=False)
    assert "fine-tuning teaches behaviour, format and style" in a.text
    assert "RAG supplies facts" in a.text and a.ours is True


def test_cot_fine_tuning_says_where_reasoning_data_comes_from(kb, ck) -> None:
    a = topic("cot_fine_tuning", P.PERFECT_CLUSTER, ck)
    assert "written by experts, or distilled" in a.text and "unfaithful" in a.text


def test_noisy_data_gets_cleaning_advice(kb, ck) -> None:
    slots = P.MEDIUM_DATACENTER.model_copy(update={"examples": 2_000, "data_quality": "low"})
    a = topic("quality_vs_quantity", slots, ck)
    assert "say 2,000" in a.text and "Deduplicate" in a.text and "LIMA" in a.text
    clean = topic("quality_vs_quantity",
                  slots.model_copy(update={"data_quality": "high"}), ck)
    assert "Deduplicate" not in clean.text and clean.ours is None


# --- approach topics: what, when, data and cost, also in context ---------------------------

@pytest.mark.parametrize("approach", ["prompt_engineering", "fine_tuning",
                                      "training_from_scratch"])
def test_approach_answers_say_what_when_data_and_cost_in_context(approach: str, kb, ck) -> None:
    a = topic(approach, P.MEDIUM_DATACENTER, ck)
    info = kb.approaches[approach]
    assert info.what_it_is in a.text
    assert all(w in a.text for w in info.when_to_use)
    assert f"minimum {kb.data_requirements[approach].minimum}" in a.text
    assert kb.costs[approach].training in a.text


def test_scratch_answer_points_to_its_cost_estimate(kb, ck) -> None:
    a = topic("training_from_scratch", P.NOVEL_MILLIONS, ck)
    assert "1.46M H100 GPU-hours" in a.text and "from scratch?' for a" in a.text


def test_api_only_memory_question_says_the_provider_handles_memory(kb, ck) -> None:
    from dialogs.followups import answer, classify
    slots = P.MEDIUM_DATACENTER.model_copy(update={"hardware": "api_only"})
    intent = classify("how much vram for a 13b model", ck)
    assert intent is not None
    [a] = answer(intent, slots, ck, advised=True)
    assert isinstance(a, Answer) and "provider handles the memory" in a.text


def test_our_own_uncited_advice_is_marked_too(kb, ck) -> None:
    mistakes = topic("common_mistakes", Slots(), ck, advised=False)
    assert mistakes.ours is True and mistakes.sources == []
    assert kb.message("ours_marker_uncited") in mistakes.text
    # The guide's customer-service use case is the guide's; code generation is ours.
    guide = topic("use_cases", P.BUDGET_CONSUMER_GPU, ck)
    assert kb.use_cases["customer_service"].source == "guide"
    assert guide.ours is None and "Our addition" not in guide.text
    code = topic("use_cases", P.BUDGET_CONSUMER_GPU.model_copy(
        update={"use_case": "code_generation"}), ck)
    assert code.ours is True and kb.message("ours_marker_uncited") in code.text
