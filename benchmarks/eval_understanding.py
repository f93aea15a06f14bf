"""Precision and recall of the free-text understanding on the labelled dataset.

    python -m benchmarks.eval_understanding [heldout|tuning ...] [--misses]

The dataset (tests/data/understanding/*.yaml) is kept apart from the code. Scoring: a value
taken that is the labelled one is right; a different value taken, or a value taken for a slot
the text does not state, is a precision error; nothing taken (or a clarifying question) is a
miss, not a precision error.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dialogs.compiled import compile_knowledge
from dialogs.understanding import parse
from knowledge import default_knowledge
from knowledge.models import Knowledge

DATA_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "understanding"
PARTS = ("heldout", "tuning", "tuning2", "tuning3", "tuning4", "tuning5", "tuning6",
         "tuning7", "tuning8", "tuning9")
# Written blind by another author and never tuned on: scored, but not among the parts held to
# the 95% / 99% bar (tests/dialogs/test_understanding_dataset.py keeps it as a floor).
BLIND_PART = "blind"


@dataclass
class Tally:
    right: int = 0
    wrong: int = 0    # a value taken that is not the labelled one
    missed: int = 0   # nothing taken
    asked: int = 0    # of the missed: a clarifying question instead

    @property
    def expected(self) -> int:
        return self.right + self.missed + self.wrong_for_expected

    wrong_for_expected: int = 0

    def recall(self) -> float:
        return self.right / self.expected if self.expected else 1.0

    def precision(self) -> float:
        return self.right / (self.right + self.wrong) if self.right + self.wrong else 1.0


@dataclass
class Report:
    by_key: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    overall: Tally = field(default_factory=Tally)
    errors: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def _add(self, key: str, outcome: str, note: str) -> None:
        for tally in (self.by_key[key], self.overall):
            if outcome == "right":
                tally.right += 1
            elif outcome == "wrong":
                tally.wrong += 1
                tally.wrong_for_expected += 1
            elif outcome == "extra":
                tally.wrong += 1
            else:
                tally.missed += 1
                tally.asked += outcome == "asked"
        if outcome in ("wrong", "extra"):
            self.errors.append(note)
        elif outcome in ("missed", "asked"):
            self.misses.append(note)


def _text(item: object) -> str:
    # YAML 1.1 reads a bare yes / no as a boolean.
    if isinstance(item, bool):
        return "yes" if item else "no"
    return str(item)


def _matches(expected: Any, got: Any) -> bool:
    if isinstance(expected, list) and isinstance(got, int):
        return bool(expected[0] <= got <= expected[1])
    return bool(expected == got)


def _judge(report: Report, key: str, slot: str, expected: Any, values: dict[str, object],
           clarify: dict[str, tuple[str, ...]], text: str) -> None:
    got = values.get(slot)
    if got is None:
        outcome = "asked" if slot in clarify else "missed"
    else:
        outcome = "right" if _matches(expected, got) else "wrong"
    report._add(key, outcome, f"{key}: {text!r} -> {got!r}" + (
        f" (asked {clarify[slot]})" if outcome == "asked" else ""))


def evaluate(part: str, kb: Knowledge | None = None) -> Report:
    ck = compile_knowledge(kb or default_knowledge())
    data = yaml.safe_load((DATA_DIR / f"{part}.yaml").read_text(encoding="utf-8"))
    report = Report()
    for slot, by_value in (data.get("answers") or {}).items():
        for value, texts in by_value.items():
            for item in texts:
                text = _text(item)
                result = parse(text, ck, pending=slot)
                _judge(report, f"{slot}={value}", slot, _text(value), result.values,
                       result.clarify, text)
    for slot, items in (data.get("numbers") or {}).items():
        for text, expected in items:
            result = parse(str(text), ck, pending=slot)
            _judge(report, f"{slot}=<number>", slot, expected, result.values, result.clarify,
                   str(text))
    for item in data.get("descriptions") or []:
        text, expect = item["text"], {k: (_text(v) if isinstance(v, bool | str) else v)
                                      for k, v in item["expect"].items()}
        result = parse(text, ck)
        for slot, expected in expect.items():
            _judge(report, f"description:{slot}", slot, expected, result.values,
                   result.clarify, text)
        for slot, got in result.values.items():
            if slot not in expect:
                report._add(f"description:{slot}", "extra",
                            f"description:{slot}: {text!r} -> {got!r} (not stated)")
    return report


def _print(part: str, report: Report, show_misses: bool) -> None:
    print(f"== {part} ==")
    print(f"{'slot=value':40} {'n':>4} {'recall':>7} {'precision':>9} {'asked':>5}")
    for key in sorted(report.by_key):
        t = report.by_key[key]
        print(f"{key:40} {t.expected:4} {t.recall():7.1%} {t.precision():9.1%} {t.asked:5}")
    o = report.overall
    print(f"{'OVERALL':40} {o.expected:4} {o.recall():7.1%} {o.precision():9.1%} {o.asked:5}")
    for line in report.errors:
        print("  WRONG", line)
    if show_misses:
        for line in report.misses:
            print("  MISS ", line)


def main(argv: list[str]) -> None:
    show_misses = "--misses" in argv
    parts = [a for a in argv if not a.startswith("--")] or [*PARTS, BLIND_PART]
    for part in parts:
        _print(part, evaluate(part), show_misses)


if __name__ == "__main__":
    main(sys.argv[1:])
