"""The decision engine: docs/architecture.md's decision rules (version 2) made exact, over the
answers a person gave.

`choose()` is the small, fast core (which approach, by which votes); `fit_method()` is rule 5
(the method from the hardware, fitted to the model size by the GPU memory estimate);
`outcome()` is both, which the what-would-change analysis re-runs once per alternative answer;
`decide()` builds the full recommendation around them. All numbers and sentences come from
knowledge/; the rules' structure is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dialogs.costing import costs_at_volume
from dialogs.recommendation import (
    Change,
    DataNeeded,
    Reason,
    Recommendation,
    RoadmapStage,
)
from dialogs.slots import MAX_MODEL_SIZE_B, Approach, Hybrid, Method, Slots
from knowledge.models import Knowledge, StageInfo

# Simplest first: a tie goes to the earlier one (the guide: start simple).
APPROACH_ORDER: tuple[Approach, ...] = (
    "prompt_engineering",
    "fine_tuning",
    "training_from_scratch",
)
# The answers that vote through their choice's `points_to` (rule 2), in the order reasons are
# shown. The data count and the monthly volume vote through thresholds instead.
VOTING_SLOTS: tuple[str, ...] = ("priority", "budget", "uniqueness", "accuracy", "timeline")
# Rule 5's step-down order: the first of these, from the preferred one, that fits.
FIT_ORDER: tuple[Method, ...] = ("standard", "lora", "qlora")
_SELF_HOSTED = ("consumer_gpu", "datacenter_gpu", "gpu_cluster")


@dataclass(frozen=True)
class Choice:
    """The outcome of rules 1-3 before any text is written."""

    approach: Approach
    allowed: tuple[Approach, ...]
    votes: dict[Approach, int]
    data_vote: Approach | None
    volume_vote: Approach | None = None


@dataclass(frozen=True)
class MethodFit:
    """Rule 5's outcome: the method, and what it was fitted against."""

    method: Method
    hardware: str  # the hardware class used (told, or assumed where unknown)
    hardware_told: bool
    size_b: int  # the model size fitted for (told, or assumed)
    size_told: bool
    memory_gb: float | None  # None: hosted (no GPU memory to fit)
    needed_gb: float | None  # the estimate for `method`
    preferred: Method  # before the step-down
    preferred_gb: float | None  # the estimate for `preferred`
    fits: bool = True


def example_count(answers: dict[str, Any]) -> int | None:
    """The count the rules use: none where the person said they have no data."""
    if answers.get("has_data") == "no":
        return 0
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
    runs a few dozen times per recommendation (what would change it)."""
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
    """Rules 1-3 over plain answers (slot -> value)."""
    allowed = allowed_approaches(answers, kb)
    votes: dict[Approach, int] = dict.fromkeys(APPROACH_ORDER, 0)
    dv = data_vote(answers, kb)
    if dv is not None:
        votes[dv] += 1
    vv = volume_vote(answers, kb)
    if vv is not None:
        votes[vv] += 1
    table = _vote_table(kb)
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


# --- rule 5: the method ---------------------------------------------------------------


def _needed_gb(size_b: int, method: Method, kb: Knowledge) -> float:
    """The calculator's own GPU memory estimate (gpu_memory.yaml), so the card and the
    calculator never disagree. Remembered: the step-down and its boundaries ask often."""
    memo: dict[tuple[int, str], float] = knowledge_memo(kb).setdefault("needed_gb", {})
    key = (size_b, method)
    needed = memo.get(key)
    if needed is None:
        # Imported here: the follow-ups package imports this module (a cycle at load time).
        from dialogs.followups.memory import estimate

        needed = memo[key] = estimate(size_b * 1e9, method, kb.gpu_memory).total_gb
        if len(memo) > _APPROACHES_MAX:
            memo.clear()
    return needed


def hardware_memory_gb(hardware: str, kb: Knowledge) -> float:
    hw = kb.hardware.classes[hardware]
    return hw.per_gpu_gb * hw.gpus


def preferred_method(answers: dict[str, Any], hardware: str) -> Method:
    """Rule 5 before the fit: api_only hosted, consumer QLoRA, datacenter or cluster standard
    only for perfect accuracy on a high budget, else LoRA. A low budget alone never means
    QLoRA: QLoRA saves memory, not money."""
    if hardware == "api_only":
        return "hosted"
    if hardware == "consumer_gpu":
        return "qlora"
    if answers.get("accuracy") == "perfect" and answers.get("budget") == "high":
        return "standard"
    return "lora"


def fit_method(answers: dict[str, Any], kb: Knowledge) -> MethodFit:
    """Rule 5: the preferred method, stepped down standard -> LoRA -> QLoRA to the first whose
    memory estimate fits the hardware, for the model size told or assumed."""
    told_hw = answers.get("hardware")
    hardware = told_hw if isinstance(told_hw, str) else kb.hardware.unknown_hardware
    told_size = answers.get("model_size")
    size = told_size if isinstance(told_size, int) else kb.hardware.default_model_size_b
    preferred = preferred_method(answers, hardware)
    common = {"hardware": hardware, "hardware_told": told_hw is not None, "size_b": size,
              "size_told": told_size is not None, "preferred": preferred}
    if preferred == "hosted":
        return MethodFit(method="hosted", memory_gb=None, needed_gb=None, preferred_gb=None,
                         **common)  # type: ignore[arg-type]
    memory = hardware_memory_gb(hardware, kb)
    preferred_gb = _needed_gb(size, preferred, kb)
    for method in FIT_ORDER[FIT_ORDER.index(preferred):]:
        needed = _needed_gb(size, method, kb)
        if needed <= memory:
            return MethodFit(method=method, memory_gb=memory, needed_gb=needed,
                             preferred_gb=preferred_gb, **common)  # type: ignore[arg-type]
    return MethodFit(method="qlora", memory_gb=memory, needed_gb=_needed_gb(size, "qlora", kb),
                     preferred_gb=preferred_gb, fits=False, **common)  # type: ignore[arg-type]


def choose_method(answers: dict[str, Any], kb: Knowledge) -> Method:
    """Rule 5, for a fine-tuning recommendation."""
    return fit_method(answers, kb).method


def outcome(answers: dict[str, Any], kb: Knowledge) -> tuple[Approach, Method | None]:
    """The approach and method these answers get: what rule 8's changes are judged by."""
    approach = choose(answers, kb).approach
    method = fit_method(answers, kb).method if approach == "fine_tuning" else None
    return approach, method


