"""The stored form of a conversation: compact, and it reads back exactly."""

from __future__ import annotations

from datetime import UTC, datetime

from dialogs.slots import Slots
from dialogs.state import HISTORY_LIMIT, ConversationState, HistoryEntry

FULL = Slots(use_case="document_analysis", has_data="yes", examples=1_500_000,
             priority="novel_architecture", budget="high", uniqueness="novel",
             accuracy="perfect", timeline="quarter", knowledge_updates="often",
             hardware="gpu_cluster", data_quality="mixed", monthly_tokens=20_000_000,
             explainability="yes")


def full_state() -> ConversationState:
    at = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
    history = [HistoryEntry(at=at, slots=FULL, title="Training from Scratch + RAG")
               for _ in range(HISTORY_LIMIT)]
    return ConversationState(slots=FULL, phase="advised", history=history)


def test_dump_reads_back_equal():
    state = full_state()
    again = ConversationState.model_validate_json(state.dump())
    assert again == state
    assert again.history[0].at == datetime(2026, 11, 26, 12, 30, tzinfo=UTC)


def test_history_is_stored_compactly():
    # Every answer given, five history entries: well under Redis's 2 KB budget as JSON.
    assert len(full_state().dump()) < 1_400


def test_the_older_dict_form_of_history_is_still_read():
    old = ('{"history":[{"at":"2026-01-02T03:04:05Z","slots":{"budget":"low"},'
           '"title":"Prompt Engineering"}]}')
    state = ConversationState.model_validate_json(old)
    assert state.history[0].slots.budget == "low"
    assert state.history[0].at.year == 2026
