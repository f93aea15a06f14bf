"""No message costs more than 20 ms of CPU, whatever its content: the reading of a message is
linear in its length and capped (issue: "1," x 1000 cost ~200 ms a turn; 2,000 x U+FDFA grew
18-fold in normalisation after the length cut). Measured in-process as thread CPU time, the
best of five runs, on a whole turn (commands, answers, follow-ups)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from dialogs.compiled import compile_knowledge
from dialogs.events import Event
from dialogs.machine import step
from dialogs.state import ConversationState
from dialogs.understanding.text import MAX_PARSE_CHARS, clean
from knowledge import default_knowledge

pytestmark = pytest.mark.slow  # CPU bounds measured over hostile inputs

KB = default_knowledge()
CK = compile_knowledge(KB)
AT = datetime(2026, 12, 6, tzinfo=UTC)
CPU_LIMIT_S = 0.020

HOSTILE = {
    "commas": "1," * 1000,
    "fdfa": "\ufdfa" * 2000,
    "ffi-ligature": "\ufb03" * 2000,
    "spaced-ones": "1 " * 1000,
    "a-words": "a " * 1000,
    "negations": "not " * 500,
    "no": "no " * 700,
    "money": "$1k " * 500,
    "powers": "10^" * 700,
    "ranges": "between 1 and 2 " * 130,
    "vague": "a few hundred " * 150,
    "dots": "1." * 1000,
    "dashes": "1-" * 1000,
    "digits": "9" * 2000,
    "typos": " ".join("qwertyzxcvbnm"[i % 7:i % 7 + 6] for i in range(330)),
    "vocabulary": "tight budget 5k examples not high low support tickets 8xh100 node " * 30,
    "over-the-bound": "1," * 20_000,
}


def _cpu(pending: str | None, text: str) -> float:
    best = float("inf")
    for run in range(5):
        state = (ConversationState(phase="asking", pending=pending) if pending
                 else ConversationState())
        event = Event.typed("test:T:U", f"{text}{run}", at=AT)  # no cache helps a rerun
        start = time.thread_time()
        step(state, event, CK)
        best = min(best, time.thread_time() - start)
    return best


@pytest.mark.parametrize("pending", ["examples", "budget", "hardware", None])
@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_message_costs_under_20_ms_of_cpu(name: str, pending: str | None) -> None:
    step(ConversationState(), Event.typed("test:T:U", "warm up 5k", at=AT), CK)
    assert _cpu(pending, HOSTILE[name]) < CPU_LIMIT_S


def test_normalising_never_grows_text_past_the_bound() -> None:
    assert len(clean("\ufdfa" * 2000)) <= MAX_PARSE_CHARS
