""""Delete my data": asked first, then erased (the step says so; the runner does the I/O)."""

from __future__ import annotations

import pytest

from dialogs.compiled import compile_knowledge
from dialogs.events import Event
from dialogs.machine import FORGET_CANCEL, FORGET_CONFIRM, FORGET_TOPIC, step
from dialogs.replies import Answer, Notice
from dialogs.state import ConversationState
from knowledge import default_knowledge

KB = default_knowledge()
CK = compile_knowledge(KB)
KEY = "slack:T1:U1"


def _answered() -> ConversationState:
    state = ConversationState()
    for text in ("start", "support bot for our helpdesk", "yes"):
        state = step(state, Event.typed(KEY, text), CK).state
    assert state.slots.use_case == "customer_service"
    return state


@pytest.mark.parametrize("event", [Event.typed(KEY, "delete my data"),
                                   Event.typed(KEY, "Forget me!"),
                                   Event.cmd(KEY, "forget"),
                                   Event.cmd(KEY, "topic", FORGET_TOPIC)])
def test_delete_my_data_asks_first_and_changes_nothing(event: Event) -> None:
    state = _answered()
    result = step(state, event, CK)
    assert not result.erase
    assert result.state.slots == state.slots
    (prompt,) = [r for r in result.replies if isinstance(r, Answer)]
    assert prompt.topic == FORGET_TOPIC
    assert [c.value for c in prompt.choices] == [FORGET_CONFIRM, FORGET_CANCEL]


@pytest.mark.parametrize("event", [Event.typed(KEY, "yes, delete my data"),
                                   Event.cmd(KEY, "forget", "confirm"),
                                   Event.cmd(KEY, "topic", FORGET_CONFIRM)])
def test_confirming_erases(event: Event) -> None:
    result = step(_answered(), event, CK)
    assert result.erase
    assert result.state.slots.use_case is None and not result.state.history
    assert any(isinstance(r, Notice) and r.text == KB.message("forget_done")
               for r in result.replies)


def test_cancelling_keeps_everything() -> None:
    state = _answered()
    result = step(state, Event.cmd(KEY, "topic", FORGET_CANCEL), CK)
    assert not result.erase
    assert result.state.slots == state.slots
    assert any(isinstance(r, Notice) and r.text == KB.message("forget_cancelled")
               for r in result.replies)


def test_help_offers_the_button() -> None:
    result = step(_answered(), Event.typed(KEY, "help"), CK)
    (help_answer,) = [r for r in result.replies if isinstance(r, Answer) and r.topic == "help"]
    assert [c.value for c in help_answer.choices] == [FORGET_TOPIC]
