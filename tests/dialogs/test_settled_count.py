"""'No data' settles the example count: one rule (dialogs.slots.settled_count), and every
place that reads a count agrees with it."""

import pytest

from dialogs.changes import with_change
from dialogs.compiled import compile_knowledge
from dialogs.engine import decide
from dialogs.events import Event
from dialogs.machine import step
from dialogs.relevance import consistent
from dialogs.replies import Question
from dialogs.slots import Slots, settled_count
from dialogs.state import ConversationState
from dialogs.understanding import extract_slots
from dialogs.votes import example_count
from knowledge import default_knowledge

CK = compile_knowledge(default_knowledge())


@pytest.mark.parametrize(("answers", "count"), [
    ({"has_data": "no"}, 0),
    ({"has_data": "yes"}, None),
    ({"has_data": "yes", "examples": 0}, None),
    ({}, None),
])
def test_no_data_and_only_no_data_settles_the_count(answers: dict[str, object],
                                                     count: int | None) -> None:
    assert settled_count(answers) == count


def test_every_reader_of_the_count_takes_no_data_as_none() -> None:
    no_data = {"has_data": "no"}
    assert example_count(no_data) == 0
    assert consistent(no_data) == {"has_data": "no", "examples": 0}
    assert consistent({"has_data": "no", "examples": 50}) is None
    assert with_change({"has_data": "yes", "examples": 500}, "has_data", "no")["examples"] == 0
    assert extract_slots("we have no data at all", CK) == no_data | {"examples": 0}
    card = decide(Slots(has_data="no"), CK)
    assert "examples" not in card.unknown and "has_data" not in card.unknown
    assert card.reasons[0].slot == "has_data"
    assert not any(c.slot == "has_data" for c in card.what_would_change)


def test_after_no_data_the_count_is_never_asked() -> None:
    state = step(ConversationState(), Event.cmd("t:settled", "start"), CK).state
    asked = []
    event = Event.choice("t:settled", "use_case", "customer_service")
    for _ in range(20):
        result = step(state, event, CK)
        state = result.state
        questions = [r for r in result.replies if isinstance(r, Question)]
        if not questions:
            break
        slot = questions[-1].question_id
        asked.append(slot)
        value = "no" if slot == "has_data" else questions[-1].choices[0].value \
            if questions[-1].choices else "1000"
        event = Event.choice("t:settled", slot, value) if questions[-1].choices \
            else Event.typed("t:settled", value)
    assert "has_data" in asked and "examples" not in asked
    assert state.slots.examples == 0
