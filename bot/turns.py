"""The runner port: what every adapter hands a neutral event to, and what it gets back.

A turn is one event run through the dialog core and saved. Adapters (Slack, Teams, the terminal,
the web page) depend on `TurnHandler` only; `bot.runner.TurnRunner` is the implementation that
keeps conversations in a state store, and tests may pass any object of this shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from dialogs.events import Event
from dialogs.replies import Reply
from dialogs.state import ConversationState
from knowledge.models import Knowledge

# ok: applied; duplicate: the event was applied before, nothing to say; store_error: the store
# failed or stayed contended, the turn was not applied; error: the step (or the runner) failed;
# rate_limited: the person is over RATE_LIMIT_PER_MINUTE, the turn was not applied.
Outcome = Literal["ok", "duplicate", "store_error", "error", "rate_limited"]


@dataclass
class TurnResult:
    """What a turn gave: the replies to render (a friendly error when it failed), its outcome,
    and the state it saved (None unless applied)."""

    replies: list[Reply]
    outcome: Outcome
    state: ConversationState | None = None

    @property
    def duplicate(self) -> bool:
        """A redelivery of an event already applied: the first delivery answered it."""
        return self.outcome == "duplicate"


class TurnHandler(Protocol):
    """Runs one event as a turn. Never raises for a fault (the store down, a bug in the step):
    the result carries the friendly reply, so every adapter still answers its platform."""

    @property
    def kb(self) -> Knowledge:
        """The knowledge the replies are written from (adapters draw them with the same)."""
        ...

    async def handle(self, event: Event) -> TurnResult: ...
