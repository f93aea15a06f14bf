"""The stored form of a conversation: compact, and it reads back exactly."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.slots import ALL_SLOTS, MAX_COUNT, MAX_MODEL_SIZE_B, NUMERIC_SLOTS, Slots, slot_values
from dialogs.state import HISTORY_LIMIT, SCHEMA_VERSION, ConversationState, HistoryEntry

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


def _slots() -> st.SearchStrategy[Slots]:
    values = {name: st.none() | (st.integers(1 if name == "model_size" else 0,
                                             MAX_MODEL_SIZE_B if name == "model_size"
                                             else MAX_COUNT) if name in NUMERIC_SLOTS
                                 else st.sampled_from(slot_values(name)))
              for name in ALL_SLOTS}
    return st.builds(Slots, **values)


@settings(max_examples=300, deadline=None, database=None)
@given(slots=_slots(), pending=st.none() | st.sampled_from(ALL_SLOTS),
       phase=st.sampled_from(["new", "asking", "advised"]),
       asked=st.lists(st.sampled_from(ALL_SLOTS), max_size=3),
       history=st.lists(st.builds(HistoryEntry, at=st.just(datetime(2026, 11, 1, tzinfo=UTC)),
                                  slots=_slots(), title=st.text(max_size=20)),
                        max_size=HISTORY_LIMIT),
       whatif=st.dictionaries(st.sampled_from(ALL_SLOTS), st.sampled_from(["low", "high", 5]),
                              max_size=2),
       surface=st.dictionaries(st.sampled_from(["channel", "thread"]), st.text(max_size=8),
                               max_size=2),
       version=st.integers(0, 50), schema_version=st.sampled_from([SCHEMA_VERSION, 7]))
def test_dump_writes_exactly_what_exclude_defaults_would(**fields: object) -> None:
    state = ConversationState(**fields)  # type: ignore[arg-type]
    assert state.dump() == state.model_dump_json(exclude_defaults=True, exclude={"version"})
