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
    monthly_at_1m_tokens: str
    best_for: str


class DataNeeded(BaseModel):
    minimum: str
    better: str
    best: str
    you_have: str  # what the person told us, in words


class NotAsked(BaseModel):
    """A question the card was made without: skipped because no answer to it could change
    the card (docs/architecture.md rule 9), or left open and assumed after "just tell me"."""

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
    what_would_change: list[str] = Field(default_factory=list)
    votes: dict[str, int] = Field(default_factory=dict)
    unknown: list[str] = Field(default_factory=list)  # slots left unanswered
    not_asked: list[NotAsked] = Field(default_factory=list)
