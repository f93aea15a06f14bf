"""What a surface shows for a reply, worded once: the view model every renderer styles.

A reply (dialogs/replies.py) is what the core decided; its view is how a person reads it: the
card's sections in order with their headings, facts, bullets and small print, the question's
progress line and buttons, the answer's title. Every word around the core's own text comes
from the knowledge (surfaces.yaml, the catalogues' display names), so Slack, Teams, the
terminal and the web page say the same thing in the same order and differ only in styling.

Plain frozen dataclasses built in one pass: cheap enough to build per reply on the hot path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from dialogs.recommendation import Recommendation
from dialogs.replies import Answer, Question, RecommendationReply, Table
from knowledge.models import Knowledge

# The card's sections, by id, in the order every surface draws them. Tests compare these.
CARD_SECTION_IDS: tuple[str, ...] = (
    "why", "combine_with", "costs", "data_needed", "roadmap", "notes", "why_not",
    "what_would_change", "not_asked")

NameKind = Literal["approach", "method", "hybrid"]


def display_name(kb: Knowledge, kind: NameKind, value: str) -> str:
    """The knowledge's name for an approach, method or hybrid id (the id, readable, for one
    it does not know)."""
    catalog: Any = {"approach": kb.approaches, "method": kb.methods, "hybrid": kb.hybrids}[kind]
    info = catalog.get(value)
    return str(info.name) if info is not None else value.replace("_", " ").capitalize()


def slot_label(kb: Knowledge, slot: str) -> str:
    """A question's short name ("Budget") for a slot id."""
    info = kb.questions.get(slot)
    return info.short_label if info is not None else slot.replace("_", " ")


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class StageView:
    number: int
    heading: str  # "Stage 2: Fine-tune a model"
    subtitle: str
    steps: tuple[str, ...]
    next: str | None  # what leads to the next stage (drawn after CardView.next_label); None last
    current: bool  # where the person starts


@dataclass(frozen=True, slots=True)
class Section:
    """One headed part of the card. `id` is stable (CARD_SECTION_IDS); `heading` is worded."""

    id: str
    heading: str
    facts: tuple[Fact, ...] = ()
    bullets: tuple[str, ...] = ()
    small_print: tuple[str, ...] = ()  # shown quieter, under the facts or bullets
    stages: tuple[StageView, ...] = ()


