"""The decision engine: docs/architecture.md's decision rules (version 2) made exact, over the
answers a person gave.

Rules 1-3 (which approach, by which votes) are in dialogs/votes.py, rule 5 (the method fitted
to the hardware) in dialogs/method_fit.py, rule 8 (what would change it) in dialogs/changes.py;
`decide()` here builds the full recommendation around them, with rules 4, 6 and 7. All numbers
and sentences come from knowledge/; the rules' structure is here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dialogs.changes import outcome, outcome_words, what_would_change, with_change
from dialogs.costing import costs_at_volume
from dialogs.method_fit import (
    MethodFit,
    choose_method,
    fit_method,
    model_size_can_change_method,
    size_regions,
)
from dialogs.recommendation import (
    DataNeeded,
    Reason,
    Recommendation,
    RoadmapStage,
)
from dialogs.slots import Approach, Hybrid, Method, Slots, settled_count
from dialogs.votes import (
    APPROACH_ORDER,
    VOTING_SLOTS,
    Choice,
    allowed_approaches,
    choose,
    data_vote,
    example_count,
    volume_vote,
)
from knowledge.models import Knowledge, StageInfo

if TYPE_CHECKING:
    from dialogs.compiled import CompiledKnowledge

# The rules' entry points, importable from here as before the split.
__all__ = [
    "APPROACH_ORDER", "VOTING_SLOTS", "Choice", "MethodFit", "allowed_approaches",
    "card_outcome", "choose", "choose_hybrids", "choose_method", "data_vote",
    "decide",
    "example_count", "fit_method", "model_size_can_change_method", "outcome",
    "outcome_words", "size_regions", "start_stage", "volume_vote", "what_would_change",
    "with_change",
]


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


CardOutcome = tuple[Approach, Method | None, tuple[Hybrid, ...], int, tuple[tuple[str, ...], ...]]


def card_outcome(answers: dict[str, Any], ck: CompiledKnowledge) -> CardOutcome:
    """What the card recommends, without its words: approach, method, hybrids, start stage and
    each stage's steps. Exactly the substance of decide() (a test holds them equal), at a
    fraction of its cost: rule 9 asks it many times per turn (dialogs/relevance.py)."""
    kb = ck.kb
    approach = choose(answers, ck).approach
    method = fit_method(answers, ck).method if approach == "fine_tuning" else None
    stage = start_stage(approach, answers, kb)
    plan_key = (approach, stage, answers.get("data_quality"))
    plan = ck.plans.get(plan_key)
    if plan is None:
        plan = tuple(tuple(steps) for _, steps in _plan(approach, stage, plan_key[2], kb))
        ck.plans.put(plan_key, plan)
    return (approach, method, tuple(choose_hybrids(answers, approach)), stage, plan)


def decide(slots: Slots, ck: CompiledKnowledge) -> Recommendation:
    """The recommendation for these answers (unknown answers simply do not count)."""
    kb = ck.kb
    answers = slots.answered()
    chosen = choose(answers, ck)
    approach = chosen.approach
    fit = fit_method(answers, ck) if approach == "fine_tuning" else None
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
        what_would_change=what_would_change(answers, ck),
        assumptions=_assumptions(fit, kb),
        model_size_b=fit.size_b if fit is not None and fit.memory_gb is not None else None,
        gpu_memory_gb=fit.memory_gb if fit is not None else None,
        method_fits=fit.fits if fit is not None else True,
        votes={a: v for a, v in chosen.votes.items() if v},
        unknown=[
            s
            for s in ("has_data", "examples", *VOTING_SLOTS)
            if s not in answers and not (s == "examples" and settled_count(answers) is not None)
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
    if settled_count(answers) is not None:  # no data: the data answer is the reason
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


def _plan(approach: Approach, start: int, quality: str | None,
          kb: Knowledge) -> list[tuple[StageInfo, list[str]]]:
    """Each stage of the plan with its steps, the data-cleaning and held-out steps added: from
    the approach, the start and the data quality alone (card_outcome remembers it by them)."""
    stages = kb.scratch_stages if approach == "training_from_scratch" else kb.stages
    clean_at = None
    if approach != "prompt_engineering" and quality in ("low", "mixed"):
        clean_at = max(start, 2) if approach == "fine_tuning" else start
    plan = []
    for s in stages:
        steps = list(s.steps)
        if s.stage == clean_at:
            steps.insert(0, kb.say("step_data_quality"))
        if s.stage == start and start > 1:
            # Evaluation before fine-tuning: every plan past stage 1 opens with it (rule 7).
            steps.insert(0, kb.say("step_held_out"))
        plan.append((s, steps))
    return plan


def _roadmap(approach: Approach, start: int, answers: dict[str, Any],
             kb: Knowledge) -> list[RoadmapStage]:
    roadmap = []
    for s, steps in _plan(approach, start, answers.get("data_quality"), kb):
        title = _stage_title(s)
        subtitle = "" if s.subtitle == title else s.subtitle  # never "X · X"
        roadmap.append(RoadmapStage(stage=s.stage, title=title, subtitle=subtitle,
                                    steps=steps, next=s.next, current=s.stage == start))
    return roadmap


def _data_needed(approach: Approach, answers: dict[str, Any], kb: Knowledge) -> DataNeeded:
    d = kb.data_requirements[approach]
    n = example_count(answers)
    if n == 0:
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
