"""The slots the advisor fills, with their canonical values (docs/architecture.md's contract table).

Kept as Literal types so a wrong value fails validation wherever it enters: a state loaded
from Redis, a CLI flag, a knowledge file's choice list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

UseCase = Literal["customer_service", "content_generation", "code_generation",
                  "document_analysis", "other"]
YesNo = Literal["yes", "no"]
Priority = Literal["speed", "consistency", "novel_architecture"]
Budget = Literal["low", "medium", "high"]
Uniqueness = Literal["common", "specialized", "novel"]
Accuracy = Literal["acceptable", "high", "perfect"]
Timeline = Literal["today", "week", "quarter"]
KnowledgeUpdates = Literal["rarely", "often"]
Hardware = Literal["api_only", "consumer_gpu", "datacenter_gpu", "gpu_cluster"]
DataQuality = Literal["high", "low", "mixed"]

Approach = Literal["prompt_engineering", "fine_tuning", "training_from_scratch"]
Method = Literal["standard", "lora", "qlora", "prompt_tuning", "hosted"]
Hybrid = Literal["rag", "ensemble", "cot_fine_tuning", "cot_prompting"]

# Order matters: it is the order the core questions are asked in.
CORE_SLOTS: tuple[str, ...] = (
    "use_case", "has_data", "examples", "priority", "budget", "uniqueness", "accuracy",
    "timeline",
)
OPTIONAL_SLOTS: tuple[str, ...] = (
    "knowledge_updates", "hardware", "data_quality", "monthly_tokens", "explainability",
    # Appended last: stored answer lists index into this order.
    "model_size",
)
ALL_SLOTS: tuple[str, ...] = CORE_SLOTS + OPTIONAL_SLOTS
NUMERIC_SLOTS: frozenset[str] = frozenset({"examples", "monthly_tokens", "model_size"})

# The largest count we store: beyond it a number is surely a typo or an attack ("1e9999").
MAX_COUNT = 10**13
# The largest model size we store, in billions of parameters (today's largest are ~2,000B).
MAX_MODEL_SIZE_B = 100_000


class Slots(BaseModel):
    """A person's answers. None means not answered (unknown, never a default)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    use_case: UseCase | None = None
    has_data: YesNo | None = None
    examples: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    priority: Priority | None = None
    budget: Budget | None = None
    uniqueness: Uniqueness | None = None
    accuracy: Accuracy | None = None
    timeline: Timeline | None = None
    knowledge_updates: KnowledgeUpdates | None = None
    hardware: Hardware | None = None
    data_quality: DataQuality | None = None
    monthly_tokens: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    explainability: YesNo | None = None
    # Billions of parameters of the model to fine-tune (docs/architecture.md rule 5).
    model_size: int | None = Field(default=None, ge=1, le=MAX_MODEL_SIZE_B)

    def answered(self) -> dict[str, object]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


def slot_values(slot: str) -> tuple[str, ...]:
    """Canonical values of an enumerated slot; () for numeric slots."""
    if slot in NUMERIC_SLOTS:
        return ()
    annotation = Slots.model_fields[slot].annotation
    literal = get_args(annotation)[0]
    return tuple(get_args(literal))


def settled_count(answers: Mapping[str, object]) -> int | None:
    """The example count the has-data answer settles: 0 where the person said they have no
    data (the count is then never asked, and counts as known), None where the count is a
    question of its own. The one home of that rule."""
    return 0 if answers.get("has_data") == "no" else None