@dataclass(frozen=True, slots=True)
class Button:
    """A button: its words and what it sends back (a command, a choice's value, a topic)."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class CardView:
    kind: Literal["recommendation"]
    title: str
    summary: str
    approach: str  # the approach id, for styling
    label: str  # what the card is ("Recommendation")
    facts: tuple[Fact, ...]  # the headline: approach, method, where to start, hybrids
    remarks: tuple[str, ...]  # why the method, what it assumed: quieter, under the headline
    sections: tuple[Section, ...]
    footnote: str | None  # the questions left unanswered, when the card does not list them
    start_here: str  # the badge on the stage to start at, standing alone ("You start here")
    start_here_inline: str  # the same marker inside the stage's line ("you start here")
    next_label: str  # before each stage's `next`, kept apart so a surface can style it
    follow_up: str  # the hint to ask more, where a surface has a box to type in
    # Explain and Start over, and Share (command "card") where a surface can share.
    actions: tuple[Button, ...]

    def headings(self) -> list[str]:
        return [s.heading for s in self.sections]

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)


@dataclass(frozen=True, slots=True)
class QuestionView:
    kind: Literal["question"]
    question_id: str
    intro: str | None
    progress: str | None  # "Question 3 of about 6"
    text: str
    hint: str | None
    choices: tuple[Button, ...]
    commands: tuple[Button, ...]  # Back, "Just tell me now"
    state_version: int
    choose_label: str  # a menu's placeholder, where the choices are too many for buttons
    commands_label: str  # what the commands' group is, for screen readers

    def headings(self) -> list[str]:
        return [self.text]


@dataclass(frozen=True, slots=True)
class AnswerView:
    kind: Literal["answer"]
    topic: str
    title: str | None  # the topic's name, where the knowledge has it and the answer is titled
    text: str
    table: Table | None
    choices: tuple[Button, ...]  # follow-up topics (value: topic id)
    choices_label: str  # "Ask about", before or around the follow-up topics

    def headings(self) -> list[str]:
        return [self.title] if self.title else []


View = CardView | QuestionView | AnswerView


def _bullets(lines: Iterable[str]) -> tuple[str, ...]:
    return tuple(line for line in lines if line)


def card_view(rec: Recommendation, kb: Knowledge) -> CardView:
    """The recommendation card, worded: every section it has content for, in order."""
    say = kb.surfaces.label
    facts = [Fact(say("approach"), display_name(kb, "approach", rec.approach))]
    if rec.method:
        facts.append(Fact(say("method"), display_name(kb, "method", rec.method)))
    start = next((s for s in rec.roadmap if s.stage == rec.start_stage), None)
    if start is not None:
        facts.append(Fact(say("start_at"), say("stage", stage=start.stage, title=start.title)))
    if rec.hybrids:
        facts.append(Fact(say("combine_with"), ", ".join(
            display_name(kb, "hybrid", h) for h in rec.hybrids)))

    sections: list[Section] = []

    def add(section_id: str, **content: Any) -> None:
        sections.append(Section(section_id, say(section_id), **content))

    why = _bullets(r.text for r in rec.reasons)
    if why:
        add("why", bullets=why)
    if rec.hybrid_reasons:
        add("combine_with", bullets=_bullets(rec.hybrid_reasons))
    costs = rec.costs
    add("costs", facts=(
        Fact(say("training"), costs.training),
        Fact(say("inference"), costs.inference_per_1k_tokens),
        Fact(costs.monthly_label or say("monthly_guide_volume"),
             costs.monthly or costs.monthly_at_1m_tokens),
        Fact(say("best_for"), costs.best_for)),
        small_print=_bullets((costs.hosting or "", costs.payback or "", costs.prices_note)))
    data = rec.data_needed
    add("data_needed", facts=(
        Fact(say("minimum"), data.minimum), Fact(say("better"), data.better),
        Fact(say("best"), data.best), Fact(say("you_have"), data.you_have)))
    if rec.roadmap:
        add("roadmap", stages=tuple(
            StageView(number=s.stage, heading=say("stage", stage=s.stage, title=s.title),
                      subtitle=s.subtitle, steps=_bullets(s.steps),
                      next=s.next or None,
                      current=s.current or s.stage == rec.start_stage)
            for s in rec.roadmap))
    if rec.notes:
        add("notes", bullets=_bullets(rec.notes))
    if rec.why_not:
        add("why_not", bullets=_bullets(rec.why_not))
    if rec.what_would_change:
        add("what_would_change", bullets=_bullets(c.text for c in rec.what_would_change))
    if rec.not_asked:
        add("not_asked", bullets=_bullets(n.text for n in rec.not_asked))
    # not_asked, where the dialog filled it, already names each unanswered question.
    footnote = say("not_answered", slots=", ".join(slot_label(kb, s) for s in rec.unknown)) \
        if rec.unknown and not rec.not_asked else None

    return CardView(
        kind="recommendation", title=rec.title, summary=rec.summary, approach=rec.approach,
        label=say("recommendation"), facts=tuple(facts),
        remarks=_bullets([rec.method_reason or "", *rec.assumptions]),
        sections=tuple(sections), footnote=footnote, start_here=say("start_here"),
        start_here_inline=say("start_here_inline"), next_label=say("next"),
        follow_up=say("follow_up_hint"),
        actions=(Button(say("share"), "card"), Button(say("explain"), "explain"),
                 Button(say("start_over"), "restart")))


def question_view(question: Question, kb: Knowledge) -> QuestionView:
    progress = question.progress
    if not progress and question.step is not None and question.total_steps is not None:
        progress = kb.message("progress", step=question.step, total=question.total_steps)
    return QuestionView(
        kind="question", question_id=question.question_id, intro=question.intro,
        progress=progress, text=question.text, hint=question.hint,
        choices=tuple(Button(c.label, c.value) for c in question.choices),
        commands=tuple(Button(a.label, a.value) for a in question.actions),
        state_version=question.state_version,
        choose_label=kb.surfaces.label("choose_answer"),
        commands_label=kb.surfaces.label("more_options"))


def answer_view(answer: Answer, kb: Knowledge) -> AnswerView:
    topic = kb.topics.get(answer.topic)
    return AnswerView(
        kind="answer", topic=answer.topic,
        title=topic.title if topic is not None and answer.titled else None,
        text=answer.text, table=answer.table,
        choices=tuple(Button(c.label, c.value) for c in answer.choices),
        choices_label=kb.surfaces.label("ask_about"))


def view_of(reply: object, kb: Knowledge) -> View | None:
    """The view of a reply that has one (notices and errors are one line of text: none)."""
    if isinstance(reply, RecommendationReply):
        return card_view(reply.recommendation, kb)
    if isinstance(reply, Question):
        return question_view(reply, kb)
    if isinstance(reply, Answer):
        return answer_view(reply, kb)
    return None


def view_json(view: View) -> dict[str, Any]:
    """A view as JSON data (for the web page, which draws it as it is)."""
    data = asdict(view)
    if isinstance(view, AnswerView) and view.table is not None:
        data["table"] = view.table.model_dump(mode="json")
    data["headings"] = view.headings()
    return data
