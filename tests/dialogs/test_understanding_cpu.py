"""No message costs more than 20 ms of CPU, whatever its content: the reading of a message is
linear in its length and capped, however its characters expand in normalisation. Measured
in-process as thread CPU time, the best of five runs, on a whole turn (commands, answers,
follow-ups); what each crafted message cost is in benchmarks/RESULTS-understanding.md."""

from __future__ import annotations

import pytest

from dialogs.compiled import compile_knowledge
from dialogs.events import Event
from dialogs.machine import step
from dialogs.state import ConversationState
from dialogs.understanding.text import MAX_PARSE_CHARS, clean
from knowledge import default_knowledge
from testsupport.hostile_messages import AT, HOSTILE, turn_cpu_seconds

pytestmark = pytest.mark.slow  # CPU bounds measured over hostile inputs

KB = default_knowledge()
CK = compile_knowledge(KB)
CPU_LIMIT_S = 0.020


@pytest.mark.parametrize("pending", ["examples", "budget", "hardware", None])
@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_message_costs_under_20_ms_of_cpu(name: str, pending: str | None) -> None:
    step(ConversationState(), Event.typed("test:T:U", "warm up 5k", at=AT), CK)
    assert turn_cpu_seconds(CK, pending, HOSTILE[name]) < CPU_LIMIT_S


def test_normalising_never_grows_text_past_the_bound() -> None:
    assert len(clean("\ufdfa" * 2000)) <= MAX_PARSE_CHARS