def _largest_fitting(method: Method, memory_gb: float, kb: Knowledge) -> int:
    """The largest model size (whole billions) whose estimate for `method` fits; 0: none.
    By bisection over the estimate, which only grows with the size."""
    if _needed_gb(1, method, kb) > memory_gb:
        return 0
    low, high = 1, MAX_MODEL_SIZE_B
    if _needed_gb(high, method, kb) <= memory_gb:
        return high
    while high - low > 1:
        mid = (low + high) // 2
        if _needed_gb(mid, method, kb) <= memory_gb:
            low = mid
        else:
            high = mid
    return low


def size_regions(answers: dict[str, Any], kb: Knowledge) -> list[tuple[int, int, Method]]:
    """Model sizes (low, high, method) in order, each a run of sizes that gets one method
    under rule 5 with the other answers as they are. One region where the size cannot change
    the method (hosted, or QLoRA on a consumer GPU)."""
    fit = fit_method(answers, kb)
    if fit.memory_gb is None:
        return [(1, MAX_MODEL_SIZE_B, fit.method)]
    regions: list[tuple[int, int, Method]] = []
    low = 1
    for method in FIT_ORDER[FIT_ORDER.index(fit.preferred):]:
        top = _largest_fitting(method, fit.memory_gb, kb)
        if top >= low:
            regions.append((low, top, method))
            low = top + 1
    if low <= MAX_MODEL_SIZE_B:
        # Nothing fits: still QLoRA, the lightest, with the card saying it does not fit.
        if regions and regions[-1][2] == "qlora":
            regions[-1] = (regions[-1][0], MAX_MODEL_SIZE_B, "qlora")
        else:
            regions.append((low, MAX_MODEL_SIZE_B, "qlora"))
    return regions


def model_size_can_change_method(answers: dict[str, Any], kb: Knowledge) -> bool:
    """Whether the model-size question is worth asking (rule 5: where it can change the
    method)."""
    return len(size_regions(answers, kb)) > 1


# --- rules 6 and 7 --------------------------------------------------------------------


def choose_hybrids(answers: dict[str, Any], approach: Approach) -> list[Hybrid]:
    """Rule 6."""
    hybrids: list[Hybrid] = []
    if (
        answers.get("knowledge_updates") == "often"
        or answers.get("use_case") == "document_analysis"
    ):
        hybrids.append("rag")
    if answers.get("explainability") == "yes":
        # A card without fine-tuning never promises it.
        hybrids.append("cot_prompting" if approach == "prompt_engineering"
                       else "cot_fine_tuning")
    if answers.get("accuracy") == "perfect" and answers.get("budget") == "high":
        hybrids.append("ensemble")
    return hybrids


