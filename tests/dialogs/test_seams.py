"""Where features built apart meet in the dialog: restart twice, a clarifying question after
the card, "back" over a clarification, a what-if overtaken by an answer, and the generic
"we have" (each found by a review of the merged machine, each failing before its fix)."""

from __future__ import annotations

from dialogs.compiled import compile_knowledge
from dialogs.events import Event
from dialogs.machine import step
from dialogs.replies import Question, RecommendationReply, Reply
from dialogs.state import ConversationState
from dialogs.understanding import parse
from knowledge import default_knowledge

KB = default_knowledge()
CK = compile_knowledge(KB)


def say(state: ConversationState, *texts: str) -> tuple[ConversationState, list[Reply]]:
    replies: list[Reply] = []
    for text in texts:
        result = step(state, Event.typed("c", text), CK)
        state, replies = result.state, list(result.replies)
    return state, replies


def test_a_second_restart_keeps_the_first_undoable() -> None:
    state, _ = say(ConversationState(), "hi", "document extraction", "yes")
    answered = state.slots.answered()
    state, _ = say(state, "restart", "restart", "back")
    assert state.slots.answered() == answered


def test_back_from_a_clarifying_question_after_the_card_returns_to_the_card() -> None:
    state, _ = say(ConversationState(), "support bot", "no", "just tell me")
    assert state.phase == "advised"
    card = state.slots.answered()
    state, replies = say(state, "our budget is medium or high, not sure")
    assert [r for r in replies if isinstance(r, Question)][0].question_id == "budget"
    state, replies = say(state, "back")
    assert state.phase == "advised" and state.slots.answered() == card and state.rushed
    assert any(isinstance(r, RecommendationReply) for r in replies)
    assert state.offered == []


def test_an_answer_given_outright_overrides_a_what_if_on_the_same_question() -> None:
    state, _ = say(ConversationState(), "what if we had 50000 examples?",
                   "actually we have 20000 examples", "keep that")
    assert state.slots.examples == 20_000


def test_we_have_answers_only_the_training_data_question() -> None:
    assert parse("we have A100s", CK, pending="explainability").values == {
        "hardware": "datacenter_gpu"}
    assert parse("we have", CK, pending="has_data").values == {"has_data": "yes"}
    assert "explainability" not in parse("we have 2 weeks", CK, pending="explainability").values
