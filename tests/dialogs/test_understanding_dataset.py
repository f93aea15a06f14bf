"""The understanding measured on the held-out part of its labelled dataset
(tests/data/understanding/heldout.yaml, never tuned on): at least 95% recall and 99% precision
overall, where a clarifying question is a miss but not a precision error and a wrong value
taken is one. The tuning parts are held to the same bar, so a vocabulary edit that breaks
one of them shows up here too."""

from __future__ import annotations

import pytest
import yaml

from benchmarks.eval_understanding import BLIND_PART, DATA_DIR, PARTS, evaluate
from dialogs.slots import NUMERIC_SLOTS, slot_values
from knowledge import default_knowledge

KB = default_knowledge()
MIN_RECALL = 0.95
MIN_PRECISION = 0.99


@pytest.mark.parametrize("part", PARTS)
def test_recall_and_precision(part: str) -> None:
    report = evaluate(part, KB)
    overall = report.overall
    assert overall.precision() >= MIN_PRECISION, report.errors
    assert overall.recall() >= MIN_RECALL, report.misses


def test_the_blind_part_never_tuned_on_holds_what_it_measured() -> None:
    """The blind part (another author's, never tuned on) is below the bar the parts written
    here meet: it is the honest estimate, kept as a floor so that no change makes it worse."""
    report = evaluate(BLIND_PART, KB)
    assert report.overall.precision() >= 0.985, report.errors
    assert report.overall.recall() >= 0.90, report.misses


def test_the_dataset_covers_every_choice_with_40_phrasings_and_60_descriptions() -> None:
    parts = [yaml.safe_load((DATA_DIR / f"{p}.yaml").read_text(encoding="utf-8"))
             for p in PARTS]
    for slot, question in KB.questions.items():
        if slot in NUMERIC_SLOTS or not question.choices:
            continue
        for value in slot_values(slot):
            # YAML 1.1 keys: a bare yes / no is a boolean.
            keys = {value, {"yes": True, "no": False}.get(value, value)}
            count = sum(len((part["answers"].get(slot) or {}).get(k) or []) for part in parts
                        for k in keys)
            assert count >= 40, (slot, value, count)
    assert sum(len(part["descriptions"]) for part in parts) >= 60


def test_a_wrong_value_counts_against_precision_and_a_question_does_not(tmp_path,
                                                                        monkeypatch) -> None:
    (tmp_path / "probe.yaml").write_text(yaml.safe_dump({
        "answers": {"budget": {"low": ["high", "low or medium", "tight"]}},
    }))
    monkeypatch.setattr("benchmarks.eval_understanding.DATA_DIR", tmp_path)
    report = evaluate("probe", KB)
    tally = report.by_key["budget=low"]
    assert (tally.right, tally.wrong, tally.missed, tally.asked) == (1, 1, 1, 1)
