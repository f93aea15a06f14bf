"""Follow-ups after (or before) the recommendation: topic answers in context, what-ifs, the
cost and GPU memory calculators. Pure logic over knowledge/: no I/O, and never a change to
the person's answers (the caller owns the state)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dialogs.followups.calculator_answers import cost_answer, memory_answer
from dialogs.followups.classify import classify, hypothetical, is_whatif, whatif_slots
from dialogs.followups.context import build_context, topic_choices
from dialogs.followups.expert_answers import EXPERT_TOPICS, expert_answer, inference_answer
from dialogs.followups.intent import TOPIC_IDS, Intent
from dialogs.followups.topic_answers import BUILDERS
from dialogs.followups.whatif import whatif_answer
from dialogs.replies import Answer, Reply
from dialogs.slots import Slots
from knowledge.models import Knowledge

if TYPE_CHECKING:
    from dialogs.compiled import CompiledKnowledge

__all__ = ["TOPIC_IDS", "UNPLACEABLE_TOPICS", "Intent", "answer", "classify", "is_whatif",
           "hypothetical", "offered_answers", "topic_answer", "unplaceable", "whatif_slots"]

# The topics offered as buttons when a message cannot be placed: the most asked-for.
UNPLACEABLE_TOPICS: tuple[str, ...] = (
    "comparison", "roadmap", "cost", "data_requirements", "lora", "qlora", "rag",
    "gpu_memory", "common_mistakes", "decision_framework",
)


def answer(intent: Intent, slots: Slots, ck: CompiledKnowledge, *,
           advised: bool) -> list[Reply]:
    """The replies to a classified follow-up, in the context of these answers."""
    kb = ck.kb
    ctx = build_context(slots, ck, advised)
    if intent.kind == "whatif":
        return [whatif_answer(dict(intent.params.get("slots", {})), ctx, ck)]
    if intent.kind == "cost":
        return [cost_answer(intent.params.get("monthly_tokens"), ctx, kb,
                            params=dict(intent.params))]
    if intent.kind == "gpu_memory":
        return [memory_answer(dict(intent.params), ctx, kb)]
    if intent.topic == "inference" and intent.params:
        return [inference_answer(dict(intent.params), ctx, kb)]
    return topic_answer(intent.topic, slots, ck, advised)


def offered_answers(intent: Intent | None) -> dict[str, object] | None:
    """The answers a follow-up about other hardware or another model offers to apply
    ("keep that"), or None when the follow-up names neither. Answering it changes nothing."""
    if intent is None:
        return None
    offer = intent.params.get("offer")
    return dict(offer) if isinstance(offer, dict) else None


def topic_answer(topic_id: str, slots: Slots, ck: CompiledKnowledge,
                 advised: bool) -> list[Reply]:
    """The answer for a topic (a topic button's click, or a matched question)."""
    kb = ck.kb
    ctx = build_context(slots, ck, advised)
    if topic_id == "cost":
        return [cost_answer(None, ctx, kb)]
    if topic_id == "gpu_memory":
        return [memory_answer({}, ctx, kb)]
    if topic_id in EXPERT_TOPICS:
        return [expert_answer(topic_id, ctx, kb)]
    builder = BUILDERS.get(topic_id)
    if builder is None:
        return [unplaceable(kb)]
    return [builder(topic_id, ctx, kb)]


def unplaceable(kb: Knowledge) -> Answer:
    """ "I can help with ..." and the topics as buttons: what to say instead of a guess."""
    # Topic "help": docs/architecture.md's topic ids are a closed list, and this is help with
    # buttons.
    return Answer(topic="help", text=kb.message("unplaceable"),
                  choices=topic_choices(UNPLACEABLE_TOPICS, kb))
