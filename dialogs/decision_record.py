"""The recommendation as a Markdown decision record, ready to paste into a wiki or a design
review: context (the answers), decision, why, alternatives, roadmap with checkboxes, costs,
data needed, what would change it, what it assumed. Every heading and label comes from
knowledge/data/pictures.yaml; the content is the card's own.
"""

from __future__ import annotations

from collections.abc import Iterable

from dialogs.formatting import answer_line, count
from dialogs.pictures import (
    change_lines,
    cost_chart,
    monthly_tokens,
    not_asked_lines,
)
from dialogs.recommendation import Recommendation
from dialogs.slots import ALL_SLOTS, Slots
from dialogs.view import display_name, slot_label
from knowledge.models import Knowledge


def _escape(text: str) -> str:
    """Text from the answers or the knowledge, shown as written: no Markdown or HTML in it
    takes effect when the record is rendered by a wiki."""
    out = []
    for ch in " ".join(text.split()):
        if ch in "\\`*_[]<>#|~":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _bullets(lines: Iterable[str]) -> list[str]:
    return [f"- {_escape(line)}" for line in lines if line]


def decision_record(rec: Recommendation, answers: Slots, kb: Knowledge) -> str:
    """The decision record for this card, made from these answers."""
    p = kb.pictures
    out: list[str] = [f"# {_escape(p.label('record_title', title=rec.title))}", ""]

    def section(key: str, lines: list[str]) -> None:
        out.extend([f"## {p.label(key)}", "", *lines, ""])

    given = answers.answered()
    context = [p.label("record_context_lead"), ""]
    context += _bullets(answer_line(slot, given[slot], kb) for slot in ALL_SLOTS
                        if slot in given and slot in kb.questions)
    if rec.unknown:
        context += ["", f"{p.label('record_not_answered')}: " + _escape(", ".join(
            slot_label(kb, slot) for slot in rec.unknown))]
    section("record_context", context)

    stage = next((s for s in rec.roadmap if s.stage == rec.start_stage), rec.roadmap[0])
    decision = [p.label("record_decision_line", title=_escape(rec.title), stage=stage.stage,
                        stage_title=_escape(stage.title)), "", _escape(rec.summary), ""]
    decision += _bullets([f"{p.label('record_approach')}: "
                          f"{display_name(kb, 'approach', rec.approach)}"])
    if rec.method:
        decision += _bullets([f"{p.label('record_method')}: "
                              f"{display_name(kb, 'method', rec.method)}"])
    if rec.hybrids:
        decision += _bullets([f"{p.label('record_combine')}: " + ", ".join(
            display_name(kb, "hybrid", h) for h in rec.hybrids)])
    section("record_decision", decision)

    why = [r.text for r in rec.reasons if r.points_to == rec.approach and r.text]
    why += [line for line in (rec.method_reason, *rec.hybrid_reasons) if line]
    section("record_why", _bullets(why or [r.text for r in rec.reasons]))

    section("record_alternatives", _bullets(rec.why_not) or [p.label("record_alternatives_none")])

    roadmap: list[str] = []
    for s in rec.roadmap:
        here = f" ({p.label('start_here').lower()})" if s.stage == rec.start_stage else ""
        roadmap += [f"### {_escape(p.label('record_stage', stage=s.stage, title=s.title))}{here}",
                    ""]
        if s.subtitle:
            roadmap += [f"*{_escape(s.subtitle)}*", ""]
        roadmap += [f"- [ ] {_escape(step)}" for step in s.steps]
        if s.next:
            roadmap += ["", f"**{p.label('record_exit')}:** {_escape(s.next)}"]
        roadmap.append("")
    section("record_roadmap", roadmap[:-1])

    chart = cost_chart(rec, answers, kb)
    costs = _bullets([f"{p.label('record_training')}: {rec.costs.training}",
                      f"{p.label('record_inference')}: {rec.costs.inference_per_1k_tokens}",
                      f"{p.label('record_at_guide_volume')}: {rec.costs.monthly_at_1m_tokens}",
                      f"{p.label('record_best_for')}: {rec.costs.best_for}"])
    volume = monthly_tokens(rec, answers)
    if volume is not None:
        costs.append(f"- {_escape(p.label('record_at_your_volume', tokens=count(volume)))}:")
        costs += [f"  - {_escape(c.label)}: {_escape(c.text())}" for c in chart.at_volume]
    if chart.payback_label:
        costs += _bullets([f"{p.label('record_payback')}: {chart.payback_label}"])
    section("record_costs", costs)

    d = rec.data_needed
    section("record_data", _bullets([f"{p.label('record_minimum')}: {d.minimum}",
                                     f"{p.label('record_better')}: {d.better}",
                                     f"{p.label('record_best')}: {d.best}",
                                     f"{p.label('record_you_have')}: {d.you_have}"]))

    section("record_change", _bullets(change_lines(rec)) or [p.label("record_change_none")])

    gpu = kb.hardware.serving_usd_per_hour()
    assumed = list(rec.notes) + not_asked_lines(rec)
    if rec.unknown:
        assumed.append(p.label("record_assumed_unknown", slots=", ".join(
            slot_label(kb, slot) for slot in rec.unknown)))
    assumed.append(p.label("record_assumed_prices", gpu_low=f"{gpu.low:g}",
                           gpu_high=f"{gpu.high or gpu.low:g}"))
    section("record_assumed", _bullets(assumed))

    out.append(f"---\n\n{p.label('record_footer')}")
    return "\n".join(out) + "\n"

