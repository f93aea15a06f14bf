"""Rule 9 (docs/architecture.md): ask only what can change the advice.

A question is worth asking when some answer to it, together with some answers to the questions
still open, gives a different card than leaving it unanswered. "Different" means what the
engine's public `decide()` returns for the card's substance: approach, method, hybrids, start
stage and the plan's steps (a data-cleaning step counts there). Nothing here knows which slot
matters when: the search asks the engine, so it stays right when the rules or an
organisation's thresholds change.

The search tries the open questions' answers in order of how many of them it sets (none, then
one, then two...), each numeric slot at a value on each side of every threshold the knowledge
defines, and stops at the first answer set that shows a difference. It is bounded: a question
with no difference found within the bound counts as not worth asking now, and it is looked at
again after every answer (fewer open questions make the search exhaustive). Results are
remembered per knowledge object, so answer sets repeated across conversations cost nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import combinations, product
from typing import Any

from dialogs.engine import decide, knowledge_memo
from dialogs.slots import ALL_SLOTS, NUMERIC_SLOTS, Slots, slot_values
from knowledge.models import Knowledge

# Engine runs a search may make for one question before it gives up (each ~60 us).
SEARCH_BUDGET = 24
_OUTCOMES_MAX = 65_536
_VERDICTS_MAX = 16_384

Answers = Mapping[str, Any]
Outcome = tuple[Any, ...]


def outcome(answers: Answers, kb: Knowledge) -> Outcome:
    """What rule 9 compares: the card's approach, method, hybrids, start stage and plan."""
    return _Outcomes(kb).get(answers)[0]


class _Outcomes:
    """The per-knowledge outcome cache, counting the engine runs it had to make."""

    def __init__(self, kb: Knowledge) -> None:
        self.kb = kb
        self.cache: dict[tuple[Any, ...], Outcome] = knowledge_memo(kb).setdefault(
            "rule9_outcomes", {})

    def get(self, answers: Answers) -> tuple[Outcome, bool]:
        """(the outcome, whether the engine had to run for it)."""
        key = _key(answers)
        found = self.cache.get(key)
        if found is not None:
            return found, False
        rec = decide(Slots(**answers), self.kb)
        found = (rec.approach, rec.method, tuple(rec.hybrids), rec.start_stage,
                 tuple(tuple(stage.steps) for stage in rec.roadmap))
        if len(self.cache) >= _OUTCOMES_MAX:
            self.cache.clear()  # bounded: typed numbers make answer sets unbounded
        self.cache[key] = found
        return found, True


def _key(answers: Answers) -> tuple[Any, ...]:
    """An answer set as a flat tuple of plain values: cheap to hash, and left alone by the
    garbage collector (a cache of frozensets made its full passes slow)."""
    return tuple(answers.get(s) for s in ALL_SLOTS)


def representatives(slot: str, kb: Knowledge) -> tuple[Any, ...]:
    """The answers the search tries for a slot: every choice, or for a number, a value on each
    side of every threshold in the knowledge (and none at all)."""
    memo = knowledge_memo(kb)
    key = ("rule9_values", slot)
    values: tuple[Any, ...] | None = memo.get(key)
    if values is None:
        if slot in NUMERIC_SLOTS:
            cuts = {v for v in kb.thresholds.model_dump().values()
                    if isinstance(v, int) and not isinstance(v, bool) and v > 0}
            values = tuple(sorted({0} | {c - 1 for c in cuts} | cuts))
        else:
            values = slot_values(slot)
        memo[key] = values
    return values


def consistent(answers: dict[str, Any]) -> dict[str, Any] | None:
    """The answers as the dialog would hold them (no data means a count of zero), or None
    for a set no one could give (no data, yet a count above zero)."""
    if answers.get("has_data") == "no":
        n = answers.get("examples")
        if n is None:
            return {**answers, "examples": 0}
        if n != 0:
            return None
    return answers


def _completions(answers: Answers, open_slots: Iterable[str], kb: Knowledge,
                 outcomes: _Outcomes) -> Iterator[dict[str, Any]]:
    """Answers to the open questions, fewest set first. Among single answers, first those that
    change the card by themselves (where another answer most often starts to matter too), then
    the rest, numbers last: their many values would use up the search before the other
    questions get a look."""
    slots = list(open_slots)
    yield {}
    singles = [(slot, value) for slot in sorted(slots, key=lambda s: s in NUMERIC_SLOTS)
               for value in representatives(slot, kb)]
    here = outcomes.get(consistent(dict(answers)) or dict(answers))[0]

    def inert(single: tuple[str, Any]) -> bool:
        changed = consistent({**answers, single[0]: single[1]})
        return changed is None or outcomes.get(changed)[0] == here

    for slot, value in sorted(singles, key=inert):
        yield {slot: value}
    for size in range(2, len(slots) + 1):
        for chosen in combinations(slots, size):
            for values in product(*(representatives(s, kb) for s in chosen)):
                yield dict(zip(chosen, values, strict=True))


def can_change(slot: str, answers: Answers, open_slots: Iterable[str], kb: Knowledge,
               budget: int | None = None) -> bool | None:
    """Whether some answer to `slot`, with some answers to `open_slots`, changes the card
    against leaving `slot` unanswered: True (an example found), False (none, every
    combination tried) or None (none within the bound; SEARCH_BUDGET unless given).
    Remembered per knowledge object; a search cut short is redone only with a larger bound."""
    bound = SEARCH_BUDGET if budget is None else budget
    others = tuple(s for s in open_slots if s != slot and s not in answers)
    key = (slot, _key(answers), others)
    verdicts: dict[Any, tuple[bool | None, int]] = knowledge_memo(kb).setdefault(
        "rule9_verdicts", {})
    known = verdicts.get(key)
    if known is not None and (known[0] is not None or known[1] >= bound):
        return known[0]
    found, complete = _search(slot, answers, others, kb, bound)
    verdict = True if found is not None else (False if complete else None)
    if len(verdicts) >= _VERDICTS_MAX:
        verdicts.clear()
    verdicts[key] = (verdict, bound)
    return verdict


def witness(slot: str, answers: Answers, others: Iterable[str], kb: Knowledge,
            budget: int | None = SEARCH_BUDGET) -> tuple[dict[str, Any], Any] | None:
    """(answers to the open questions, an answer to `slot`) that change the card, or None
    when none was found within `budget` engine runs (None: no bound, search them all)."""
    return _search(slot, answers, others, kb, budget)[0]


def _search(slot: str, answers: Answers, others: Iterable[str], kb: Knowledge,
            budget: int | None) -> tuple[tuple[dict[str, Any], Any] | None, bool]:
    """(a witness or None, whether every combination was tried)."""
    outcomes = _Outcomes(kb)
    runs = 0
    for completion in _completions(answers, others, kb, outcomes):
        base = consistent({**answers, **completion})
        if base is None:
            continue
        before, ran = outcomes.get(base)
        runs += ran
        for value in representatives(slot, kb):
            if budget is not None and runs >= budget:
                return None, False
            changed = consistent({**base, slot: value})
            if changed is None:
                continue
            after, ran = outcomes.get(changed)
            runs += ran
            if after != before:
                return (completion, value), False
    return None, True
