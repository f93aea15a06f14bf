"""The neutral event an adapter makes from a platform event: the one input of a turn."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Commands a button or a platform gesture can send without free text.
Command = Literal[
    "start",      # begin, or resume the open conversation (re-asks the pending question)
    "restart",    # forget the answers, start over
    "help",
    "explain",    # why this recommendation ("why?")
    "history",    # last recommendations
    "show",       # bring back one history entry; value = its 1-based number
    "card",       # the current recommendation card again (used by Share)
    "topic",      # a follow-up topic chosen from buttons; value = topic id
    "forget",     # delete everything kept about this person: asks first; value "confirm"
                  # (or "cancel") answers that question
    "back",       # undo the last answer and ask that question again
    "now",        # the card from what is known, without the remaining questions
]


class Event(BaseModel):
    """One thing a person did.

    kind "text": free text typed by the person.
    kind "choice": a button or menu pick: question_id is the slot, value the canonical value,
        state_version the version of the state the card was drawn from (for stale clicks).
    kind "command": a command, with an optional value.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    conversation: str = Field(min_length=1, max_length=512)
    kind: Literal["text", "choice", "command"]
    text: str = ""
    question_id: str | None = None
    value: str | None = None
    command: Command | None = None
    state_version: int | None = None
    event_id: str | None = Field(default=None, max_length=256)
    # Passed in, not read from a clock, so step() stays pure and testable.
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    # Context from the surface: e.g. a shared card's thread carries that card's answers.
    context_slots: dict[str, object] | None = None
    # Where the person is, for the surface to remember (e.g. the Slack channel a command was
    # typed in, so Share can post there later). Copied into the state; never interpreted.
    surface: dict[str, str] | None = None

    # Shorthands for adapters and tests; extra keyword arguments (event_id, at, surface...)
    # are validated by the model like any other field.
    @classmethod
    def typed(cls, conversation: str, text: str, **kw: Any) -> Event:
        return cls(conversation=conversation, kind="text", text=text, **kw)

    @classmethod
    def choice(cls, conversation: str, question_id: str, value: str, **kw: Any) -> Event:
        return cls(conversation=conversation, kind="choice", question_id=question_id,
                   value=value, **kw)

    @classmethod
    def cmd(cls, conversation: str, command: Command, value: str | None = None,
            **kw: Any) -> Event:
        return cls(conversation=conversation, kind="command", command=command, value=value,
                   **kw)
