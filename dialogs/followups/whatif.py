"""What-if: the recommendation for hypothetical answers, beside the current one. The
person's real answers are never touched here (the caller applies them on "keep that")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dialogs.engine import decide
from dialogs.followups.context import Context, topic_choices
from dialogs.formatting import answer_label, bullets
from dialogs.recommendation import Recommendation
from dialogs.replies import Answer, Table
from dialogs.slots import Slots
from knowledge.models import Knowledge

if TYPE_CHECKING:
    from dialogs.compiled import CompiledKnowledge

TOPIC = "decision_framework"


def hypothetical_slots(slots: Slots, hypothesis: dict[str, Any]) -> Slots:
    """A validated copy of the answers with the hypothesis applied (the original unchanged)."""
    return Slots.model_validate({**slots.model_dump(), **hypothesis})


def whatif_answer(hypothesis: dict[str, Any], ctx: Context, ck: CompiledKnowledge) -> Answer:
    kb = ck.kb
    if ctx.rec is None:
        text = kb.message("no_recommendation_yet")
        if not ctx.slots.answered():
            text = f"{text}\n\n{kb.message('offer_start')}"
        return Answer(topic=TOPIC, text=text, titled=False)
    current = ctx.slots.answered()
    unknown = kb.message("whatif_not_answered")
    changes = [
        f"{kb.question(s).short_label}: "
        f"{answer_label(s, current[s], kb) if s in current else unknown}"
        f" → {answer_label(s, v, kb)}"
        for s, v in hypothesis.items() if current.get(s) != v
    ]
    if not changes:
        return Answer(topic=TOPIC, text=kb.message("whatif_already_told", title=ctx.rec.title),
                      titled=False)
    alt = decide(hypothetical_slots(ctx.slots, hypothesis), ck)
    now = ctx.rec
    differences = describe_differences(now, alt, kb)
    parts = [kb.message("whatif_lead", changes="; ".join(changes))]
    if differences:
        parts.append(kb.message("whatif_would_be", alt=alt.title, now=now.title))
        parts.append(kb.message("whatif_what_changes") + "\n" + bullets(differences))
        if alt.approach != now.approach and alt.reasons:
            parts.append(kb.message("whatif_why", reason=alt.reasons[0].text))
        elif alt.method != now.method and alt.method_reason:
            parts.append(kb.message("whatif_why", reason=alt.method_reason))
    else:
        parts.append(kb.message("whatif_would_stay", title=now.title))
    parts.append(kb.message("whatif_unchanged"))
    table = Table(columns=["", kb.message("whatif_column_now"), kb.message("whatif_column_whatif")],
                  rows=_rows(now, alt, kb))
    return Answer(topic=TOPIC, text="\n\n".join(parts), table=table,
                  choices=topic_choices(("roadmap", "cost", "comparison"), kb), titled=False)


def _approach(rec: Recommendation, kb: Knowledge) -> str:
    return kb.approaches[rec.approach].name


def _method(rec: Recommendation, kb: Knowledge) -> str:
    return kb.methods[rec.method].name if rec.method else kb.message("whatif_none")


def _hybrids(rec: Recommendation, kb: Knowledge) -> str:
    return ", ".join(kb.hybrids[h].name for h in rec.hybrids) or kb.message("whatif_none")


def _stage(rec: Recommendation, kb: Knowledge) -> str:
    return f"{rec.start_stage}: {kb.stages[rec.start_stage - 1].title}"


# Each aspect a what-if compares, by the message that names it.
_ASPECTS = (("whatif_approach", _approach), ("whatif_method", _method),
            ("whatif_hybrids", _hybrids), ("whatif_start_stage", _stage))


def describe_differences(now: Recommendation, alt: Recommendation, kb: Knowledge) -> list[str]:
    """ "Approach: Prompt Engineering → Fine-Tuning", one line per aspect that differs."""
    out = []
    for key, get in _ASPECTS:
        a, b = get(now, kb), get(alt, kb)
        if a != b:
            out.append(f"{kb.message(key)}: {a} → {b}")
    return out


def _rows(now: Recommendation, alt: Recommendation, kb: Knowledge) -> list[list[str]]:
    return [[kb.message(key), get(now, kb), get(alt, kb)] for key, get in _ASPECTS]
