"""The conversation state kept per person (platform + workspace + user).

Only answers and a little bookkeeping are stored: the recommendation is derived from the
answers on demand (the engine is pure and fast), which keeps a finished conversation small
in Redis and means a knowledge update shows in the next answer without a migration.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

from dialogs.slots import ALL_SLOTS, Slots

# Bump when a stored state can no longer be read as this model; older states are dropped
# with a friendly "let's start again" rather than a traceback.
SCHEMA_VERSION = 1
HISTORY_LIMIT = 5
# How many answers "back" can undo in a row: each costs ~100 B of the stored state, kept for a
# month, while a person going back further than this is rare (they can restart or just answer).
UNDO_LIMIT = 5


def _compact_slots(slots: Slots) -> list[object]:
    values = [getattr(slots, name) for name in ALL_SLOTS]
    while values and values[-1] is None:
        values.pop()
    return values


def _slots_of(value: object) -> object:
    if isinstance(value, list):
        if len(value) > len(ALL_SLOTS):
            raise ValueError("more answers than slots")
        return {k: v for k, v in zip(ALL_SLOTS, value, strict=False) if v is not None}
    return value


class _CompactAnswers(BaseModel):
    """Answers stored as a list in ALL_SLOTS order (trailing unknowns dropped), not a dict."""

    slots: Slots

    @field_serializer("slots", when_used="json")
    def _slots_as_list(self, slots: Slots) -> list[object]:
        return _compact_slots(slots)

    @field_validator("slots", mode="before")
    @classmethod
    def _slots_from_list(cls, value: object) -> object:
        return _slots_of(value)


class HistoryEntry(_CompactAnswers):
    """One past recommendation. Stored compactly (the answers as a list in ALL_SLOTS order,
    the time as epoch seconds): five entries with every answer would otherwise double a
    conversation's size in Redis. The dict form is still read."""

    model_config = ConfigDict(extra="forbid")
    at: datetime
    slots: Slots
    # Kept for the list ("Fine-tuning with LoRA"); the card itself is re-derived from slots.
    title: str

    @field_serializer("at", when_used="json")
    def _at_as_epoch(self, at: datetime) -> int:
        return int(at.timestamp())

    @field_validator("at", mode="before")
    @classmethod
    def _at_from_epoch(cls, value: object) -> object:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(value, UTC)
        return value


class UndoEntry(_CompactAnswers):
    """What a conversation looked like before one answer (or "now", or a restart), so "back"
    puts it back exactly. Answers stored compactly, as in HistoryEntry."""

    model_config = ConfigDict(extra="forbid")
    slots: Slots = Field(default_factory=Slots)
    asked: list[str] = Field(default_factory=list)
    pending: str | None = None
    phase: Literal["new", "asking", "advised"] = "new"
    rushed: bool = False
    progress_total: int | None = None


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
    # The values the pending question offered when it offered only some ("Did you mean Low
    # or Medium?"), so that a typed "2" means the second of those.
    offered: list[str] = Field(default_factory=list)
    # The person asked for the card now ("just tell me"): no more questions; answers they
    # volunteer later refine the card.
    rushed: bool = False
    # The total last shown in "question 3 of about 6", so that it never goes up.
    progress_total: int | None = None
    # What "back" restores, the latest last.
    undo: list[UndoEntry] = Field(default_factory=list)

    def snapshot(self) -> UndoEntry:
        return UndoEntry(slots=self.slots.model_copy(), asked=list(self.asked),
                         pending=self.pending, phase=self.phase, rushed=self.rushed,
                         progress_total=self.progress_total)

    def dump(self) -> str:
        """Compact JSON for the store (defaults left out: small keys in Redis).

        What exclude_defaults=True would write, built as exclude_none plus the few defaults
        that are not None: pydantic finds defaults by building each one (a Slots() every
        time), which more than doubled a save's dump. A test holds the two equal."""
        exclude = {"version"}
        if self.schema_version == SCHEMA_VERSION:
            exclude.add("schema_version")
        if self.phase == "new":
            exclude.add("phase")
        if self.slots == _NO_ANSWERS:
            exclude.add("slots")
        for name in _EMPTY_BY_DEFAULT:
            if not getattr(self, name):
                exclude.add(name)
        return self.model_dump_json(exclude_none=True, exclude=exclude)


_NO_ANSWERS = Slots()
# Fields whose default is an empty list or dict.
_EMPTY_BY_DEFAULT = ("asked", "history", "whatif", "surface", "offered", "rushed", "undo")
