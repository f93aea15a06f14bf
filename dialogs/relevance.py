"""Rule 9 (docs/architecture.md): ask only what can change the advice.

A question is worth asking when some answer to it, together with some answers to the questions
still open, gives a different card than leaving it unanswered. "Different" means what the
engine's public `card_outcome()` returns: the card's approach, method, hybrids, start stage and
the plan's steps (a data-cleaning step counts there), the substance of `decide()` without its
words. Nothing here knows which slot matters when: the search asks the engine, so it stays
right when the rules or an organisation's thresholds change.

The search tries the open questions' answers in order of how many of them it sets (none, then
one, then two...), each numeric slot at a value on each side of every threshold the knowledge
defines, and stops at the first answer set that shows a difference. It is bounded: a question
with no difference found within the bound counts as not worth asking now, and it is looked at
again after every answer (fewer open questions make the search exhaustive). Results are
remembered in the compiled knowledge (bounded), so answer sets repeated across conversations
cost nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import combinations, product
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from dialogs.engine import card_outcome
from dialogs.method_fit import FIT_ORDER, hardware_memory_gb, largest_fitting
from dialogs.slots import ALL_SLOTS, NUMERIC_SLOTS, Slots, settled_count, slot_values
from knowledge.models import Knowledge

if TYPE_CHECKING:
    from dialogs.compiled import CompiledKnowledge

# Engine runs a search may make for one question before it gives up: bounds rule 9's cost.
SEARCH_BUDGET = 96

Answers = Mapping[str, Any]
Outcome = tuple[Any, ...]


def outcome(answers: Answers, ck: CompiledKnowledge) -> Outcome:
    """What rule 9 compares: the card's approach, method, hybrids, start stage and plan."""
    return _Outcomes(ck).get(answers)[0]


class _Outcomes:
    """The compiled knowledge's outcome cache, counting the engine runs it had to make."""

    def __init__(self, ck: CompiledKnowledge) -> None:
        self.ck = ck
        self.cache = ck.outcomes

    def get(self, answers: Answers) -> tuple[Outcome, bool]:
        """(the outcome, whether the engine had to run for it)."""
        key = _key(answers)
        found = self.cache.get(key)
        if found is not None:
            return found, False
        found = card_outcome(dict(answers), self.ck)
        self.cache.put(key, found)
        return found, True


def _key(answers: Answers) -> tuple[Any, ...]:
    """An answer set as a flat tuple of plain values: cheap to hash, and left alone by the
    garbage collector (a cache of frozensets made its full passes slow)."""
    return tuple(map(answers.get, ALL_SLOTS))


def representatives(slot: str, ck: CompiledKnowledge) -> tuple[Any, ...]:
    """The answers the search tries for a slot: every choice, or for a number, a value on each
    side of every threshold in the knowledge (and none at all)."""
    values = ck.representatives.get(slot)
    if values is None:
        kb = ck.kb
        if slot == "model_size":
            cuts = _model_size_cuts(ck)
        elif slot in NUMERIC_SLOTS:
            cuts = {v for v in kb.thresholds.model_dump().values()
                    if isinstance(v, int) and not isinstance(v, bool) and v > 0}
        else:
            cuts = None
        if cuts is None:
            values = slot_values(slot)
        else:
            # Both sides whichever way a rule reads its threshold ("fewer than", "at most").
            candidates = sorted({0} | {c + d for c in cuts for d in (-1, 0, 1)})
            values = tuple(v for v in candidates if _valid(slot, v))
        ck.representatives[slot] = values
    return values


def _model_size_cuts(ck: CompiledKnowledge) -> set[int]:
    """A model size's thresholds: where each fine-tuning method stops fitting each hardware
    class's memory (rule 5, by the memory calculator's own estimate), and the size assumed
    where none is told."""
    kb = ck.kb
    cuts = {kb.hardware.default_model_size_b}
    for hardware in kb.hardware.classes:
        memory = hardware_memory_gb(hardware, kb)
        if memory > 0:
            cuts |= {largest_fitting(method, memory, ck) for method in FIT_ORDER}
    return {c for c in cuts if c > 0}


def _valid(slot: str, value: Any) -> bool:
    try:
        Slots(**{slot: value})
    except ValidationError:
        return False
    return True


# A question whose answer can settle another ("no data" is a count of zero): worth asking
# wherever the question it settles is, even when it changes nothing itself (with the count
# unknown, rules version 2 counts no data anyway), because it is the quicker question.
SETTLES = {"has_data": "examples"}


def consistent(answers: dict[str, Any]) -> dict[str, Any] | None:
    """The answers as the dialog would hold them (no data means a count of zero), or None
    for a set no one could give (no data, yet a count above zero)."""
    settled = settled_count(answers)
    if settled is not None:
        n = answers.get("examples")
        if n is None:
            return {**answers, "examples": settled}
        if n != settled:
            return None
    return answers


