"""What a follow-up message is asking for: a topic, a what-if, the cost or the memory
calculator."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

IntentKind = Literal["topic", "whatif", "cost", "gpu_memory"]

# The follow-up topics (docs/architecture.md's ids, plus gpu_memory). knowledge/data/topics.yaml
# has one entry for each; a test keeps the two in step.
TOPIC_IDS: tuple[str, ...] = (
    "prompt_engineering", "fine_tuning", "training_from_scratch", "standard_fine_tuning",
    "lora", "qlora", "prompt_tuning", "rag", "ensemble", "cot_fine_tuning", "cost",
    "data_requirements", "quality_vs_quantity", "roadmap", "comparison", "use_cases",
    "common_mistakes", "decision_framework", "gpu_memory",
    # Version 2: the project's own knowledge (knowledge/data/expert.yaml).
    "hosted_fine_tuning", "preference_tuning", "distillation", "evaluation", "inference",
    "continued_pretraining", "model_choice",
)

# Topic ids of the fine-tuning methods, and the method each names.
METHOD_TOPICS: dict[str, str] = {
    "standard_fine_tuning": "standard", "lora": "lora", "qlora": "qlora",
    "prompt_tuning": "prompt_tuning",
}
APPROACH_TOPICS: tuple[str, ...] = ("prompt_engineering", "fine_tuning", "training_from_scratch")
HYBRID_TOPICS: tuple[str, ...] = ("rag", "ensemble", "cot_fine_tuning")


class Intent(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: IntentKind
    topic: str                      # a topic id (what-ifs: decision_framework)
    score: float = Field(ge=0, le=100)
    # whatif: {"slots": {...}}; cost: {"monthly_tokens": int, "budget_usd": float,
    # "model_params": float, "scratch": bool, "method": str}; gpu_memory and the inference
    # topic: {"model_params": float, "model_name": str, "gpu_gb": float, "gpu_count": int,
    # "method": MethodId} (each only when named). "offer": the answers a question about other
    # hardware or another model could apply ({"hardware": ...}); never applied by answering.
    params: dict[str, Any] = Field(default_factory=dict)
