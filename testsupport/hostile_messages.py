"""Messages crafted to make reading them expensive, and the CPU a whole turn on one costs: the
test that bounds it (tests/dialogs/test_understanding_cpu.py) and the benchmark that reports
the worst (benchmarks/bench_understanding.py) measure the same way."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from dialogs.compiled import CompiledKnowledge
from dialogs.events import Event
from dialogs.machine import step
from dialogs.state import ConversationState

AT = datetime(2026, 12, 6, tzinfo=UTC)

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


def turn_cpu_seconds(ck: CompiledKnowledge, pending: str | None, text: str) -> float:
    """Thread CPU time of one whole turn on `text` with `pending` asked, best of five."""
    best = float("inf")
    for run in range(5):
        state = (ConversationState(phase="asking", pending=pending) if pending
                 else ConversationState())
        event = Event.typed("test:T:U", f"{text}{run}", at=AT)  # no cache helps a rerun
        start = time.thread_time()
        step(state, event, ck)
        best = min(best, time.thread_time() - start)
    return best