def _completions(answers: Answers, open_slots: Iterable[str], ck: CompiledKnowledge,
                 outcomes: _Outcomes) -> Iterator[dict[str, Any]]:
    """Answers to the open questions, fewest set first. Among single answers, first those that
    change the card by themselves (where another answer most often starts to matter too), then
    the other choices, then answers leaning one side together, then the numbers' values: their
    many values would use up the search before the other questions get a look."""
    kb = ck.kb
    slots = list(open_slots)
    yield {}
    singles = [(slot, value) for slot in sorted(slots, key=lambda s: s in NUMERIC_SLOTS)
               for value in representatives(slot, ck)]
    here = outcomes.get(consistent(dict(answers)) or dict(answers))[0]

    def inert(single: tuple[str, Any]) -> bool:
        changed = consistent({**answers, single[0]: single[1]})
        return changed is None or outcomes.get(changed)[0] == here

    inert_singles = []
    for single in singles:
        if not inert(single):
            yield dict([single])
        elif single[0] in NUMERIC_SLOTS:
            inert_singles.append(single)
    for single in singles:
        if single[0] not in NUMERIC_SLOTS and inert(single):
            yield dict([single])
    # Answers that tip a balance only together (three votes for one side against three): the
    # open questions answered more and more for one side, each side in turn. Which answer votes
    # for what is the knowledge's own (a choice's points_to).
    for side in _sides(kb):
        leaning: dict[str, Any] = {}
        for slot in slots:
            value = _leaning(slot, side, kb)
            if value is not None:
                leaning[slot] = value
                if len(leaning) > 1:
                    yield dict(leaning)
    for single in inert_singles:
        yield dict([single])
    for size in range(2, len(slots) + 1):
        for chosen in combinations(slots, size):
            for values in product(*(representatives(s, ck) for s in chosen)):
                yield dict(zip(chosen, values, strict=True))


def _sides(kb: Knowledge) -> list[str]:
    """The approaches answers vote for, in the knowledge's order."""
    sides: list[str] = []
    for question in kb.questions.values():
        for choice in question.choices:
            if choice.points_to is not None and choice.points_to not in sides:
                sides.append(choice.points_to)
    return sides


def _leaning(slot: str, side: str, kb: Knowledge) -> Any:
    """An answer to `slot` that votes for `side`, if one does."""
    question = kb.questions.get(slot)
    if question is None:
        return None
    return next((c.value for c in question.choices if c.points_to == side), None)


def can_change(slot: str, answers: Answers, open_slots: Iterable[str], ck: CompiledKnowledge,
               budget: int | None = None) -> bool | None:
    """Whether some answer to `slot`, with some answers to `open_slots`, changes the card
    against leaving `slot` unanswered: True (an example found), False (none, every
    combination tried) or None (none within the bound; SEARCH_BUDGET unless given).
    Remembered in the compiled knowledge; a search cut short is redone only with a larger
    bound."""
    bound = SEARCH_BUDGET if budget is None else budget
    open_slots = tuple(open_slots)
    settled = SETTLES.get(slot)
    if (settled is not None and settled in open_slots and settled not in answers
            and can_change(settled, answers, open_slots, ck, budget) is True):
        return True
    others = tuple(s for s in open_slots if s != slot and s not in answers)
    key = (slot, _key(answers), others)
    verdicts = ck.verdicts
    known = verdicts.get(key)
    if known is not None and (known[0] is not None or known[1] >= bound):
        return known[0]
    found, complete = _search(slot, answers, others, ck, bound)
    verdict = True if found is not None else (False if complete else None)
    verdicts.put(key, (verdict, bound))
    return verdict


def worth_asking(answers: Answers, open_slots: tuple[str, ...], ck: CompiledKnowledge,
                 budget: int | None = None) -> tuple[str, ...]:
    """The open questions, in order, that can_change shows worth asking. Remembered whole: the
    counter asks this on every question, mostly for answer sets seen before (every new
    conversation starts from the same empty one), and one look-up beats one per slot."""
    key = (_key(answers), open_slots, budget)
    known = ck.worth.get(key)
    if known is None:
        known = tuple(s for s in open_slots
                      if can_change(s, answers, open_slots, ck, budget) is True)
        ck.worth.put(key, known)
    return known


def witness(slot: str, answers: Answers, others: Iterable[str], ck: CompiledKnowledge,
            budget: int | None = SEARCH_BUDGET) -> tuple[dict[str, Any], Any] | None:
    """(answers to the open questions, an answer to `slot`) that change the card, or None
    when none was found within `budget` engine runs (None: no bound, search them all)."""
    return _search(slot, answers, others, ck, budget)[0]


def _search(slot: str, answers: Answers, others: Iterable[str], ck: CompiledKnowledge,
            budget: int | None) -> tuple[tuple[dict[str, Any], Any] | None, bool]:
    """(a witness or None, whether every combination was tried). A number's answers are tried
    in two passes: first one of each set of values that give the same card on their own (a
    count has dozens of values, most of them alike), then the rest."""
    outcomes = _Outcomes(ck)
    runs = 0
    leaders: list[Any] = []
    followers: list[Any] = []
    seen: set[Outcome] = set()
    for value in representatives(slot, ck):
        alone = consistent({**answers, slot: value})
        if alone is None:
            continue
        result, ran = outcomes.get(alone)
        runs += ran
        # A choice's few answers all go first; a number's many, one per distinct card.
        (followers if result in seen and slot in NUMERIC_SLOTS else leaders).append(value)
        seen.add(result)
    others = tuple(others)
    for values in (leaders, followers):
        for completion in _completions(answers, others, ck, outcomes):
            base = consistent({**answers, **completion})
            if base is None:
                continue
            before, ran = outcomes.get(base)
            runs += ran
            for value in values:
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
