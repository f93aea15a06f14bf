"""The decision engine: DESIGN.md's rules made exact, over the answers a person gave.

`choose()` is the small, fast core (which approach, by which votes) that the what-would-change
analysis calls many times; `decide()` builds the full recommendation around it. All numbers
and sentences come from knowledge/; the rules' structure is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dialogs.recommendation import (
    CostLine,
    DataNeeded,
    Reason,
    Recommendation,
    RoadmapStage,
)
from dialogs.slots import Approach, Hybrid, Method, Slots
from knowledge.models import Knowledge

# Simplest first: a tie goes to the earlier one (the guide: start simple).
APPROACH_ORDER: tuple[Approach, ...] = (
    "prompt_engineering",
    "fine_tuning",
    "training_from_scratch",
)
# The needs that vote (DESIGN.md rule 4), in the order reasons are shown.
VOTING_SLOTS: tuple[str, ...] = ("priority", "budget", "uniqueness", "accuracy", "timeline")


@dataclass(frozen=True)
class Choice:
    """The outcome of the rules before any text is written."""

    approach: Approach
    allowed: tuple[Approach, ...]
    votes: dict[Approach, int]
    data_vote: Approach | None


def data_vote(answers: dict[str, Any], kb: Knowledge) -> Approach | None:
    """Where the data count points (rule 2); None when the count is unknown."""
    t = kb.thresholds
    if answers.get("has_data") == "no":
        return "prompt_engineering"
    n = answers.get("examples")
    if n is None:
        return None
    if n < t.prompt_engineering_below:
        return "prompt_engineering"
    if n >= t.scratch_minimum:
        return "training_from_scratch"
    return "fine_tuning"


def allowed_approaches(answers: dict[str, Any], kb: Knowledge) -> tuple[Approach, ...]:
    """The gates (rules 1 and 3)."""
    t = kb.thresholds
    n = answers.get("examples")
    if answers.get("has_data") == "no" or (n is not None and n < t.prompt_engineering_below):
        return ("prompt_engineering",)
    scratch_ok = (
        n is not None
        and n >= t.scratch_minimum
        and answers.get("budget") == "high"
        and (
            answers.get("priority") == "novel_architecture" or answers.get("uniqueness") == "novel"
        )
    )
    if scratch_ok:
        return APPROACH_ORDER
    return ("prompt_engineering", "fine_tuning")


_MEMOS: dict[int, tuple[Knowledge, dict[Any, Any]]] = {}


def knowledge_memo(kb: Knowledge) -> dict[Any, Any]:
    """A dict for what is worked out once per knowledge object (tables, a question's reply
    choices, decisions). Keyed by identity, holding the object so its id is never reused: a
    Knowledge is not hashable, and an edited copy is another object with memos of its own."""
    entry = _MEMOS.get(id(kb))
    if entry is None or entry[0] is not kb:
        entry = _MEMOS[id(kb)] = (kb, {})
    return entry[1]


def _vote_table(kb: Knowledge) -> dict[tuple[str, object], Approach]:
    """(slot, value) -> the approach it votes for, built once per knowledge object: choose()
    runs a dozen times per recommendation (what would change it)."""
    memo = knowledge_memo(kb)
    table: dict[tuple[str, object], Approach] | None = memo.get("vote_table")
    if table is None:
        table = memo["vote_table"] = {
            (slot, c.value): c.points_to
            for slot in VOTING_SLOTS for c in kb.questions[slot].choices
            if c.points_to is not None
        }
    return table


_APPROACHES_MAX = 4096


def approach_of(answers: dict[str, Any], kb: Knowledge) -> Approach:
    """choose(answers, kb).approach, remembered: every question asked works out which optional
    questions are still worth asking from it, and answer sets repeat across conversations (every
    conversation's first question has none)."""
    approaches: dict[frozenset[tuple[str, Any]], Approach] = knowledge_memo(kb).setdefault(
        "approaches", {})
    key = frozenset(answers.items())
    approach = approaches.get(key)
    if approach is None:
        approach = choose(answers, kb).approach
        if len(approaches) >= _APPROACHES_MAX:
            approaches.clear()  # bounded: free-typed example counts make answer sets unbounded
        approaches[key] = approach
    return approach


def choose(answers: dict[str, Any], kb: Knowledge) -> Choice:
    """Rules 1-4 over plain answers (slot -> value)."""
    allowed = allowed_approaches(answers, kb)
    votes: dict[Approach, int] = dict.fromkeys(APPROACH_ORDER, 0)
    dv = data_vote(answers, kb)
    if dv is not None:
        votes[dv] += 1
    table = _vote_table(kb)
    for slot in VOTING_SLOTS:
        points_to = table.get((slot, answers.get(slot)))
        if points_to is not None:
            votes[points_to] += 1
    # max() keeps the first of equals, and `allowed` is in simplest-first order.
    winner = max(allowed, key=lambda a: votes[a])
    return Choice(approach=winner, allowed=allowed, votes=votes, data_vote=dv)


def choose_method(answers: dict[str, Any]) -> Method:
    """Rule 5, for a fine-tuning recommendation."""
    hardware = answers.get("hardware")
    if (
        answers.get("accuracy") == "perfect"
        and answers.get("budget") == "high"
        and hardware in ("datacenter_gpu", "gpu_cluster")
    ):
        return "standard"
    if hardware == "consumer_gpu" or answers.get("budget") == "low":
        return "qlora"
    if answers.get("accuracy") == "acceptable" and answers.get("uniqueness") == "common":
        return "prompt_tuning"
    return "lora"


def choose_hybrids(answers: dict[str, Any]) -> list[Hybrid]:
    """Rule 6."""
    hybrids: list[Hybrid] = []
    if (
        answers.get("knowledge_updates") == "often"
        or answers.get("use_case") == "document_analysis"
    ):
        hybrids.append("rag")
    if answers.get("explainability") == "yes":
        hybrids.append("cot_fine_tuning")
    if answers.get("accuracy") == "perfect" and answers.get("budget") == "high":
        hybrids.append("ensemble")
    return hybrids


def start_stage(approach: Approach, answers: dict[str, Any], kb: Knowledge) -> int:
    """Rule 7: where on the progressive approach this person starts."""
    if approach != "fine_tuning":
        # Scratch too: prove a new model beats prompted and fine-tuned baselines first.
        return 1
    n = answers.get("examples")
    if n is not None and n >= kb.thresholds.fine_tuning_best:
        return 3
    return 2


def decide(slots: Slots, kb: Knowledge) -> Recommendation:
    """The recommendation for these answers (unknown answers simply do not count)."""
    answers = slots.answered()
    chosen = choose(answers, kb)
    approach = chosen.approach
    method: Method | None = choose_method(answers) if approach == "fine_tuning" else None
    hybrids = choose_hybrids(answers)
    stage = start_stage(approach, answers, kb)

    approach_name = kb.approaches[approach].name
    title = approach_name
    if method is not None:
        title = kb.say("title_with_method", approach=approach_name, method=kb.methods[method].name)
    if hybrids:
        title = kb.say("title_hybrids_joiner").join([title, *(kb.hybrids[h].name for h in hybrids)])

    reasons = _reasons(answers, chosen, kb)
    stage_info = kb.stages[stage - 1]
    lead = reasons[0].text if reasons else kb.approaches[approach].summary + "."
    return Recommendation(
        approach=approach,
        method=method,
        hybrids=hybrids,
        start_stage=stage,
        roadmap=_roadmap(stage, kb),
        reasons=reasons,
        costs=_costs(approach, kb),
        data_needed=_data_needed(approach, answers, kb),
        title=title,
        summary=kb.say(
            "summary", title=title, lead=lead, stage=stage, stage_title=stage_info.title
        ),
        method_reason=_method_reason(method, answers, kb),
        hybrid_reasons=[_hybrid_reason(h, answers, kb) for h in hybrids],
        notes=_notes(approach, method, answers, stage, kb),
        why_not=_why_not(chosen, answers, kb),
        what_would_change=_what_would_change(answers, chosen, kb),
        votes={a: v for a, v in chosen.votes.items() if v},
        unknown=[
            s
            for s in ("has_data", "examples", *VOTING_SLOTS)
            if s not in answers and not (s == "examples" and answers.get("has_data") == "no")
        ],
    )


def _count(n: int) -> str:
    return f"{n:,}"


def _reasons(answers: dict[str, Any], chosen: Choice, kb: Knowledge) -> list[Reason]:
    reasons: list[Reason] = []
    t = kb.thresholds
    n = answers.get("examples")
    if answers.get("has_data") == "no":
        reasons.append(
            Reason(
                slot="has_data",
                value="no",
                points_to="prompt_engineering",
                text=kb.say("has_data_no"),
            )
        )
    elif n is not None:
        if n == 0:
            text = kb.say("count_none")
        elif n < t.fine_tuning_minimum:
            text = kb.say("count_below_minimum", count=_count(n), minimum=t.fine_tuning_minimum)
        elif n < t.prompt_engineering_below:
            text = kb.say("count_at_minimum", count=_count(n), below=t.prompt_engineering_below)
        elif n >= t.scratch_minimum:
            text = kb.say("count_millions", count=_count(n))
        elif n > t.fine_tuning_range_max:
            text = kb.say("count_large", count=_count(n))
        else:
            text = kb.say("count_in_range", count=_count(n))
        reasons.append(Reason(slot="examples", value=str(n), points_to=chosen.data_vote, text=text))
    for slot in VOTING_SLOTS:
        value = answers.get(slot)
        if value is None:
            continue
        choice = kb.choice(slot, value)
        if choice is None:
            continue
        reasons.append(
            Reason(slot=slot, value=value, points_to=choice.points_to, text=choice.reason)
        )
    # The answers that pointed at the winner first: they are the "why".
    reasons.sort(key=lambda r: r.points_to != chosen.approach)
    return reasons


def _roadmap(start: int, kb: Knowledge) -> list[RoadmapStage]:
    return [
        RoadmapStage(
            stage=s.stage,
            title=s.title,
            subtitle=s.subtitle,
            steps=list(s.steps),
            next=s.next,
            current=s.stage == start,
        )
        for s in kb.stages
    ]


def _costs(approach: Approach, kb: Knowledge) -> CostLine:
    c = kb.costs[approach]
    return CostLine(
        training=c.training,
        inference_per_1k_tokens=c.inference_per_1k_tokens,
        monthly_at_1m_tokens=c.monthly_at_1m_tokens,
        best_for=c.best_for,
    )


def _data_needed(approach: Approach, answers: dict[str, Any], kb: Knowledge) -> DataNeeded:
    d = kb.data_requirements[approach]
    n = answers.get("examples")
    if answers.get("has_data") == "no" or n == 0:
        have = kb.say("you_have_none")
    elif n is not None:
        have = kb.say("you_have_count", count=_count(n))
    else:
        have = kb.say("you_have_unknown")
    return DataNeeded(minimum=d.minimum, better=d.better, best=d.best, you_have=have)


def _method_reason(method: Method | None, answers: dict[str, Any], kb: Knowledge) -> str | None:
    if method is None:
        return None
    if method == "standard":
        hardware = kb.choice("hardware", answers["hardware"])
        return kb.say("method_standard", hardware=(hardware.label if hardware else "").lower())
    if method == "qlora":
        key = (
            "method_qlora_hardware"
            if answers.get("hardware") == "consumer_gpu"
            else "method_qlora_budget"
        )
        return kb.say(key)
    if method == "prompt_tuning":
        return kb.say("method_prompt_tuning")
    return kb.say("method_lora")


def _hybrid_reason(hybrid: Hybrid, answers: dict[str, Any], kb: Knowledge) -> str:
    if hybrid == "rag":
        return kb.say(
            "hybrid_rag_updates"
            if answers.get("knowledge_updates") == "often"
            else "hybrid_rag_documents"
        )
    if hybrid == "cot_fine_tuning":
        return kb.say("hybrid_cot")
    return kb.say("hybrid_ensemble")


def _notes(
    approach: Approach, method: Method | None, answers: dict[str, Any], stage: int, kb: Knowledge
) -> list[str]:
    notes: list[str] = []
    t = kb.thresholds
    n = answers.get("examples")
    if n is not None and t.fine_tuning_minimum <= n < t.prompt_engineering_below:
        notes.append(kb.say("note_minimum_collect", count=_count(n)))
    if (
        approach == "prompt_engineering"
        and answers.get("timeline") == "today"
        and n is not None
        and n >= t.prompt_engineering_below
    ):
        notes.append(kb.say("note_start_simple_today", count=_count(n)))
    if approach == "training_from_scratch":
        notes.append(kb.say("note_scratch_baseline"))
    if (
        approach == "fine_tuning"
        and method != "prompt_tuning"
        and answers.get("accuracy") == "acceptable"
    ):
        notes.append(kb.say("note_prompt_tuning"))
    quality = answers.get("data_quality")
    if quality is not None and approach != "prompt_engineering":
        q = kb.quality[quality]
        notes.append(kb.say("quality_note", quality=quality, advice=q.advice))
    return notes


def _why_not(chosen: Choice, answers: dict[str, Any], kb: Knowledge) -> list[str]:
    lines: list[str] = []
    t = kb.thresholds
    n = answers.get("examples")
    winner = chosen.approach
    if "fine_tuning" not in chosen.allowed:
        lines.append(kb.say("why_not_fine_tuning_data"))
    if "training_from_scratch" not in chosen.allowed and winner != "training_from_scratch":
        if n is None or n < t.scratch_minimum:
            have = _data_needed("training_from_scratch", answers, kb).you_have.lower()
            lines.append(kb.say("why_not_scratch_data", have=have))
        elif answers.get("budget") != "high":
            lines.append(kb.say("why_not_scratch_budget"))
        else:
            lines.append(kb.say("why_not_scratch_need"))
    names = {a: kb.approaches[a].name for a in APPROACH_ORDER}
    for a in chosen.allowed:
        if a == winner:
            continue
        lines.append(
            kb.say(
                "lost_vote",
                approach=names[a].lower(),
                votes=chosen.votes[a],
                winner_votes=chosen.votes[winner],
                winner=names[winner].lower(),
            )
        )
    tied = [a for a in chosen.allowed if chosen.votes[a] == chosen.votes[winner]]
    if len(tied) > 1:
        lines.append(kb.say("tie_simpler", tied=" and ".join(names[a].lower() for a in tied)))
    return lines


# Only these answers open or close the scratch gate (rule 3); others just move votes.
_GATE_SLOTS = frozenset({"budget", "priority", "uniqueness"})


def _flipped_winner(answers: dict[str, Any], chosen: Choice, slot: str, value: str,
                    kb: Knowledge) -> Approach:
    """The winner if `slot` alone were `value`: the same as choose() on the changed answers,
    but from the current votes (one vote moves), since this runs a dozen times per card."""
    table = _vote_table(kb)
    votes = dict(chosen.votes)
    old = table.get((slot, answers.get(slot)))
    if old is not None:
        votes[old] -= 1
    new = table.get((slot, value))
    if new is not None:
        votes[new] += 1
    allowed = (allowed_approaches({**answers, slot: value}, kb) if slot in _GATE_SLOTS
               else chosen.allowed)
    return max(allowed, key=lambda a: votes[a])


def _what_would_change(answers: dict[str, Any], chosen: Choice, kb: Knowledge) -> list[str]:
    """Answers that, changed alone, would change the approach (rule 8)."""
    lines: list[str] = []
    names = {a: kb.approaches[a].name for a in APPROACH_ORDER}
    for slot in VOTING_SLOTS:
        current = answers.get(slot)
        q = kb.questions[slot]
        for c in q.choices:
            if c.value == current:
                continue
            flipped = _flipped_winner(answers, chosen, slot, c.value, kb)
            if flipped != chosen.approach:
                lines.append(
                    kb.say(
                        "change_if",
                        question=q.short_label.lower(),
                        label=c.label,
                        approach=names[flipped].lower(),
                    )
                )
                break
    if "fine_tuning" not in chosen.allowed:
        lines.append(kb.say("change_more_data"))
    elif "training_from_scratch" not in chosen.allowed:
        lines.append(kb.say("change_scratch"))
    return lines
