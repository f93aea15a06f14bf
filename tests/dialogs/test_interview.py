"""Issue 14: rule 9 (only questions that can change the card), "now", "back", the counter,
and nothing lost by a slip. Random answer sets come from hypothesis."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.compiled import compile_knowledge
from dialogs.engine import card_outcome, decide
from dialogs.events import Event
from dialogs.machine import step
from dialogs.relevance import SEARCH_BUDGET, SETTLES, consistent, outcome, witness
from dialogs.replies import Question, RecommendationReply, Reply
from dialogs.slots import ALL_SLOTS, NUMERIC_SLOTS, Slots, slot_values
from dialogs.state import ConversationState
from knowledge import default_knowledge

pytestmark = pytest.mark.slow  # property tests over many answer sets

KB = default_knowledge()
CK = compile_knowledge(KB)
C = "test:interview"
AT = datetime(2026, 12, 1, tzinfo=UTC)


def _persona() -> st.SearchStrategy[dict[str, Any]]:
    values = {name: (st.sampled_from([0, 40, 80, 300, 3_000, 20_000, 2_000_000])
                     if name == "examples" else
                     st.sampled_from([3, 8, 13, 70, 405]) if name == "model_size" else
                     st.sampled_from([50_000, 3_000_000, 50_000_000]) if name in NUMERIC_SLOTS
                     else st.sampled_from(slot_values(name)))
              for name in ALL_SLOTS}
    return st.fixed_dictionaries(values).map(lambda p: consistent(p) or {**p, "examples": 0})


def _answer(slot: str, persona: dict[str, Any]) -> Event:
    value = persona[slot]
    if slot in NUMERIC_SLOTS:
        return Event.typed(C, str(value), at=AT)
    return Event.choice(C, slot, value, at=AT)


def _run(state: ConversationState, event: Event) -> tuple[ConversationState, list[Reply]]:
    result = step(state, event, CK)
    return result.state, result.replies


def _question(replies: list[Reply]) -> Question | None:
    return next((r for r in reversed(replies) if isinstance(r, Question)), None)


def _card(replies: list[Reply]) -> RecommendationReply | None:
    return next((r for r in replies if isinstance(r, RecommendationReply)), None)


def _interview(persona: dict[str, Any], stop_after: int | None = None
               ) -> list[tuple[ConversationState, list[Reply]]]:
    """Every (state, replies) of a conversation that answers what it is asked."""
    state, replies = _run(ConversationState(), Event.cmd(C, "start", at=AT))
    turns = [(state, replies)]
    while (q := _question(replies)) is not None and len(turns) < 30:
        if stop_after is not None and len(turns) > stop_after:
            break
        state, replies = _run(state, _answer(q.question_id, persona))
        turns.append((state, replies))
    return turns


@settings(max_examples=25, deadline=None, database=None)
@given(persona=_persona())
def test_every_question_asked_can_change_the_card(persona: dict[str, Any]) -> None:
    for state, replies in _interview(persona):
        q = _question(replies)
        if q is None:
            continue
        answers = state.slots.answered()
        asked = q.question_id
        if asked in SETTLES:  # "no data" settles the count: asked wherever the count matters
            asked = SETTLES[asked]
            assert asked not in answers
        still_open = [s for s in ALL_SLOTS if s not in answers and s != asked]
        found = witness(asked, answers, still_open, CK, budget=SEARCH_BUDGET)
        assert found is not None, (asked, answers)
        # The witness, checked against the engine directly.
        completion, value = found
        base = consistent({**answers, **completion})
        assert base is not None
        changed = consistent({**base, asked: value})
        assert changed is not None
        before, after = decide(Slots(**base), CK), decide(Slots(**changed), CK)
        assert ((before.approach, before.method, before.hybrids, before.start_stage,
                 [s.steps for s in before.roadmap])
                != (after.approach, after.method, after.hybrids, after.start_stage,
                    [s.steps for s in after.roadmap]))


@settings(max_examples=25, deadline=None, database=None)
@given(persona=_persona())
def test_the_card_says_what_it_was_made_without(persona: dict[str, Any]) -> None:
    state, replies = _interview(persona)[-1]
    card = _card(replies)
    assert card is not None
    rec = card.recommendation
    answers = state.slots.answered()
    assert [n.slot for n in rec.not_asked] == [s for s in ALL_SLOTS if s not in answers]
    for n in rec.not_asked:
        label = KB.question(n.slot).short_label
        assert n.text in (KB.message("not_asked_cannot_change", label=label),
                          KB.message("not_asked_assumed", label=label))


@settings(max_examples=20, deadline=None, database=None)
@given(persona=_persona(), after=st.integers(0, 6))
def test_now_gives_the_rules_over_the_answers_given_and_states_every_assumption(
        persona: dict[str, Any], after: int) -> None:
    state, replies = _interview(persona, stop_after=after)[-1]
    state, replies = _run(state, Event.typed(C, "just tell me", at=AT))
    card = _card(replies)
    assert card is not None and _question(replies) is None
    rec = card.recommendation
    expected = decide(state.slots, CK)
    assert rec.model_dump(exclude={"not_asked"}) == expected.model_dump(exclude={"not_asked"})
    unanswered = [s for s in ALL_SLOTS if getattr(state.slots, s) is None]
    assert [n.slot for n in rec.not_asked] == unanswered
    # Volunteered later, an answer refines the card and asks nothing more.
    missing = [s for s in unanswered if s not in NUMERIC_SLOTS]
    if missing:
        slot = missing[0]
        label = KB.choice(slot, persona[slot])
        assert label is not None
        state2, replies2 = _run(state, Event.typed(C, f"actually {label.synonyms[0]}"
                                                   if label.synonyms else label.label, at=AT))
        if getattr(state2.slots, slot) is not None:
            refined = _card(replies2)
            assert refined is not None and _question(replies2) is None
            assert slot not in [n.slot for n in refined.recommendation.not_asked]


@settings(max_examples=25, deadline=None, database=None)
@given(persona=_persona(), at=st.integers(1, 8))
def test_back_then_the_same_answer_leaves_the_state_as_it_was(persona: dict[str, Any],
                                                              at: int) -> None:
    turns = _interview(persona, stop_after=at)
    if len(turns) < 2:
        return
    before, asked = turns[-2]
    q = _question(asked)
    assert q is not None
    after, _ = turns[-1]
    undone, replies = _run(after, Event.typed(C, "back", at=AT))
    again = _question(replies)
    assert again is not None and again.question_id == q.question_id
    assert undone.slots == before.slots and undone.pending == before.pending
    redone, _ = _run(undone, _answer(q.question_id, persona))
    assert redone == after


def test_the_counter_does_not_rise_for_an_answer_nobody_asked_for() -> None:
    state, _ = _run(ConversationState(), Event.cmd(C, "start"))
    state, replies = _run(state, Event.choice(C, "use_case", "customer_service"))
    q = _question(replies)
    assert q is not None and q.total_steps is not None
    # Monthly volume cannot change this card (the engine ignores it): volunteered, it counts
    # as done, and the total stays where it was.
    state, replies = _run(state, Event.typed(C, "about 2 million tokens a month"))
    later = _question(replies)
    assert later is not None and later.total_steps is not None
    assert later.total_steps <= q.total_steps and later.step == (q.step or 0) + 1


@settings(max_examples=25, deadline=None, database=None)
@given(persona=_persona())
def test_the_counter_only_falls_moves_forward_and_is_exact_on_the_last_question(
        persona: dict[str, Any]) -> None:
    shown = [q for _, replies in _interview(persona) if (q := _question(replies)) is not None]
    # The total never rises, except to the question's own number: where rule 9's bounded
    # search found a question worth asking only after a later answer (it never says
    # "question 9 of about 8").
    for before, after in zip(shown, shown[1:], strict=False):
        assert (after.total_steps or 0) <= max(before.total_steps or 0, after.step or 0)
    steps = [q.step or 0 for q in shown]
    # The number only moves forward: by one per answer, by more for answers given at once; a
    # count of none typed after "yes" turns "yes" into "no", one question, not two.
    assert steps[0] == 1 and steps == sorted(steps)
    assert shown[-1].step == shown[-1].total_steps
    assert shown[-1].progress == KB.message("progress", step=shown[-1].step,
                                            total=shown[-1].total_steps)
    for q in shown[:-1]:
        assert q.progress is not None and (q.step or 0) <= (q.total_steps or 0)


def test_no_data_is_never_asked_about_priority_uniqueness_or_timeline() -> None:
    persona = {s: slot_values(s)[0] if s not in NUMERIC_SLOTS else 0 for s in ALL_SLOTS}
    persona.update(has_data="no", examples=0)
    asked = {q.question_id for _, r in _interview(persona) if (q := _question(r)) is not None}
    assert not asked & {"priority", "uniqueness", "timeline", "hardware", "monthly_tokens"}
    assert {"use_case", "has_data"} <= asked


def test_restart_offers_an_undo_that_brings_every_answer_back() -> None:
    state = ConversationState()
    for event in (Event.cmd(C, "start"), Event.choice(C, "use_case", "customer_service"),
                  Event.choice(C, "has_data", "yes")):
        state, _ = _run(state, event)
    kept = state
    state, replies = _run(state, Event.typed(C, "clear"))
    assert state.slots == Slots()
    assert replies[0].kind == "notice" and "back" in replies[0].text.lower()
    state, replies = _run(state, Event.typed(C, "back"))
    assert state.slots == kept.slots and state.pending == kept.pending
    q = _question(replies)
    assert q is not None and q.question_id == kept.pending


def test_a_greeting_after_an_unplaceable_first_message_gets_the_first_question() -> None:
    state, replies = _run(ConversationState(), Event.typed(C, "zzzz qqqq"))
    assert replies
    state, replies = _run(state, Event.typed(C, "hi"))
    q = _question(replies)
    assert q is not None and q.question_id == "use_case"


def test_back_with_nothing_to_undo_says_so_and_re_asks() -> None:
    state, _ = _run(ConversationState(), Event.cmd(C, "start"))
    same, replies = _run(state, Event.typed(C, "undo"))
    assert replies[0].text == KB.message("nothing_to_undo")
    assert _question(replies) is not None and same.slots == state.slots


def test_questions_carry_back_and_now_buttons_that_work_as_commands() -> None:
    state, replies = _run(ConversationState(), Event.cmd(C, "start"))
    q = _question(replies)
    assert q is not None and [a.value for a in q.actions] == ["now"]
    state, replies = _run(state, Event.choice(C, "use_case", "document_analysis"))
    q = _question(replies)
    assert q is not None and [a.value for a in q.actions] == ["back", "now"]
    state, replies = _run(state, Event.cmd(C, "now"))
    card = _card(replies)
    assert card is not None and "rag" in card.recommendation.hybrids


def test_rule_9_follows_an_organisations_thresholds() -> None:
    """Raise the data minimum: 300 examples no longer make fine-tuning possible, so a need
    that only moves fine-tuning's votes stops being worth asking."""
    answers = {"use_case": "other", "has_data": "yes", "examples": 300}
    still_open = [s for s in ALL_SLOTS if s not in answers and s != "priority"]
    assert witness("priority", answers, still_open, CK, budget=3_000) is not None
    strict = KB.model_copy(update={"thresholds": KB.thresholds.model_copy(
        update={"prompt_engineering_below": 1_000})})
    strict_ck = compile_knowledge(strict)
    assert outcome(answers, strict_ck)[0] == "prompt_engineering"
    assert witness("priority", answers, still_open, strict_ck, budget=3_000) is None


