"""Neutral replies drawn for a terminal with rich.

Every string that reaches the screen is wrapped in `Text`, never parsed as rich markup: the
replies carry knowledge-file and user-echoed text, and "[...]" in it must print as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dialogs.recommendation import Recommendation
from dialogs.replies import Answer, ErrorReply, Notice, Question, RecommendationReply, Reply
from knowledge.models import Knowledge

START_MARKER = "← you start here"


def _name(kind: str, value: str, kb: Knowledge | None) -> str:
    """The knowledge base's display name for an approach, method or hybrid id."""
    if kb is not None:
        catalogs: dict[str, Mapping[Any, Any]] = {
            "approach": kb.approaches, "method": kb.methods, "hybrid": kb.hybrids}
        catalog = catalogs[kind]
        info = catalog.get(value)
        if info is not None:
            return str(info.name)
    return value.replace("_", " ").capitalize()


def _bullets(lines: Iterable[str], style: str = "") -> Table:
    """A bullet list whose wrapped lines hang under their own text, not under the bullet."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(style=style)
    for line in lines:
        grid.add_row("•", Text(line))
    return grid


def _heading(title: str) -> Text:
    return Text("\n" + title, style="bold underline")


def _slot_label(slot: str, kb: Knowledge | None) -> str:
    if kb is not None and slot in kb.questions:
        return kb.questions[slot].short_label
    return slot.replace("_", " ")


def question_renderable(question: Question) -> RenderableType:
    text = Text()
    if question.intro:
        text.append(question.intro)
        text.append("\n\n")
    if question.progress:
        text.append(f"({question.progress}) ", style="dim")
    elif question.step is not None and question.total_steps is not None:
        text.append(f"({question.step}/{question.total_steps}) ", style="dim")
    text.append(question.text, style="bold")
    if question.hint:
        text.append("\n")
        text.append(question.hint, style="dim italic")
    if question.choices:
        text.append("\n")
        for number, choice in enumerate(question.choices, start=1):
            if number > 1:
                text.append("  ")
            text.append(f"{number}. ", style="cyan")
            text.append(choice.label)
    if question.actions:
        # A terminal has no buttons: the commands are typed ("back", "now").
        text.append("\n")
        text.append("  ".join(f"'{a.value}': {a.label}" for a in question.actions), style="dim")
    return text


def recommendation_renderable(rec: Recommendation, kb: Knowledge | None = None) -> Panel:
    parts: list[RenderableType] = [Text(rec.summary)]

    headline = Text()
    headline.append("Approach: ", style="bold")
    headline.append(_name("approach", rec.approach, kb))
    if rec.method:
        headline.append("   Method: ", style="bold")
        headline.append(_name("method", rec.method, kb))
    parts.append(headline)
    if rec.method_reason:
        parts.append(Text(rec.method_reason, style="dim"))
    if rec.assumptions:
        parts.append(_bullets(rec.assumptions, style="dim"))

    if rec.hybrids:
        hybrids = Text()
        hybrids.append("Combine with: ", style="bold")
        hybrids.append(", ".join(_name("hybrid", h, kb) for h in rec.hybrids))
        parts.append(hybrids)
        if rec.hybrid_reasons:
            parts.append(_bullets(rec.hybrid_reasons, style="dim"))

    if rec.notes:
        parts.append(_bullets(rec.notes, style="yellow"))

    facts = Table.grid(padding=(0, 3))
    facts.add_column(style="bold", no_wrap=True)
    facts.add_column()
    facts.add_row("Training cost", rec.costs.training)
    facts.add_row("Inference", rec.costs.inference_per_1k_tokens)
    facts.add_row(rec.costs.monthly_label or "Monthly at 1M tokens",
                  rec.costs.monthly or rec.costs.monthly_at_1m_tokens)
    facts.add_row("Best for", rec.costs.best_for)
    facts.add_row("Data: minimum", rec.data_needed.minimum)
    facts.add_row("Data: better", rec.data_needed.better)
    facts.add_row("Data: best", rec.data_needed.best)
    facts.add_row("You have", rec.data_needed.you_have)
    parts += [_heading("Costs and data needed"), facts]
    cost_lines = [x for x in (rec.costs.hosting, rec.costs.payback, rec.costs.prices_note) if x]
    if cost_lines:
        parts.append(_bullets(cost_lines, style="dim"))

    if rec.reasons:
        parts += [_heading("Why"), _bullets(r.text for r in rec.reasons)]
    if rec.why_not:
        parts.append(_bullets(rec.why_not, style="dim"))

    parts.append(_heading("Roadmap"))
    for stage in rec.roadmap:
        here = stage.current or stage.stage == rec.start_stage
        line = Text()
        line.append(f"Stage {stage.stage}: {stage.title}", style="bold green" if here else "bold")
        if stage.subtitle:
            line.append(f" · {stage.subtitle}", style="dim")
        if here:
            line.append(f"  {START_MARKER}", style="bold green")
        parts.append(line)
        detail: list[RenderableType] = []
        if stage.steps:
            detail.append(_bullets(stage.steps))
        if stage.next:
            detail.append(Text(f"Next: {stage.next}", style="dim"))
        parts.append(Padding(Group(*detail), (0, 0, 0, 2)))

    if rec.what_would_change:
        parts += [_heading("What would change it"),
                  _bullets(c.text for c in rec.what_would_change)]
    if rec.not_asked:
        parts += [_heading("Not asked"), _bullets(n.text for n in rec.not_asked)]
    elif rec.unknown:  # not_asked, where the dialog filled it, already names each of these
        unknown = ", ".join(_slot_label(slot, kb) for slot in rec.unknown)
        parts.append(Text("\nNot answered yet: " + unknown, style="dim"))

    return Panel(Group(*parts), title=Text(rec.title, style="bold"), title_align="left",
                 border_style="green", padding=(1, 2))


def answer_renderable(answer: Answer) -> RenderableType:
    parts: list[RenderableType] = [Text(answer.text)]
    if answer.table is not None:
        table = Table(box=box.ROUNDED, show_lines=False)
        for column in answer.table.columns:
            table.add_column(Text(column), overflow="fold")
        for row in answer.table.rows:
            table.add_row(*(Text(cell) for cell in row))
        parts.append(table)
    if answer.choices:
        more = Text("Ask about: ", style="dim")
        more.append(", ".join(c.label for c in answer.choices), style="cyan")
        parts.append(more)
    return Group(*parts)


def reply_renderable(reply: Reply, kb: Knowledge | None = None) -> RenderableType:
    if isinstance(reply, Question):
        return question_renderable(reply)
    if isinstance(reply, RecommendationReply):
        card = recommendation_renderable(reply.recommendation, kb)
        if kb is None or reply.answers is None:
            return card
        from bot.adapters.terminal.text_chart import cost_text_chart

        return Group(card, cost_text_chart(reply.recommendation, reply.answers, kb))
    if isinstance(reply, Answer):
        return answer_renderable(reply)
    if isinstance(reply, Notice):
        return Text(reply.text, style="dim")
    if isinstance(reply, ErrorReply):
        return Text(reply.text, style="bold red")
    raise TypeError(f"unknown reply kind: {type(reply).__name__}")


def render_reply(console: Console, reply: Reply, kb: Knowledge | None = None) -> None:
    console.print(reply_renderable(reply, kb))
    console.print()