def start_stage(approach: Approach, answers: dict[str, Any], kb: Knowledge) -> int:
    """Rule 7: where on the progressive approach this person starts."""
    if approach != "fine_tuning" or answers.get("timeline") == "today":
        # Scratch has its own plan, numbered from 1; today ships a prompt first (rule 4).
        return 1
    n = example_count(answers)
    if n is not None and n >= kb.thresholds.fine_tuning_best:
        return 3
    return 2


# --- the recommendation ---------------------------------------------------------------


def _approach_title(approach: Approach, method: Method | None, kb: Knowledge) -> str:
    name = kb.approaches[approach].name
    if method is None:
        return name
    method_name = kb.methods[method].name
    if name.lower() in method_name.lower():
        return method_name  # "Standard Fine-Tuning", never "Fine-Tuning with Standard ..."
    return kb.say("title_with_method", approach=name, method=method_name)


def outcome_words(approach: Approach, method: Method | None, kb: Knowledge) -> str:
    """"fine-tuning with QLoRA", "hosted fine-tuning", "prompt engineering": mid-sentence."""
    name = kb.approaches[approach].name.lower()
    if method is None:
        return name
    method_name = kb.methods[method].name
    if name in method_name.lower():
        return method_name.lower()
    return kb.say("title_with_method", approach=name, method=method_name)


def decide(slots: Slots, kb: Knowledge) -> Recommendation:
    """The recommendation for these answers (unknown answers simply do not count)."""
    answers = slots.answered()
    chosen = choose(answers, kb)
    approach = chosen.approach
    fit = fit_method(answers, kb) if approach == "fine_tuning" else None
    method: Method | None = fit.method if fit is not None else None
    hybrids = choose_hybrids(answers, approach)
    stage = start_stage(approach, answers, kb)
    today_first = approach != "prompt_engineering" and answers.get("timeline") == "today"

    title = _approach_title(approach, method, kb)
    if today_first:
        title = kb.say("title_today", prompt=kb.approaches["prompt_engineering"].name,
                       later=title)
    if hybrids:
        title = kb.say("title_hybrids_joiner").join([title, *(kb.hybrids[h].name for h in hybrids)])

    reasons = _reasons(answers, chosen, kb)
    roadmap = _roadmap(approach, stage, answers, kb)
    lead = reasons[0].text if reasons else kb.approaches[approach].summary + "."
    stage_title = roadmap[stage - 1].title
    if today_first:
        summary = kb.say("summary_today", lead=lead, stage_title=stage_title,
                         later=outcome_words(approach, method, kb))
    else:
        summary = kb.say("summary", title=title, lead=lead, stage=stage, stage_title=stage_title)
    return Recommendation(
        approach=approach,
        method=method,
        hybrids=hybrids,
        start_stage=stage,
        roadmap=roadmap,
        reasons=reasons,
        costs=costs_at_volume(approach, method, fit.hardware if fit else None, answers, kb),
        data_needed=_data_needed(approach, answers, kb),
        title=title,
        summary=summary,
        method_reason=_method_reason(fit, answers, kb),
        hybrid_reasons=[_hybrid_reason(h, answers, kb) for h in hybrids],
        notes=_notes(approach, method, answers, kb),
        why_not=_why_not(chosen, answers, kb),
        what_would_change=what_would_change(answers, kb),
        assumptions=_assumptions(fit, kb),
        model_size_b=fit.size_b if fit is not None and fit.memory_gb is not None else None,
        gpu_memory_gb=fit.memory_gb if fit is not None else None,
        method_fits=fit.fits if fit is not None else True,
        votes={a: v for a, v in chosen.votes.items() if v},
        unknown=[
            s
            for s in ("has_data", "examples", *VOTING_SLOTS)
            if s not in answers and not (s == "examples" and answers.get("has_data") == "no")
        ],
    )


def _count(n: int) -> str:
    return f"{n:,}"


def _gb(gb: float) -> str:
    return f"{gb:,.0f} GB" if gb >= 10 else f"{gb:,.1f} GB"


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
            text = kb.say("count_close", count=_count(n))
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
    volume = answers.get("monthly_tokens")
    if isinstance(volume, int):
        key = {"prompt_engineering": "volume_vote_prompt",
               "fine_tuning": "volume_vote_fine_tuning"}.get(chosen.volume_vote or "",
                                                              "volume_no_vote")
        reasons.append(Reason(slot="monthly_tokens", value=str(volume),
                              points_to=chosen.volume_vote,
                              text=kb.say(key, volume=_count(volume))))
    # The answers that pointed at the winner first: they are the "why". Where scratch lost,
    # its votes counted for fine-tuning (rule 3), so they are part of fine-tuning's why.
    winning = {chosen.approach}
    if chosen.approach == "fine_tuning":
        winning.add("training_from_scratch")
    reasons.sort(key=lambda r: r.points_to not in winning)
    return reasons


