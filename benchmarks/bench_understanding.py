"""CPU cost of reading a free-text answer.

    python -m benchmarks.bench_understanding [--rounds N]

Typical messages are every phrasing of the labelled dataset (tests/data/understanding), each
read as a reply to its question (descriptions as first messages). For each message: the thread
CPU time of `parse` (the understanding alone) and of a whole `step` (commands, answers,
follow-ups), and, as the floor measured in the same run on the same text, one plain regex pass
(lower-case and split into words), so the figures compare across machines as a ratio. Then the
most expensive of the hostile inputs (testsupport/hostile_messages.py).
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial

import yaml

from benchmarks.eval_understanding import DATA_DIR, PARTS
from dialogs.compiled import compile_knowledge
from dialogs.events import Event
from dialogs.machine import step
from dialogs.state import ConversationState
from dialogs.understanding import parse
from knowledge import default_knowledge
from testsupport.hostile_messages import HOSTILE, turn_cpu_seconds
from testsupport.stats import percentile

AT = datetime(2026, 12, 6, tzinfo=UTC)
_WORDS = re.compile(r"\w+")


def messages() -> list[tuple[str | None, str]]:
    """(pending question, text) for every phrasing in the dataset."""
    out: list[tuple[str | None, str]] = []
    for part in PARTS:
        data = yaml.safe_load((DATA_DIR / f"{part}.yaml").read_text(encoding="utf-8"))
        for slot, by_value in data["answers"].items():
            for texts in by_value.values():
                out += [(slot, "yes" if t is True else "no" if t is False else str(t))
                        for t in texts]
        for slot, items in data["numbers"].items():
            out += [(slot, str(text)) for text, _ in items]
        out += [(None, item["text"]) for item in data["descriptions"]]
    return out


def _cpu_us(fn: Callable[[], object]) -> float:
    start = time.thread_time_ns()
    fn()
    return (time.thread_time_ns() - start) / 1000


def main(argv: list[str]) -> None:
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 3
    kb = default_knowledge()
    ck = compile_knowledge(kb)
    msgs = messages()
    parse("warm up: 5k tickets, tight budget", ck)
    floor: list[float] = []
    parsed: list[float] = []
    stepped: list[float] = []
    for r in range(rounds):
        for pending, text in msgs:
            # A new string each round, so nothing remembered from an earlier round answers for it.
            text = f"{text} " + " " * r
            floor.append(_cpu_us(partial(_WORDS.findall, text.lower())))
            parsed.append(_cpu_us(partial(parse, text, ck, pending=pending)))
            # A slot without a question of its own (yet) is never pending in a conversation.
            state = (ConversationState(phase="asking", pending=pending)
                     if pending in kb.questions else ConversationState())
            event = Event.typed("bench:T:U", text + ".", at=AT)
            stepped.append(_cpu_us(partial(step, state, event, ck)))

    def line(name: str, values: list[float]) -> str:
        p50 = percentile(values, 0.5)
        p99 = percentile(values, 0.99)
        return (f"{name:28} p50 {p50:8.1f} us  p99 {p99:8.1f} us  max {max(values):8.1f} us"
                f"  p50/floor {p50 / percentile(floor, 0.5):6.1f}x")

    print(f"{len(msgs)} messages x {rounds} rounds (thread CPU time per message)")
    print(line("floor: one regex pass", floor))
    print(line("parse (understanding)", parsed))
    print(line("step (whole turn)", stepped))

    worst = max(((name, pending, turn_cpu_seconds(ck, pending, text))
                 for name, text in HOSTILE.items()
                 for pending in ("examples", "budget", "hardware", None)),
                key=lambda x: x[2])
    print(f"hostile inputs, worst whole turn: {worst[2] * 1000:.2f} ms "
          f"({worst[0]!r}, pending {worst[1]})")


if __name__ == "__main__":
    main(sys.argv[1:])
