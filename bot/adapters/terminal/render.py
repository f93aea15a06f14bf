"""Neutral replies drawn for a terminal with rich: each from its view (dialogs/view.py), which
words every heading and label; this module only styles it.

Every string that reaches the screen is wrapped in `Text`, never parsed as rich markup: the
replies carry knowledge-file and user-echoed text, and "[...]" in it must print as written.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from dialogs.recommendation import Recommendation
from dialogs.replies import Answer, ErrorReply, Notice, Question, RecommendationReply, Reply
from dialogs.view import CardView, Fact, Section, answer_view, card_view, question_view
from knowledge import default_knowledge
from knowledge.models import Knowledge

# Beside the stage to start at, before the knowledge's "You start here".
START_MARK = "← "


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


def _facts(facts: Iterable[Fact]) -> Table:
    grid = Table.grid(padding=(0, 3))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    for fact in facts:
        grid.add_row(Text(fact.label), Text(fact.value))
    return grid


# How quiet each section's bullets are: notes warn, what only qualifies the advice is dim.
_BULLET_STYLES = {"notes": "yellow", "why_not": "dim"}


def question_renderable(question: Question, kb: Knowledge | None = None) -> RenderableType:
    view = question_view(question, kb or default_knowledge())
    text = Text()
    if view.intro:
        text.append(view.intro)
        text.append("\n\n")
    if view.progress:
        text.append(f"({view.progress}) ", style="dim")
    text.append(view.text, style="bold")
    if view.hint:
        text.append("\n")
        text.append(view.hint, style="dim italic")
    if view.choices:
        text.append("\n")
        for number, choice in enumerate(view.choices, start=1):
            if number > 1:
                text.append("  ")
            text.append(f"{number}. ", style="cyan")
            text.append(choice.label)
    if view.commands:
        # A terminal has no buttons: the commands are typed ("back", "now").
        text.append("\n")
        text.append("  ".join(f"'{a.value}': {a.label}" for a in view.commands), style="dim")
    return text


def _section(section: Section, view: CardView) -> list[RenderableType]:
    parts: list[RenderableType] = [_heading(section.heading)]
    if section.facts:
        parts.append(_facts(section.facts))
    if section.bullets:
        parts.append(_bullets(section.bullets, style=_BULLET_STYLES.get(section.id, "")))
    if section.small_print:
        parts.append(_bullets(section.small_print, style="dim"))
    for stage in section.stages:
        line = Text()
        line.append(stage.heading, style="bold green" if stage.current else "bold")
        if stage.subtitle:
            line.append(f" · {stage.subtitle}", style="dim")
        if stage.current:
            line.append(f"  {START_MARK}{view.start_here_inline}", style="bold green")
        parts.append(line)
        detail: list[RenderableType] = []
        if stage.steps:
            detail.append(_bullets(stage.steps))
        if stage.next:
            detail.append(Text.assemble((view.next_label, "dim italic"), " ",
                                        (stage.next, "dim")))
        parts.append(Padding(Group(*detail), (0, 0, 0, 2)))
    return parts


def recommendation_renderable(rec: Recommendation, kb: Knowledge | None = None) -> Panel:
    view = card_view(rec, kb or default_knowledge())
    parts: list[RenderableType] = [Text(view.summary), _facts(view.facts)]
    if view.remarks:
        parts.append(_bullets(view.remarks, style="dim"))
    for section in view.sections:
        parts += _section(section, view)
    if view.footnote:
        parts.append(Text("\n" + view.footnote, style="dim"))
    return Panel(Group(*parts), title=Text(view.title, style="bold"), title_align="left",
                 border_style="green", padding=(1, 2))


def answer_renderable(answer: Answer, kb: Knowledge | None = None) -> RenderableType:
    view = answer_view(answer, kb or default_knowledge())
    parts: list[RenderableType] = []
    if view.title:
        parts.append(Text(view.title, style="bold underline"))
    parts.append(Text(view.text))
    if view.table is not None:
        table = Table(box=box.ROUNDED, show_lines=False)
        for column in view.table.columns:
            table.add_column(Text(column), overflow="fold")
        for row in view.table.rows:
            table.add_row(*(Text(cell) for cell in row))
        parts.append(table)
    if view.choices:
        more = Text(f"{view.choices_label}: ", style="dim")
        more.append(", ".join(c.label for c in view.choices), style="cyan")
        parts.append(more)
    return Group(*parts)


def reply_renderable(reply: Reply, kb: Knowledge | None = None) -> RenderableType:
    if isinstance(reply, Question):
        return question_renderable(reply, kb)
    if isinstance(reply, RecommendationReply):
        card = recommendation_renderable(reply.recommendation, kb)
        if kb is None or reply.answers is None:
            return card
        from bot.adapters.terminal.text_chart import cost_text_chart

        return Group(card, cost_text_chart(reply.recommendation, reply.answers, kb))
    if isinstance(reply, Answer):
        return answer_renderable(reply, kb)
    if isinstance(reply, Notice):
        return Text(reply.text, style="dim")
    if isinstance(reply, ErrorReply):
        return Text(reply.text, style="bold red")
    raise TypeError(f"unknown reply kind: {type(reply).__name__}")


def render_reply(console: Console, reply: Reply, kb: Knowledge | None = None) -> None:
    console.print(reply_renderable(reply, kb))
    console.print()
