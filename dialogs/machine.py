"""The dialog state machine: one pure step function, state + event -> new state + replies."""

from __future__ import annotations

from dataclasses import dataclass, field

from dialogs.events import Event
from dialogs.replies import Reply
from dialogs.state import ConversationState
from knowledge.models import Knowledge


@dataclass
class StepResult:
    state: ConversationState
    replies: list[Reply] = field(default_factory=list)


def step(state: ConversationState, event: Event, kb: Knowledge) -> StepResult:
    """Apply one event. Pure: no I/O, no clock (the event carries its time)."""
    raise NotImplementedError  # being written (the lead's part)
