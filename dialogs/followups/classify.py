"""What a follow-up asks for: `classify(text, ck) -> Intent | None`.

Patterns spot the calculators and what-ifs ("what if ...", "$", "20M tokens a month",
"13B model", "vram"); everything else is scored against the topics' aliases, and a message
that matches nothing well enough gets None (the caller offers the topic list), never a guess.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from dialogs.followups.intent import METHOD_TOPICS, Intent
from dialogs.followups.matcher import normalise
from dialogs.followups.quantities import gpu, model_size, monthly_tokens, usd_amount, workload
from dialogs.slots import Slots
from dialogs.understanding import extract_slots, is_question
from dialogs.understanding.text import head

if TYPE_CHECKING:
    from dialogs.compiled import CompiledKnowledge

_WHATIF = re.compile(
    r"\b(?:what if|what happens if|what would (?:happen|change) if|suppose|supposing|imagine"
    r"|hypothetically|if we (?:had|have|got|were|could|did|needed|need|get)"
    r"|if i (?:had|got|were|needed)|lets say|say we had"
    r"|would (?:it|that|anything|the advice|your advice) change if)\b")
_COST = re.compile(
    r"\b(?:costs?|costing|price|prices|pricing|priced|spend|spending|break ?even|breakeven"
    r"|expensive|cheap|cheaper|bill|dollars?|usd)\b")
_DOLLARS = re.compile(r"\$\s*\d")
# Serving, not training: "how much memory to serve a 70B model?", "inference on 2 A100s".
_SERVE = re.compile(
    r"\b(?:serve|serving|served|inference|deploy|deploying|deployed|deployment"
    r"|self ?host|self ?hosted|self ?hosting|host (?:it|the model|a model|this|that)"
    r"|in production|kv cache|tokens per second|throughput)\b")
# "Run a 70B model" is serving, unless the message is about training it.
_RUN = re.compile(r"\b(?:run|running|runs)\b")
_TRAIN = re.compile(r"\b(?:train|training|trained|finetune|finetuning|finetuned|fine tune"
                    r"|fine tuning|tune|tuning|lora|qlora|adapters?|prompt tuning)\b")
# Training from scratch or pretraining, for the cost estimate.
_SCRATCH = re.compile(r"\b(?:from scratch|pretrain|pretraining|pre train|pre training"
                      r"|our own foundation model)\b")
# The answers a follow-up about other hardware or another model may offer to apply (never
# applies: docs/architecture.md, follow-ups leave the person's answers as they are).
OFFERABLE_SLOTS: tuple[str, ...] = ("hardware", "model_size")
_MEMORY = re.compile(
    r"\b(?:vram|gpu memory|gpu ram|(?:how much|enough|more|less) (?:gpu )?memory"
    r"|memory (?:do|does|would|will|is) (?:i|we|it|that|needed|required)|memory footprint"
    r"|memory (?:for|of|to|needed|required)|(?:memory|vram) (?:usage|requirements?|estimate)"
    r"|fit on|fit in|fits on|fits in|fit into|run on)\b")

# A follow-up is a sentence or two; beyond this the text is not read (bounded work per turn).
MAX_CLASSIFY_CHARS = 1_000

def is_whatif(text: str) -> bool:
    """Does the text pose a hypothetical ("what if we had 50k examples?")?"""
    return _WHATIF.search(normalise(head(text, MAX_CLASSIFY_CHARS))) is not None


def whatif_slots(text: str, ck: CompiledKnowledge) -> dict[str, object]:
    """The hypothetical answers a what-if names ({"examples": 50000}, {"budget": "high"})."""
    return dict(extract_slots(text, ck))


# The kinds of thing a calculator question can name; a message naming only one of them and
# asking nothing ("a 13B model", "we have an A100 80GB") states an answer instead.
_NAMED_KINDS: tuple[frozenset[str], ...] = (
    frozenset({"model_params", "model_name"}), frozenset({"gpu_gb", "gpu_count"}),
    frozenset({"method"}),
)


def hypothetical(text: str, ck: CompiledKnowledge) -> Intent | None:
    """A calculator question about other hardware or another model ("phi-3 mini 3.8B full
    fine-tune on a 4090", "Mixtral 8x7B on an A100", "memory for mixtral 8x22b"), or None.
    Such a message is answered in that hypothetical and never changes the person's answers.
    A statement naming one thing and asking nothing ("2x 80GB", "actually it's a 13B model")
    is an answer (to the pending question or as a change)."""
    text = head(text, MAX_CLASSIFY_CHARS)
    if model_size(text, ck.model_names) is None and gpu(text, ck.gpu_names) is None:
        return None                      # cheap first: most answers name neither
    intent = classify(text, ck)
    if intent is None or intent.kind == "whatif" or "offer" not in intent.params:
        return None
    named = set(intent.params)
    kinds = sum(1 for kind in _NAMED_KINDS if named & kind)
    norm = normalise(text)
    asks = _MEMORY.search(norm) or _SERVE.search(norm) or _COST.search(norm) \
        or is_question(text)
    if kinds < 2 and not asks:
        return None
    return intent


def classify(text: str, ck: CompiledKnowledge) -> Intent | None:
    text = head(text, MAX_CLASSIFY_CHARS)
    norm = normalise(text)
    if not norm:
        return None
    matcher = ck.topic_matcher
    match = matcher.best(text)

    if _WHATIF.search(norm):
        slots = whatif_slots(text, ck)
        if slots:
            return Intent(kind="whatif", topic="decision_framework", score=100.0,
                          params={"slots": slots})
        # "what if we used QLoRA?" names no answer: it is a question about the topic.

    memory = _memory_params(text, ck)
    costly = _COST.search(norm) is not None
    serving = _SERVE.search(norm) or (_RUN.search(norm) and not _TRAIN.search(norm))
    if memory is not None and serving:
        return Intent(kind="topic", topic="inference", score=100.0,
                      params=_with_offer(memory, text, ck))
    if memory is not None and not (costly and not _MEMORY.search(norm)):
        return Intent(kind="gpu_memory", topic="gpu_memory", score=100.0,
                      params=_with_offer(memory, text, ck))

    tokens = monthly_tokens(text)
    # A bare "$3" is not a cost question (Redis protocol text is full of them); a question
    # naming dollars is ("is $500 a month a lot").
    dollars = _DOLLARS.search(text) is not None and is_question(text)
    if tokens is not None or dollars or costly:
        params: dict[str, Any] = {} if tokens is None else {"monthly_tokens": tokens}
        params.update(_training_params(text, ck))
        return Intent(kind="cost", topic="cost", score=100.0,
                      params=_with_offer(params, text, ck) if memory else params)

    if match is None:
        return None
    if match.topic == "cost":
        return Intent(kind="cost", topic="cost", score=match.score,
                      params=_training_params(text, ck))
    if match.topic == "gpu_memory":
        return Intent(kind="gpu_memory", topic="gpu_memory", score=match.score,
                      params=_memory_params(text, ck, force=True) or {})
    return Intent(kind="topic", topic=match.topic, score=match.score)


def _memory_params(text: str, ck: CompiledKnowledge, *,
                   force: bool = False) -> dict[str, Any] | None:
    """The memory question's numbers, or None when the text is not a memory question."""
    norm = normalise(text)
    size = model_size(text, ck.model_names)
    spec = gpu(text, ck.gpu_names)
    if not (force or size is not None or _MEMORY.search(norm)
            or (spec is not None and re.search(r"\b\d+ ?gb\b", norm))):
        return None
    params: dict[str, Any] = {}
    if size is not None:
        params["model_params"] = size[0]
        if size[1] is not None:
            params["model_name"] = size[1].name
    if spec is not None:
        params["gpu_gb"] = spec.per_gpu_gb
        params["gpu_count"] = spec.count
    method = ck.topic_matcher.best(text, only=METHOD_TOPICS)
    if method is not None:
        params["method"] = METHOD_TOPICS[method.topic]
    run = workload(text)
    if run:
        params["workload"] = run
    return params


def _training_params(text: str, ck: CompiledKnowledge) -> dict[str, Any]:
    """What a cost question says about training: a budget in dollars, a model size, a
    method, from scratch."""
    norm = normalise(text)
    params: dict[str, Any] = {}
    amount = usd_amount(text)
    if amount is not None:
        params["budget_usd"] = amount
    size = model_size(text, ck.model_names)
    if size is not None:
        params["model_params"] = size[0]
        if size[1] is not None:
            params["model_name"] = size[1].name
    if _SCRATCH.search(norm):
        params["scratch"] = True
    method = ck.topic_matcher.best(text, only=METHOD_TOPICS)
    if method is not None:
        params["method"] = METHOD_TOPICS[method.topic]
    return params


def _with_offer(params: dict[str, Any], text: str, ck: CompiledKnowledge) -> dict[str, Any]:
    """A question about other hardware or another model carries the answers it could apply
    ("offer"), so that the answer can say "say 'keep that'" and nothing changes until then."""
    if "model_params" not in params and "gpu_gb" not in params:
        return params
    named = {k: v for k, v in extract_slots(text, ck).items() if k in OFFERABLE_SLOTS}
    if "model_size" in Slots.model_fields and "model_params" in params \
            and "model_size" not in named:
        named["model_size"] = max(1, round(params["model_params"] / 1e9))
    return {**params, "offer": named}
