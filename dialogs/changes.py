"""Decision rule 8 (docs/architecture.md): what would change the advice. Every single-answer
change that changes the approach or the method, each found by re-running rules 1-5."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dialogs.method_fit import fit_method, size_regions
from dialogs.recommendation import Change
from dialogs.slots import MAX_MODEL_SIZE_B, Approach, Method, settled_count
from dialogs.votes import VOTING_SLOTS, choose, example_count, volume_vote
from knowledge.models import Knowledge

if TYPE_CHECKING:
    from dialogs.compiled import CompiledKnowledge


def outcome(answers: dict[str, Any], ck: CompiledKnowledge) -> tuple[Approach, Method | None]:
    """The approach and method these answers get: what rule 8's changes are judged by."""
    approach = choose(answers, ck).approach
    method = fit_method(answers, ck).method if approach == "fine_tuning" else None
    return approach, method


def outcome_words(approach: Approach, method: Method | None, kb: Knowledge) -> str:
    """"fine-tuning with QLoRA", "hosted fine-tuning", "prompt engineering": mid-sentence."""
    name = kb.approaches[approach].name.lower()
    if method is None:
        return name
    method_name = kb.methods[method].name
    if name in method_name.lower():
        return method_name.lower()
    return kb.say("title_with_method", approach=name, method=method_name)


def _count(n: int) -> str:
    return f"{n:,}"


def with_change(answers: dict[str, Any], slot: str, value: object) -> dict[str, Any]:
    """The answers with one answer changed, as the dialog applies it: a count means there is
    data, and no data means no count."""
    changed = {**answers, slot: value}
    if slot == "examples":
        changed["has_data"] = "yes"
    elif slot == "has_data":
        settled = settled_count(changed)
        if settled is not None:
            changed["examples"] = settled
    return changed


def _alternatives(answers: dict[str, Any], approach: Approach,
                  ck: CompiledKnowledge) -> list[tuple[str, object, str, dict[str, str]]]:
    """Every single-answer change worth judging: each other choice of a voting or hardware
    question, and one value per region of the numeric answers' thresholds.
    Each: (slot, value, text key, text fields)."""
    kb = ck.kb
    t = kb.thresholds
    out: list[tuple[str, object, str, dict[str, str]]] = []
    for slot in (*VOTING_SLOTS, "hardware"):
        q = kb.questions[slot]
        for c in q.choices:
            if c.value != answers.get(slot):
                out.append((slot, c.value, "change_to",
                            {"question": q.short_label.lower(), "label": c.label}))
    if settled_count(answers) is None:
        out.append(("has_data", "no", "change_no_data", {}))
    n = example_count(answers)
    # One value per region of rule 2's count thresholds, worded as the whole region.
    counts = [
        (t.prompt_engineering_below - 1, "change_count_below",
         {"count": _count(t.prompt_engineering_below)}),
        (t.prompt_engineering_below, "change_count_range",
         {"low": _count(t.prompt_engineering_below), "high": _count(t.scratch_minimum - 1)}),
        (t.scratch_minimum, "change_count_at_least", {"count": _count(t.scratch_minimum)}),
    ]
    for value, key, fields in counts:
        if n is None or _count_region(n, kb) != _count_region(value, kb):
            out.append(("examples", value, key, fields))
    volume = answers.get("monthly_tokens")
    middle = min(t.volume_prompt_at_most * 10, t.volume_fine_tuning_from - 1)
    for value in (t.volume_prompt_at_most, middle, t.volume_fine_tuning_from):
        probe = {"monthly_tokens": value}
        if volume is None or volume_vote(probe, kb) != volume_vote(answers, kb):
            out.append(("monthly_tokens", value, "change_volume", {"volume": _count(value)}))
    if approach == "fine_tuning":
        size = answers.get("model_size")
        current = size if isinstance(size, int) else kb.hardware.default_model_size_b
        for low, high, _method in size_regions(answers, ck):
            if low <= current <= high:
                continue
            value = high if high < current else low
            if low > 1 and high < MAX_MODEL_SIZE_B:
                key = "change_size_range"
            else:
                key = "change_size_at_most" if high < current else "change_size_at_least"
            out.append(("model_size", value, key,
                        {"size": _count(value), "low": _count(low), "high": _count(high)}))
    return out


def _count_region(n: int, kb: Knowledge) -> int:
    t = kb.thresholds
    return 0 if n < t.prompt_engineering_below else 1 if n < t.scratch_minimum else 2


def what_would_change(answers: dict[str, Any], ck: CompiledKnowledge) -> list[Change]:
    """The single-answer changes that change the approach or the method (rule 8), each found
    by re-running the rules on the changed answers."""
    kb = ck.kb
    current = outcome(answers, ck)
    changes: list[Change] = []
    for slot, value, key, fields in _alternatives(answers, current[0], ck):
        approach, method = outcome(with_change(answers, slot, value), ck)
        if (approach, method) == current:
            continue
        text = kb.say(key, outcome=outcome_words(approach, method, kb), **fields)
        changes.append(Change(slot=slot, value=value if isinstance(value, int) else str(value),
                              approach=approach, method=method, text=text))
    return changes
