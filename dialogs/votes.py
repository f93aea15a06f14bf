"""Decision rules 1-3 (docs/architecture.md): the candidates, one vote per answer, and the
winner. Small and fast: the what-would-change analysis re-runs it once per alternative answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dialogs.slots import Approach, settled_count
from knowledge.models import Knowledge

if TYPE_CHECKING:
    from dialogs.compiled import CompiledKnowledge

APPROACH_ORDER: tuple[Approach, ...] = (
    "prompt_engineering",
    "fine_tuning",
    "training_from_scratch",
)
# The answers that vote through their choice's `points_to` (rule 2), in the order reasons are
# shown. The data count and the monthly volume vote through thresholds instead.
VOTING_SLOTS: tuple[str, ...] = ("priority", "budget", "uniqueness", "accuracy", "timeline")


@dataclass(frozen=True)
class Choice:
    """The outcome of rules 1-3 before any text is written."""

    approach: Approach
    allowed: tuple[Approach, ...]
    votes: dict[Approach, int]
    data_vote: Approach | None
    volume_vote: Approach | None = None


def example_count(answers: dict[str, Any]) -> int | None:
    """The count the rules use: none where the person said they have no data."""
    settled = settled_count(answers)
    if settled is not None:
        return settled
    n = answers.get("examples")
    return n if isinstance(n, int) else None


def data_vote(answers: dict[str, Any], kb: Knowledge) -> Approach | None:
    """Where the data count points (rule 2); None when the count is unknown."""
    t = kb.thresholds
    n = example_count(answers)
    if n is None:
        return None
    if n < t.prompt_engineering_below:
        return "prompt_engineering"
    if n >= t.scratch_minimum:
        return "training_from_scratch"
    return "fine_tuning"


def volume_vote(answers: dict[str, Any], kb: Knowledge) -> Approach | None:
    """Where the monthly volume points (rule 2); None when unknown or in between."""
    volume = answers.get("monthly_tokens")
    if not isinstance(volume, int):
        return None
    t = kb.thresholds
    if volume <= t.volume_prompt_at_most:
        return "prompt_engineering"
    if volume >= t.volume_fine_tuning_from:
        return "fine_tuning"
    return None


def allowed_approaches(answers: dict[str, Any], kb: Knowledge) -> tuple[Approach, ...]:
    """The candidates (rule 1): fine-tuning needs a known 100+, scratch every condition."""
    t = kb.thresholds
    n = example_count(answers)
    if n is None or n < t.prompt_engineering_below:
        return ("prompt_engineering",)
    scratch_ok = (
        n >= t.scratch_minimum
        and answers.get("budget") == "high"
        and answers.get("timeline") == "quarter"
        and (
            answers.get("priority") == "novel_architecture" or answers.get("uniqueness") == "novel"
        )
    )
    if scratch_ok:
        return APPROACH_ORDER
    return ("prompt_engineering", "fine_tuning")


def choose(answers: dict[str, Any], ck: CompiledKnowledge) -> Choice:
    """Rules 1-3 over plain answers (slot -> value)."""
    kb = ck.kb
    allowed = allowed_approaches(answers, kb)
    votes: dict[Approach, int] = dict.fromkeys(APPROACH_ORDER, 0)
    dv = data_vote(answers, kb)
    if dv is not None:
        votes[dv] += 1
    vv = volume_vote(answers, kb)
    if vv is not None:
        votes[vv] += 1
    table = ck.votes
    for slot in VOTING_SLOTS:
        points_to = table.get((slot, answers.get(slot)))
        if points_to is not None:
            votes[points_to] += 1
    return Choice(approach=_winner(allowed, votes), allowed=allowed, votes=votes,
                  data_vote=dv, volume_vote=vv)


def _winner(allowed: tuple[Approach, ...], votes: dict[Approach, int]) -> Approach:
    """Rule 3: scratch by strict majority only; else its votes count for fine-tuning, which
    must beat prompt engineering outright (a tie goes to the simpler approach)."""
    pe, ft, scratch = (votes[a] for a in APPROACH_ORDER)
    if "training_from_scratch" in allowed and scratch > pe + ft:
        return "training_from_scratch"
    if "fine_tuning" in allowed and ft + scratch > pe:
        return "fine_tuning"
    return "prompt_engineering"
