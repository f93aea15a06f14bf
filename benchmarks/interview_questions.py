"""How many questions a conversation takes (issue 14), over a fixed set of personas.

    python -m benchmarks.interview_questions            # this checkout's dialogs
    python -m benchmarks.interview_questions --budget 400   # rule 9's search bound raised

Each persona has an answer for every slot; it answers whatever it is asked (a button's value,
or the number typed) until the recommendation card arrives. Printed: the mean number of
questions, how many were asked that could not have changed the card (rule 9, with a search far
beyond the dialog's own bound), the CPU per turn (mean and worst, time.process_time), and how
often the dialog's bounded search agrees with the wide one. Run it on an older checkout (with
PYTHONPATH pointing there) for the "before" figure: only the first line is printed there.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dialogs.compiled import CompiledKnowledge, compile_knowledge
from dialogs.events import Event
from dialogs.machine import step
from dialogs.slots import ALL_SLOTS, NUMERIC_SLOTS, slot_values
from dialogs.state import ConversationState
from dialogs.understanding import parse
from knowledge import default_knowledge

AT = datetime(2026, 12, 1, tzinfo=UTC)
COUNTS = (0, 30, 60, 400, 2_000, 8_000, 50_000, 3_000_000)
VOLUMES = (50_000, 2_000_000, 40_000_000)
MODEL_SIZES = (3, 8, 13, 70, 405)  # billions of parameters

# Hand-picked people first (the issue's: no data; a legal review; a large, novel project).
NAMED: tuple[dict[str, Any], ...] = (
    {"use_case": "customer_service", "has_data": "no", "priority": "speed", "budget": "low",
     "uniqueness": "common", "accuracy": "acceptable", "timeline": "today"},
    {"use_case": "document_analysis", "has_data": "yes", "examples": 3_000,
     "priority": "consistency", "budget": "medium", "uniqueness": "specialized",
     "accuracy": "perfect", "timeline": "quarter", "explainability": "yes"},
    {"use_case": "other", "has_data": "yes", "examples": 5_000_000,
     "priority": "novel_architecture", "budget": "high", "uniqueness": "novel",
     "accuracy": "high", "timeline": "quarter", "hardware": "gpu_cluster"},
)


def personas(count: int, seed: int = 14) -> Iterator[dict[str, Any]]:
    """The named personas, then random ones with an answer for every slot."""
    yield from ({**_random_persona(random.Random(i)), **p} for i, p in enumerate(NAMED))
    rng = random.Random(seed)
    for _ in range(count - len(NAMED)):
        yield _random_persona(rng)


def _random_persona(rng: random.Random) -> dict[str, Any]:
    persona: dict[str, Any] = {}
    for slot in ALL_SLOTS:
        if slot == "examples":
            persona[slot] = rng.choice(COUNTS)
        elif slot == "model_size":
            persona[slot] = rng.choice(MODEL_SIZES)
        elif slot in NUMERIC_SLOTS:
            persona[slot] = rng.choice(VOLUMES)
        else:
            persona[slot] = rng.choice(slot_values(slot))
    if persona["examples"] == 0:
        persona["has_data"] = "no"
    elif persona["has_data"] == "no":
        persona["examples"] = 0
    return persona


# Engine runs made by rule 9's search, counted when this checkout has it.
ENGINE_RUNS = [0]


def _count_engine_runs() -> None:
    try:
        from dialogs import relevance
    except ImportError:
        return
    run = relevance.card_outcome

    def counted(*args: Any) -> Any:
        ENGINE_RUNS[0] += 1
        return run(*args)

    relevance.card_outcome = counted  # type: ignore[assignment]


def interview(persona: dict[str, Any], ck: CompiledKnowledge, runs: list[int] | None = None
              ) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Any], list[float]]:
    """(each question asked with the answers known when it was asked, the answers on the card,
    CPU per turn); `runs` gets rule 9's engine runs per turn."""
    state = ConversationState()
    asked: list[tuple[str, dict[str, Any]]] = []
    cpu: list[float] = []
    event = Event.cmd("bench", "start", at=AT)
    for _ in range(40):
        ENGINE_RUNS[0] = 0
        started = time.process_time()
        result = step(state, event, ck)
        cpu.append(time.process_time() - started)
        if runs is not None:
            runs.append(ENGINE_RUNS[0])
        state = result.state
        questions = [r for r in result.replies if r.kind == "question"]
        if any(r.kind == "recommendation" for r in result.replies) or not questions:
            break
        slot = questions[-1].question_id
        asked.append((slot, state.slots.answered()))
        value = persona[slot]
        if slot in NUMERIC_SLOTS:
            event = Event.typed("bench", str(value), at=AT)
        else:
            event = Event.choice("bench", slot, value, at=AT)
    return asked, state.slots.answered(), cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--personas", type=int, default=40)
    parser.add_argument("--budget", type=int, default=None,
                        help="rule 9's search bound for this run (default: the dialog's own)")
    parser.add_argument("--wide", type=int, default=2_000,
                        help="the bound of the search that judges each question")
    parser.add_argument("--before", metavar="CHECKOUT",
                        help="also run an older checkout's dialog (in a subprocess) and judge "
                             "its questions with this one's rule 9")
    parser.add_argument("--dump", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    ck = compile_knowledge(default_knowledge())
    # The parser compiles its patterns on first use, once a process: not the interview's cost.
    parse("about 2,000 examples", ck)
    runs = list(personas(args.personas))
    if args.dump:  # the --before subprocess: the interviews as JSON, judged by the caller
        for persona in runs:
            asked, card, cpu = interview(persona, ck)
            print(json.dumps({"asked": asked, "card": card, "cpu": cpu}))
        return
    from dialogs import relevance
    if args.budget is not None:
        relevance.SEARCH_BUDGET = args.budget
    if args.before:
        lines = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--dump",
             "--personas", str(args.personas)],
            cwd=args.before, env={**os.environ, "PYTHONPATH": args.before},
            check=True, capture_output=True, text=True).stdout.splitlines()
        report("before", [json.loads(line) for line in lines], ck, args.wide)
    _count_engine_runs()
    now = []
    engine_runs: list[int] = []
    for persona in runs:
        asked, card, cpu = interview(persona, ck, engine_runs)
        now.append({"asked": asked, "card": card, "cpu": cpu})
    report("after", now, ck, args.wide)
    started = time.thread_time()
    for _ in range(200):
        relevance.card_outcome(dict(runs[0]), ck)
    each = (time.thread_time() - started) / 200
    print(f"rule 9 engine runs per turn: mean {statistics.mean(engine_runs):.1f}, worst "
          f"{max(engine_runs)} (one run {each * 1e6:.0f} us here, so the worst is "
          f"~{max(engine_runs) * each * 1e3:.1f} ms)")


def report(name: str, runs: list[dict[str, Any]], ck: CompiledKnowledge, wide: int) -> None:
    from dialogs import relevance
    counts = [len(r["asked"]) for r in runs]
    useless = missed = 0
    for r in runs:
        for slot, answers in r["asked"]:
            still_open = [s for s in ALL_SLOTS if s not in answers]
            useless += relevance.can_change(slot, answers, still_open, ck, wide) is not True
        card = r["card"]
        unanswered = [s for s in ALL_SLOTS if s not in card]
        missed += sum(relevance.can_change(s, card, unanswered, ck, wide) is True
                      for s in unanswered)
    turns = [t for r in runs for t in r["cpu"]]
    print(f"{name}: {len(runs)} personas, questions mean {statistics.mean(counts):.2f} "
          f"(min {min(counts)}, max {max(counts)}, total {sum(counts)}); "
          f"asked though no answer could change the card: {useless}; "
          f"left unasked though an answer could: {missed} (search bound {wide}); "
          f"CPU per turn mean {statistics.mean(turns) * 1e3:.2f} ms, "
          f"worst {max(turns) * 1e3:.2f} ms over {len(turns)} turns")


if __name__ == "__main__":
    main()
