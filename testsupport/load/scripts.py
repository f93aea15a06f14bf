"""The load run's conversations: who each one is, what it answers in which order (typed by
label or number, or clicked), and how much of its script a stored state shows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from bot.adapters.slack.keys import conversation_key as slack_conversation_key
from dialogs.compiled import compile_knowledge
from dialogs.events import Event
from dialogs.machine import step
from dialogs.state import ConversationState
from knowledge import default_knowledge
from testsupport.slack_standin import TEAM_ID

KB = default_knowledge()
CK = compile_knowledge(KB)
TENANT = "7a1d0000-0000-4000-8000-00000000load"
Platform = Literal["slack", "teams"]


# Choices that keep the question order fixed (the optional questions come after accuracy).
USE_CASES = ["customer_service", "content_generation", "code_generation", "document_analysis"]
PRIORITIES = ["speed", "consistency"]
BUDGETS = ["low", "medium", "high"]
UNIQUENESS = ["common", "specialized", "novel"]
# Turns in every script.
TURNS = 8


@dataclass(frozen=True)
class ScriptTurn:
    text: str | None = None         # typed
    slot: str | None = None         # the slot it answers
    value: str | int | None = None  # the canonical value it leaves in the slot
    click: bool = False             # by button (Slack) or card submit (Teams), else typed


@dataclass(frozen=True)
class Script:
    index: int
    platform: Platform
    clicks: bool
    turns: tuple[ScriptTurn, ...]
    # The question pending after each turn, as the dialog itself asks (rule 9 decides which
    # questions are worth asking, so it is worked out, not listed).
    pending: tuple[str, ...] = ()

    @property
    def user(self) -> str:
        return f"U{self.index:06d}L" if self.platform == "slack" else f"29:load-{self.index}"

    @property
    def aad(self) -> str:
        return str(uuid.UUID(int=self.index + 1))

    @property
    def conversation_id(self) -> str:
        return f"a:load-chat-{self.index}"

    @property
    def channel(self) -> str:
        return "D" + self.user

    @property
    def key(self) -> str:
        """The runner's conversation key, as each adapter builds it."""
        if self.platform == "slack":
            return slack_conversation_key(TEAM_ID, self.user)
        return f"teams:{TENANT.lower()}:{self.aad.lower()}"

    def expected(self, applied: int) -> dict[str, Any]:
        """The answered slots after the first `applied` turns."""
        slots: dict[str, Any] = {}
        for turn in self.turns[:applied]:
            if turn.slot is not None:
                slots[turn.slot] = turn.value
        return slots


def _label(slot: str, value: str) -> str:
    choice = KB.choice(slot, value)
    assert choice is not None, (slot, value)
    return str(choice.label)


def typed_choice(slot: str, value: str, i: int) -> ScriptTurn:
    """The answer typed by its label (words) or its 1-based number, by turn."""
    if i % 2:
        number = [c.value for c in KB.questions[slot].choices].index(value) + 1
        return ScriptTurn(text=str(number), slot=slot, value=value)
    return ScriptTurn(text=_label(slot, value), slot=slot, value=value)


def make_script(index: int) -> Script:
    """Conversation `index`: which platform, typed or clicked, and its own answers."""
    plat: Platform = "slack" if index % 2 == 0 else "teams"
    clicks = index % 4 in (2, 3)
    use_case = USE_CASES[index % len(USE_CASES)]
    priority = PRIORITIES[(index // 4) % len(PRIORITIES)]
    budget = BUDGETS[(index // 8) % len(BUDGETS)]
    uniqueness = UNIQUENESS[(index // 24) % len(UNIQUENESS)]
    new_budget = BUDGETS[(BUDGETS.index(budget) + 1 + index % 2) % len(BUDGETS)]
    examples = 1000 + index  # unique: this conversation's own fingerprint
    examples_text = [f"{examples}", f"{examples:,}", f"about {examples} examples"][index % 3]

    def answer(slot: str, value: str, n: int) -> ScriptTurn:
        if clicks:
            return ScriptTurn(slot=slot, value=value, click=True)
        return typed_choice(slot, value, index + n)

    turns = (
        ScriptTurn(text="hi"),
        answer("use_case", use_case, 1),
        answer("has_data", "yes", 2),
        ScriptTurn(text=examples_text, slot="examples", value=examples),
        answer("priority", priority, 4),
        answer("budget", budget, 5),
        answer("uniqueness", uniqueness, 6),
        # A changed answer, typed: proves order (applied before turn 6, it would be lost).
        ScriptTurn(text=f"actually our budget is {new_budget}", slot="budget", value=new_budget),
    )
    assert len(turns) == TURNS
    return Script(index, plat, clicks, turns, _pending_after(turns))


def _pending_after(turns: tuple[ScriptTurn, ...]) -> tuple[str, ...]:
    """The pending question after each turn, from the pure dialog."""
    state, pending = ConversationState(), []
    for turn in turns:
        if turn.click:
            event = Event.choice("load:script", str(turn.slot), str(turn.value))
        else:
            event = Event.typed("load:script", turn.text or "")
        state = step(state, event, CK).state
        assert state.pending is not None, "a script must end on a question, not the card"
        pending.append(state.pending)
    return tuple(pending)


def applied_turns(script: Script, state: ConversationState | None) -> int | None:
    """How many of the script's turns a stored state shows, or None when it is no prefix of the
    script (an answer lost, doubled, reordered or half-written)."""
    if state is None:
        return 0
    answered = state.slots.answered()
    for applied in range(TURNS, 0, -1):
        if state.version == applied and answered == script.expected(applied) \
                and state.pending == script.pending[applied - 1]:
            return applied
    return None