def _stage_title(s: StageInfo) -> str:
    return s.card_title or s.title


def _roadmap(approach: Approach, start: int, answers: dict[str, Any],
             kb: Knowledge) -> list[RoadmapStage]:
    stages = kb.scratch_stages if approach == "training_from_scratch" else kb.stages
    quality = answers.get("data_quality")
    clean_at = None
    if approach != "prompt_engineering" and quality in ("low", "mixed"):
        clean_at = max(start, 2) if approach == "fine_tuning" else start
    roadmap = []
    for s in stages:
        steps = list(s.steps)
        if s.stage == clean_at:
            steps.insert(0, kb.say("step_data_quality"))
        if s.stage == start and start > 1:
            # Evaluation before fine-tuning: every plan past stage 1 opens with it (rule 7).
            steps.insert(0, kb.say("step_held_out"))
        title = _stage_title(s)
        subtitle = "" if s.subtitle == title else s.subtitle  # never "X · X"
        roadmap.append(RoadmapStage(stage=s.stage, title=title, subtitle=subtitle,
                                    steps=steps, next=s.next, current=s.stage == start))
    return roadmap


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


def _method_reason(fit: MethodFit | None, answers: dict[str, Any], kb: Knowledge) -> str | None:
    if fit is None:
        return None
    hw = kb.hardware.classes[fit.hardware]
    if fit.method == "hosted":
        told = kb.choice("hardware", "api_only")
        return " ".join(x for x in ((told.reason if told else ""), kb.say("method_hosted")) if x)
    memory = _gb(fit.memory_gb or 0)
    if not fit.fits:
        text = kb.say("method_none_fits", size=fit.size_b, needed=_gb(fit.needed_gb or 0),
                      memory=memory, hardware=hw.in_words)
    elif fit.method != fit.preferred:
        text = kb.say("method_standard_stepped", method=kb.methods[fit.method].name,
                      wanted=kb.methods[fit.preferred].name, size=fit.size_b,
                      needed=_gb(fit.preferred_gb or 0), memory=memory, hardware=hw.in_words,
                      fits=_gb(fit.needed_gb or 0))
    elif fit.method == "standard":
        text = kb.say("method_standard", hardware=hw.in_words)
    elif fit.method == "qlora":
        text = kb.say("method_qlora_hardware")
    else:
        text = kb.say("method_lora")
    if not fit.hardware_told:
        text += " " + kb.say("method_unknown_hardware", hardware=hw.in_words)
    return text


def _assumptions(fit: MethodFit | None, kb: Knowledge) -> list[str]:
    """What the method's fit assumed, so the card and the memory calculator agree (rule 5)."""
    if fit is None or fit.memory_gb is None:
        return []
    hw = kb.hardware.classes[fit.hardware]
    how_size = "yours" if fit.size_told else "assumed: tell me yours, e.g. '13B'"
    how_hw = "yours" if fit.hardware_told else "assumed"
    gpus = (f"{hw.gpus} × {_gb(hw.per_gpu_gb)}, sharded" if hw.gpus > 1
            else f"one {_gb(hw.per_gpu_gb)} GPU")
    return [
        kb.say("assumed_size", size=fit.size_b, how=how_size),
        kb.say("assumed_hardware", hardware=hw.in_words, how=how_hw),
        kb.say("assumed_memory", memory=_gb(fit.memory_gb), gpus=gpus,
               method=kb.methods[fit.method].name, size=fit.size_b,
               needed=_gb(fit.needed_gb or 0)),
    ]


def _hybrid_reason(hybrid: Hybrid, answers: dict[str, Any], kb: Knowledge) -> str:
    if hybrid == "rag":
        return kb.say(
            "hybrid_rag_updates"
            if answers.get("knowledge_updates") == "often"
            else "hybrid_rag_documents"
        )
    if hybrid == "cot_fine_tuning":
        return kb.say("hybrid_cot")
    if hybrid == "cot_prompting":
        return kb.say("hybrid_cot_prompting")
    return kb.say("hybrid_ensemble")