def test_a_turn_stays_cheap_on_cold_caches() -> None:
    """CPU of every turn of a conversation with fresh caches (newly compiled knowledge)."""
    ck = compile_knowledge(KB)
    persona = {s: slot_values(s)[-1] if s not in NUMERIC_SLOTS else 3_000 for s in ALL_SLOTS}
    state = ConversationState()
    event = Event.cmd(C, "start")
    worst = 0.0
    for _ in range(20):
        started = time.thread_time()
        result = step(state, event, ck)
        worst = max(worst, time.thread_time() - started)
        state = result.state
        q = _question(result.replies)
        if q is None:
            break
        event = _answer(q.question_id, persona)
    assert worst < 0.2, worst


def test_back_after_now_returns_to_the_question_that_was_open() -> None:
    state = ConversationState()
    for event in (Event.cmd(C, "start"), Event.choice(C, "use_case", "customer_service")):
        state, _ = _run(state, event)
    asking = state
    state, replies = _run(state, Event.typed(C, "skip the rest"))
    assert _card(replies) is not None and state.rushed
    # Answered later, an answer refines the card and asks nothing more.
    state, replies = _run(state, Event.typed(C, "our budget is high"))
    assert _card(replies) is not None and _question(replies) is None
    state, _ = _run(state, Event.typed(C, "undo"))
    assert state.rushed and state.slots.budget is None and state.phase == "advised"
    state, replies = _run(state, Event.typed(C, "go back"))
    q = _question(replies)
    assert q is not None and q.question_id == asking.pending
    assert state.slots == asking.slots and not state.rushed


@settings(max_examples=200, deadline=None, database=None)
@given(persona=_persona(), keep=st.sets(st.sampled_from(ALL_SLOTS)))
def test_card_outcome_is_exactly_the_substance_of_decide(persona: dict[str, Any],
                                                         keep: set[str]) -> None:
    """Rule 9 compares card_outcome(); the card is decide(). They must never disagree."""
    answers = consistent({s: v for s, v in persona.items() if s in keep}) or {}
    rec = decide(Slots(**answers), CK)
    assert card_outcome(answers, CK) == (
        rec.approach, rec.method, tuple(rec.hybrids), rec.start_stage,
        tuple(tuple(stage.steps) for stage in rec.roadmap))
