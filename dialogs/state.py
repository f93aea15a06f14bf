"""The conversation state kept per person (platform + workspace + user).

Only answers and a little bookkeeping are stored: the recommendation is derived from the
answers on demand (the engine is pure and fast), which keeps a finished conversation small
in Redis and means a knowledge update shows in the next answer without a migration.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dialogs.slots import Slots

# Bump when a stored state can no longer be read as this model; older states are dropped
# with a friendly "let's start again" rather than a traceback.
SCHEMA_VERSION = 1
HISTORY_LIMIT = 5


class HistoryEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: datetime
    slots: Slots
    # Kept for the list ("Fine-tuning with LoRA"); the card itself is re-derived from slots.
    title: str


class ConversationState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    # Set by the store: the version this state was loaded at (compare-and-set token).
    version: int = 0
    slots: Slots = Field(default_factory=Slots)
    # The question awaiting an answer, if any.
    pending: str | None = None
    phase: Literal["new", "asking", "advised"] = "new"
    # Questions the person skipped ("not sure"), so they are not asked again.
    asked: list[str] = Field(default_factory=list)
    history: list[HistoryEntry] = Field(default_factory=list)
    # The last what-if's hypothetical answers, applied if the person says "keep that".
    whatif: dict[str, Any] = Field(default_factory=dict)
    # Surface context remembered for the adapters (see Event.surface).
    surface: dict[str, str] = Field(default_factory=dict)

    def dump(self) -> str:
        """Compact JSON for the store (defaults left out: small keys in Redis)."""
        return self.model_dump_json(exclude_defaults=True, exclude={"version"})