def _notes(approach: Approach, method: Method | None, answers: dict[str, Any],
           kb: Knowledge) -> list[str]:
    notes: list[str] = []
    t = kb.thresholds
    n = example_count(answers)
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
    if approach == "fine_tuning" and n is not None and n < t.fine_tuning_better:
        notes.append(kb.say("note_small_data", count=_count(n)))
    if answers.get("accuracy") == "perfect":
        notes.append(kb.say("note_perfect_review"))
    quality = answers.get("data_quality")
    if quality is not None and approach != "prompt_engineering":
        if quality in ("low", "mixed"):
            notes.append(kb.say("note_data_quality", quality=quality))
        else:
            notes.append(kb.say("quality_note", quality=quality,
                                advice=kb.quality[quality].advice))
    return notes


def _why_not(chosen: Choice, answers: dict[str, Any], kb: Knowledge) -> list[str]:
    lines: list[str] = []
    t = kb.thresholds
    n = example_count(answers)
    winner = chosen.approach
    if "fine_tuning" not in chosen.allowed:
        if n is not None and t.fine_tuning_minimum <= n < t.prompt_engineering_below:
            lines.append(kb.say("why_not_fine_tuning_close", count=_count(n)))
        else:
            lines.append(kb.say("why_not_fine_tuning_data"))
    if "training_from_scratch" not in chosen.allowed and winner != "training_from_scratch":
        if n is None:
            lines.append(kb.say("why_not_scratch_unknown"))
        elif n < t.scratch_minimum:
            have = _data_needed("training_from_scratch", answers, kb).you_have.lower()
            lines.append(kb.say("why_not_scratch_data", have=have))
        elif answers.get("budget") != "high":
            lines.append(kb.say("why_not_scratch_budget"))
        else:
            lines.append(kb.say("why_not_scratch_need"))
    names = {a: kb.approaches[a].name for a in APPROACH_ORDER}
    votes = dict(chosen.votes)
    if winner != "training_from_scratch":
        # Rule 3: scratch's votes count for fine-tuning once scratch has lost.
        votes["fine_tuning"] += votes["training_from_scratch"]
    for a in chosen.allowed:
        if a == winner:
            continue
        if a == "training_from_scratch":
            # Scratch needs a strict majority: its votes against all the others together.
            mine, against = chosen.votes[a], sum(chosen.votes.values()) - chosen.votes[a]
        else:
            mine, against = votes[a], votes[winner]
        lines.append(kb.say("lost_vote", approach=names[a].lower(), votes=mine,
                            winner_votes=against, winner=names[winner].lower()))
    if (winner == "prompt_engineering" and "fine_tuning" in chosen.allowed
            and votes["fine_tuning"] == votes["prompt_engineering"]):
        lines.append(kb.say("tie_simpler", tied=" and ".join(
            names[a].lower() for a in ("prompt_engineering", "fine_tuning"))))
    return lines


# --- rule 8: what would change it -----------------------------------------------------


def with_change(answers: dict[str, Any], slot: str, value: object) -> dict[str, Any]:
    """The answers with one answer changed, as the dialog applies it: a count means there is
    data, and no data means no count."""
    changed = {**answers, slot: value}
    if slot == "examples":
        changed["has_data"] = "yes"
    elif slot == "has_data" and value == "no":
        changed["examples"] = 0
    return changed


def _alternatives(answers: dict[str, Any], approach: Approach,
                  kb: Knowledge) -> list[tuple[str, object, str, dict[str, str]]]:
    """Every single-answer change worth judging: each other choice of a voting or hardware
    question, and one value per region of the numeric answers' thresholds.
    Each: (slot, value, text key, text fields)."""
    t = kb.thresholds
    out: list[tuple[str, object, str, dict[str, str]]] = []
    for slot in (*VOTING_SLOTS, "hardware"):
        q = kb.questions[slot]
        for c in q.choices:
            if c.value != answers.get(slot):
                out.append((slot, c.value, "change_to",
                            {"question": q.short_label.lower(), "label": c.label}))
    if answers.get("has_data") != "no":
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
        for low, high, _method in size_regions(answers, kb):
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


def what_would_change(answers: dict[str, Any], kb: Knowledge) -> list[Change]:
    """The single-answer changes that change the approach or the method (rule 8), each found
    by re-running the rules on the changed answers."""
    current = outcome(answers, kb)
    changes: list[Change] = []
    for slot, value, key, fields in _alternatives(answers, current[0], kb):
        approach, method = outcome(with_change(answers, slot, value), kb)
        if (approach, method) == current:
            continue
        text = kb.say(key, outcome=outcome_words(approach, method, kb), **fields)
        changes.append(Change(slot=slot, value=value if isinstance(value, int) else str(value),
                              approach=approach, method=method, text=text))
    return changes
