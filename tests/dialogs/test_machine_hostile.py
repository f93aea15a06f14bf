"""Hostile and broken input on the step function, property-based: whatever arrives, step()
never raises, always says something, and input that is not an answer leaves the answers as
they were."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs.compiled import compile_knowledge
from dialogs.events import Command, Event
from dialogs.machine import MAX_TEXT_CHARS, _trimmed, step
from dialogs.replies import Notice
from dialogs.slots import Slots
from dialogs.state import ConversationState
from knowledge import default_knowledge

KB = default_knowledge()
CK = compile_knowledge(KB)
C = "test:T1:U1"
AT = datetime(2026, 11, 26, tzinfo=UTC)
COMMANDS: tuple[Command, ...] = ("start", "restart", "help", "explain", "history", "show",
                                 "card", "topic")
FUZZ = settings(max_examples=80, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])

# Every kind of character, control characters and lone surrogates' neighbours included
# (Event text is a Python str, so it can hold anything a platform delivers).
any_text = st.text(st.characters(codec="utf-8"), max_size=300)
control_text = st.text(st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), min_size=1,
                       max_size=200)


def _states() -> list[ConversationState]:
    """A new conversation, one half-way through, and one advised (with a recommendation)."""
    fresh = ConversationState()
    state = fresh
    for event in (Event.cmd(C, "start", at=AT),
                  Event.choice(C, "use_case", "customer_service", at=AT),
                  Event.choice(C, "has_data", "yes", at=AT)):
        state = step(state, event, CK).state
    midway = state
    state = step(state, Event.typed(
        C, "5000 examples, speed matters, low budget, common task, acceptable accuracy, "
           "need it this week", at=AT), CK).state
    for _ in range(10):
        if state.pending is None:
            break
        state = step(state, Event.typed(C, "skip", at=AT), CK).state
    assert state.phase == "advised", state.phase
    return [fresh, midway, state]


STATES = _states()
states = st.sampled_from(STATES)


def answers(state: ConversationState) -> Slots:
    return state.slots.model_copy(deep=True)


def _check(state: ConversationState, event: Event) -> ConversationState:
    before = state.model_copy(deep=True)
    result = step(state, event, CK)
    assert result.replies, "every turn says something"
    # The input state is never mutated in place (the runner may retry with it).
    assert state == before
    for reply in result.replies:
        text = getattr(reply, "text", "") or ""
        assert "Traceback" not in text
    return result.state


@FUZZ
@given(state=states, text=any_text)
def test_any_text_never_breaks_a_turn(state: ConversationState, text: str) -> None:
    _check(state, Event.typed(C, text, at=AT))


@FUZZ
@given(state=states, text=control_text)
def test_control_characters_and_blanks_change_no_answer(state: ConversationState,
                                                        text: str) -> None:
    after = _check(state, Event.typed(C, text, at=AT))
    assert after.slots == state.slots


@settings(max_examples=10, deadline=None, database=None)
@given(state=states, unit=any_text.filter(bool), extra=st.integers(1, 1000))
def test_huge_text_is_read_up_to_the_bound_and_says_so(state: ConversationState, unit: str,
                                                        extra: int) -> None:
    huge = (unit * (MAX_TEXT_CHARS // len(unit) + 2))[: MAX_TEXT_CHARS + extra]
    result = step(state, Event.typed(C, huge, at=AT), CK)
    assert result.replies[0] == Notice(text=KB.message("too_long", limit=f"{MAX_TEXT_CHARS:,}"))
    head = _trimmed(huge)
    assert len(head) <= MAX_TEXT_CHARS and huge.startswith(head)
    # Exactly what the first part alone would have done.
    alone = step(state, Event.typed(C, head, at=AT), CK)
    assert result.state == alone.state
    assert result.replies[1:] == alone.replies


@FUZZ
@given(state=states, question_id=st.one_of(st.sampled_from(list(Slots.model_fields)), any_text),
       value=any_text, version=st.one_of(st.none(), st.integers(-5, 10**9)))
def test_unknown_choices_change_no_answer(state: ConversationState, question_id: str,
                                          value: str, version: int | None) -> None:
    event = Event.choice(C, question_id, value, state_version=version, at=AT)
    after = _check(state, event)
    known = question_id in KB.questions and value in {c.value for c in
                                                       KB.question(question_id).choices}
    if not known:
        assert after.slots == state.slots


@FUZZ
@given(state=states, command=st.sampled_from(COMMANDS),
       value=st.one_of(st.none(), any_text, st.integers(-3, 10**6).map(str)))
def test_any_command_with_any_value_answers(state: ConversationState, command: Command,
                                            value: str | None) -> None:
    after = _check(state, Event.cmd(C, command, value, at=AT))
    if command != "restart":
        assert after.slots == state.slots


@pytest.mark.parametrize("value", ["²", "①", "٣"])
def test_show_with_a_digit_int_cannot_read_answers(value: str) -> None:
    """str.isdigit() is true of '²' and '①', which int() refuses: a crafted button value must
    get an answer, not a fault. ('٣', an Arabic-Indic three, is a number int() reads.)"""
    _check(STATES[2], Event.cmd(C, "show", value, at=AT))
