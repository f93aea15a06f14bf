"""The recommendation the decision engine returns: the card's content, as data."""

from __future__ import annotations

from pydantic import BaseModel, Field

from dialogs.slots import Approach, Hybrid, Method


class Reason(BaseModel):
    """One answer and where it pointed."""

    slot: str
    value: str
    points_to: Approach | None  # None: the answer casts no vote (e.g. budget high)
    text: str


class RoadmapStage(BaseModel):
    stage: int = Field(ge=1, le=4)
    title: str
    subtitle: str = ""
    steps: list[str]
    next: str | None  # what moves you to the next stage; None on the last stage
    current: bool = False  # "you start here"


class CostLine(BaseModel):
    training: str
    inference_per_1k_tokens: str
    monthly_at_1m_tokens: str  # the guide's figure, quoted as the guide gives it
    best_for: str
    # At the person's monthly volume (the guide's 1M tokens where it is not known).
    monthly_tokens: int = 1_000_000
    volume_told: bool = False
    monthly_label: str = ""  # "A month at 20,000,000 tokens (yours)"
    monthly: str = ""  # "$20-200", or the guide's words where it gives no price
    hosting: str | None = None  # what running the fine-tuned model adds, per month
    payback: str | None = None  # when fine-tuning's training is repaid, hosting included
    prices_note: str = ""  # the per-token prices are the guide's (dated) figures


class DataNeeded(BaseModel):
    minimum: str
    better: str
    best: str
    you_have: str  # what the person told us, in words


class Change(BaseModel):
    """One answer changed, and what the rules then give (docs/architecture.md rule 8)."""

    slot: str
    value: str | int
    approach: Approach
    method: Method | None = None
    text: str


class NotAsked(BaseModel):
    """A question skipped because no answer to it could change the card, or assumed after
    "just tell me now" (docs/architecture.md rule 9)."""

    slot: str
    text: str


class Recommendation(BaseModel):
    approach: Approach
    method: Method | None = None
    hybrids: list[Hybrid] = Field(default_factory=list)
    start_stage: int = Field(ge=1, le=4)
    roadmap: list[RoadmapStage]
    reasons: list[Reason]
    costs: CostLine
    data_needed: DataNeeded
    # Beyond the contract: what a person needs to act on it.
    title: str  # e.g. "Fine-tuning with LoRA"
    summary: str  # one or two sentences
    method_reason: str | None = None
    hybrid_reasons: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # e.g. the 50-99 examples caveat
    why_not: list[str] = Field(default_factory=list)  # why the other approaches lost
    what_would_change: list[Change] = Field(default_factory=list)
    not_asked: list[NotAsked] = Field(default_factory=list)
    # What the method's fit assumed: the model size and GPU memory (rule 5), shown on the card.
    assumptions: list[str] = Field(default_factory=list)
    model_size_b: int | None = None  # the size the method was fitted for (told or assumed)
    gpu_memory_gb: float | None = None  # the memory it was fitted against; None: hosted
    method_fits: bool = True  # False: not even QLoRA fits the hardware by our estimate
    votes: dict[str, int] = Field(default_factory=dict)
    unknown: list[str] = Field(default_factory=list)  # slots left unanswered
