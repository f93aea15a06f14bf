"""Neutral replies drawn as Adaptive Cards (schema 1.5, what Teams renders).

Cards are built as plain data (dicts) and sent with `CardFactory.adaptive_card`. Every text a
reply carries is treated as plain text: knowledge sentences and words a person typed (echoed
back by the core) are escaped for Adaptive Card markdown, so "*", "[x](y)", "1. " or
"{{DATE(...)}}" show as written. Formatting comes from card structure (weights, sizes,
containers), never from markdown in the text.

Every card has a plain-text fallback (`fallbackText`, and the activity's `summary` for
notifications), and stays under Teams' 28 KB message limit.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity

from dialogs.recommendation import Recommendation
from dialogs.replies import (
    Answer,
    Choice,
    ErrorReply,
    Notice,
    Question,
    RecommendationReply,
    Reply,
    Table,
)
from knowledge.models import Knowledge

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
# Teams refuses a message over 28 KB; the card gets this much, the rest is for the activity
# envelope (ids, conversation, service URL, summary) added around it.
MESSAGE_LIMIT_BYTES = 28 * 1024
CARD_BUDGET_BYTES = MESSAGE_LIMIT_BYTES - 3 * 1024
SUMMARY_CHARS = 120
START_HERE = "you start here"

Card = dict[str, Any]
Data = dict[str, Any]


@dataclass(frozen=True)
class RenderedCard:
    """One card to send (or to update in place), with its one-line summary."""

    content: Card
    summary: str
    # The question a card asks, if it asks one (its card can then be collapsed once answered).
    question_id: str | None = None

    def activity(self, activity_id: str | None = None) -> Activity:
        activity = MessageFactory.attachment(CardFactory.adaptive_card(self.content))
        activity.summary = self.summary
        if activity_id is not None:
            activity.id = activity_id
        return activity


# --- escaping -------------------------------------------------------------------------------

# Characters that start or end inline formatting anywhere in a line.
_INLINE = re.compile(r"([\\`*_\[\]~])")
# Line starts that make a block: list items ("- ", "+ ", "1. "), quotes, headings.
_BLOCK_BULLET = re.compile(r"^(\s*)([-+])(\s)")
_BLOCK_NUMBER = re.compile(r"^(\s*\d+)([.)])(\s)")
_BLOCK_OTHER = re.compile(r"^(\s*)([>#])")


# Bidi embeddings, overrides and isolates (they can make text read differently from what it is)
# and control characters other than newline and tab: never in our text, dropped from any.
_UNSAFE_CHARS = re.compile("[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape_markdown(text: str) -> str:
    """Text that Adaptive Card markdown shows exactly as written.

    Backslash-escapes the characters that start formatting (CommonMark escapes, which the
    Adaptive Card renderers honour) and breaks "{{" so no DATE()/TIME() function runs.
    """
    lines = []
    for line in _UNSAFE_CHARS.sub("", text).split("\n"):
        line = _INLINE.sub(r"\\\1", line)
        line = _BLOCK_BULLET.sub(r"\1\\\2\3", line)
        line = _BLOCK_NUMBER.sub(r"\1\\\2\3", line)
        line = _BLOCK_OTHER.sub(r"\1\\\2", line)
        lines.append(line)
    # A zero-width space between the braces: shown the same, never parsed as a function.
    return "\n".join(lines).replace("{{", "{\u200b{")


# --- small builders ---------------------------------------------------------------------------

def _text_blocks(text: str, **props: Any) -> list[Card]:
    """One TextBlock per line: single newlines are not line breaks in card markdown."""
    blocks: list[Card] = []
    for i, line in enumerate(line for line in text.split("\n") if line.strip()):
        block: Card = {"type": "TextBlock", "text": escape_markdown(line), "wrap": True, **props}
        if i:
            block["spacing"] = "None"
        blocks.append(block)
    return blocks


def _heading(title: str) -> Card:
    return {"type": "TextBlock", "text": escape_markdown(title), "weight": "Bolder",
            "wrap": True, "spacing": "Medium", "separator": True}


def _bullets(lines: Iterable[str], **props: Any) -> list[Card]:
    return [{"type": "TextBlock", "text": "• " + escape_markdown(line), "wrap": True,
             "spacing": "None" if i else "Small", **props}
            for i, line in enumerate(lines)]


def _facts(pairs: Sequence[tuple[str, str]]) -> Card:
    return {"type": "FactSet",
            "facts": [{"title": escape_markdown(t), "value": escape_markdown(v)}
                      for t, v in pairs]}


def _submit(title: str, data: Data) -> Card:
    # Action titles are plain text (never markdown), so they are not escaped.
    return {"type": "Action.Submit", "title": title[:80], "data": data}


def command_data(command: str, value: str | None = None) -> Data:
    data: Data = {"command": command}
    if value is not None:
        data["value"] = value
    return data


def choice_data(question: Question, choice: Choice) -> Data:
    return {"question_id": question.question_id, "value": choice.value,
            "state_version": question.state_version}


def _card(body: list[Card], fallback: str, actions: list[Card] | None = None) -> Card:
    card: Card = {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION,
                  "fallbackText": fallback, "body": body}
    if actions:
        card["actions"] = actions
    return card


def _summary(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= SUMMARY_CHARS else line[:SUMMARY_CHARS - 1] + "…"


def _note_blocks(notes: Sequence[Notice | ErrorReply]) -> list[Card]:
    """Notices and errors that precede a card, drawn at its top."""
    blocks: list[Card] = []
    for note in notes:
        props: dict[str, Any] = {"isSubtle": True}
        if isinstance(note, ErrorReply):
            props = {"color": "Attention"}
        blocks += _text_blocks(note.text, **props)
    return blocks


def _notes_text(notes: Sequence[Notice | ErrorReply]) -> list[str]:
    return [n.text for n in notes]


def _heading_index(body: list[Card], title: str) -> int:
    """Where a section heading (see _heading) stands in a card's body; -1 if it has none."""
    text = escape_markdown(title)
    return next((i for i, block in enumerate(body)
                 if block.get("separator") and block.get("text") == text), -1)


def _size(card: Card) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode())


def _fit(card: Card, summary: str) -> RenderedCard:
    """The card, or a trimmed text-only card when it would not fit Teams' message limit."""
    if _size(card) <= CARD_BUDGET_BYTES:
        return RenderedCard(card, summary)
    text: str = card.get("fallbackText") or summary
    actions = card.get("actions")
    keep = len(text)
    while True:
        cut = text[:keep]
        # One block: per-line blocks would cost ~60 bytes of JSON for every short line.
        block = {"type": "TextBlock", "wrap": True,
                 "text": escape_markdown(cut.replace("\n", "\n\n") + " …")}
        trimmed = _card([block], cut, actions)
        if _size(trimmed) <= CARD_BUDGET_BYTES or keep == 0:
            return RenderedCard(trimmed, summary)
        keep = keep * 3 // 4


# --- the cards --------------------------------------------------------------------------------

class CardRenderer:
    """Draws neutral replies as Adaptive Cards; the knowledge gives display names."""

    def __init__(self, kb: Knowledge | None = None, pictures: Any | None = None) -> None:
        self._kb = kb
        self._pictures = pictures  # bot.pictures.http.Pictures: the card's images

    def _images(self, reply: RecommendationReply) -> dict[str, Card]:
        """The card's pictures as Image elements: links Teams fetches from our server when it
        has a public URL, else small palette PNGs carried in the card as data URIs."""
        if self._pictures is None or reply.answers is None:
            return {}
        links = self._pictures.links.card_links(reply.answers) \
            if self._pictures.links.base_url else None
        images: dict[str, Card] = {}
        for kind in ("cost", "roadmap"):
            if links is not None:
                picture = self._pictures.maker.alt_texts(kind, reply.answers)
                url = links.cost_png if kind == "cost" else links.roadmap_png
            else:
                picture = self._pictures.maker.picture(kind, "png", reply.answers, "small")
                url = "data:image/png;base64," + base64.b64encode(picture.data).decode("ascii")
            # The card writes the roadmap out below its picture: a short alt text for it.
            images[kind] = {"type": "Image", "altText": picture.short_alt, "size": "Stretch",
                            "url": url}
        return images

    def _name(self, catalog: str, value: str) -> str:
        if self._kb is not None:
            entries: Mapping[str, Any] = getattr(self._kb, catalog)
            info = entries.get(value)
            if info is not None:
                return str(info.name)
        return value.replace("_", " ").capitalize()

    def _topic_title(self, topic: str) -> str | None:
        if self._kb is not None and topic in self._kb.topics:
            return self._kb.topics[topic].title
        return None

    def _message(self, key: str, default: str) -> str:
        if self._kb is not None and key in self._kb.messages:
            return self._kb.message(key)
        return default

    def command_label(self, command: str) -> str:
        """The label of a question's own button (Back, "Just tell me now")."""
        return self._message(f"action_{command}", command.capitalize())

    # Welcome, shown when the bot is added to a chat, team or group.
    def welcome(self) -> RenderedCard:
        text = self._message("greeting", "Hi!")
        body = [{"type": "TextBlock", "text": "which-approach", "size": "Large",
                 "weight": "Bolder", "wrap": True}, *_text_blocks(text)]
        fallback = text + "\nType 'start' to begin."
        actions = [_submit("Start", command_data("start")),
                   _submit("Help", command_data("help"))]
        return _fit(_card(body, fallback, actions), _summary(text))

    def question(self, question: Question,
                 notes: Sequence[Notice | ErrorReply] = ()) -> RenderedCard:
        body = _note_blocks(notes)
        if question.intro:
            body += _text_blocks(question.intro)
        if question.progress or (question.step is not None and question.total_steps is not None):
            body.append({"type": "TextBlock", "isSubtle": True, "size": "Small", "wrap": True,
                         "text": escape_markdown(question.progress or
                                                 f"Question {question.step} of "
                                                 f"{question.total_steps}")})
        body.append({"type": "TextBlock", "text": escape_markdown(question.text),
                     "weight": "Bolder", "size": "Medium", "wrap": True})
        if question.hint:
            body += _text_blocks(question.hint, isSubtle=True, size="Small")
        actions = [_submit(c.label, choice_data(question, c)) for c in question.choices]
        # Back and "just tell me now", beside the answers.
        actions += [_submit(a.label, command_data(a.value)) for a in question.actions]
        fallback_lines = [*_notes_text(notes), *([question.intro] if question.intro else []),
                          question.text]
        fallback_lines += [f"{i}. {c.label}" for i, c in enumerate(question.choices, start=1)]
        if question.hint:
            fallback_lines.append(question.hint)
        card = _fit(_card(body, "\n".join(fallback_lines), actions), _summary(question.text))
        return replace(card, question_id=question.question_id)

    def answered(self, notices: Sequence[Notice]) -> RenderedCard:
        """An answered question collapsed to one line per accepted answer ("Budget: medium")."""
        body = [{"type": "TextBlock", "text": "✓ " + escape_markdown(n.text), "wrap": True,
                 "isSubtle": True, "spacing": "None" if i else "Default"}
                for i, n in enumerate(notices)]
        text = "\n".join(n.text for n in notices)
        return _fit(_card(body, text), _summary(text))

    def answer(self, answer: Answer,
               notes: Sequence[Notice | ErrorReply] = ()) -> RenderedCard:
        body = _note_blocks(notes)
        title = self._topic_title(answer.topic)
        if title:
            body.append({"type": "TextBlock", "text": escape_markdown(title),
                         "weight": "Bolder", "size": "Medium", "wrap": True})
        body += _text_blocks(answer.text)
        fallback = [*_notes_text(notes), answer.text]
        if answer.table is not None:
            body.append(self._table(answer.table))
            fallback += [" | ".join(answer.table.columns)]
            fallback += [" | ".join(row) for row in answer.table.rows]
        actions = [_submit(c.label, command_data("topic", c.value)) for c in answer.choices]
        return _fit(_card(body, "\n".join(fallback), actions), _summary(title or answer.text))

    @staticmethod
    def _table(table: Table) -> Card:
        def cell(text: str, bold: bool = False) -> Card:
            block: Card = {"type": "TextBlock", "text": escape_markdown(text), "wrap": True}
            if bold:
                block["weight"] = "Bolder"
            return {"type": "TableCell", "items": [block]}

        width = len(table.columns)
        rows = [{"type": "TableRow", "cells": [cell(c, bold=True) for c in table.columns]}]
        for row in table.rows:
            padded = (list(row) + [""] * width)[:width]
            rows.append({"type": "TableRow", "cells": [cell(v) for v in padded]})
        return {"type": "Table", "firstRowAsHeader": True,
                "columns": [{"width": 1} for _ in range(width)], "rows": rows}

    def notes(self, notes: Sequence[Notice | ErrorReply]) -> RenderedCard:
        """Notices or errors with no card to ride on."""
        text = "\n".join(_notes_text(notes))
        return _fit(_card(_note_blocks(notes), text), _summary(text))

    def recommendation(self, reply: RecommendationReply,
                       notes: Sequence[Notice | ErrorReply] = ()) -> RenderedCard:
        rec = reply.recommendation
        body = _note_blocks(notes)
        body.append({"type": "TextBlock", "text": escape_markdown(rec.title), "size": "Large",
                     "weight": "Bolder", "wrap": True})
        facts = [("Approach", self._name("approaches", rec.approach))]
        if rec.method:
            facts.append(("Method", self._name("methods", rec.method)))
        body.append(_facts(facts))
        body += _text_blocks(rec.summary)
        if rec.method_reason:
            body += _text_blocks(rec.method_reason, isSubtle=True)
        if rec.assumptions:
            body += _bullets(rec.assumptions, isSubtle=True)
        if rec.notes:
            body += _bullets(rec.notes, color="Warning")

        body.append(_heading("Costs"))
        body.append(_facts([
            ("Training", rec.costs.training),
            ("Inference", rec.costs.inference_per_1k_tokens),
            (rec.costs.monthly_label or "At 1M tokens a month",
             rec.costs.monthly or rec.costs.monthly_at_1m_tokens),
            ("Best for", rec.costs.best_for),
        ]))
        cost_lines = [x for x in (rec.costs.hosting, rec.costs.payback, rec.costs.prices_note)
                      if x]
        if cost_lines:
            body += _text_blocks("\n".join(cost_lines), isSubtle=True, size="Small")
        body.append(_heading("Data needed"))
        body.append(_facts([
            ("Minimum", rec.data_needed.minimum),
            ("Better", rec.data_needed.better),
            ("Best", rec.data_needed.best),
            ("You have", rec.data_needed.you_have),
        ]))

        body.append(_heading("Roadmap"))
        for stage in rec.roadmap:
            current = stage.current or stage.stage == rec.start_stage
            title = f"Stage {stage.stage}: {stage.title}"
            if stage.subtitle:
                title += f" ({stage.subtitle})"
            items: list[Card] = [{"type": "TextBlock", "text": escape_markdown(title),
                                  "weight": "Bolder", "wrap": True}]
            if current:
                items.append({"type": "TextBlock", "text": f"▶ {START_HERE}",
                              "color": "Good", "weight": "Bolder", "spacing": "None"})
            items += _bullets(stage.steps)
            if stage.next:
                items += _text_blocks(stage.next, isSubtle=True, size="Small")
            container: Card = {"type": "Container", "items": items, "spacing": "Small"}
            if current:
                container["style"] = "emphasis"
            body.append(container)

        if rec.reasons:
            body.append(_heading("Why"))
            body += _bullets(r.text for r in rec.reasons)
        if rec.hybrids:
            body.append(_heading("Combine with"))
            body += _bullets(self._name("hybrids", h) for h in rec.hybrids)
            if rec.hybrid_reasons:
                body += _text_blocks("\n".join(rec.hybrid_reasons), isSubtle=True)
        if rec.what_would_change:
            body.append(_heading("What would change this"))
            body += _bullets((c.text for c in rec.what_would_change), isSubtle=True)
        if rec.not_asked:
            body.append(_heading("Not asked"))
            body += _bullets((n.text for n in rec.not_asked), isSubtle=True)

        actions = [_submit("Explain", command_data("explain")),
                   _submit("Start over", command_data("restart"))]
        fallback = "\n".join([*_notes_text(notes), *self._recommendation_text(rec)])
        images = self._images(reply)
        # The cost chart ends the costs (before "Data needed"), the roadmap's picture opens
        # the roadmap. Only while the card still fits Teams' limit: the roadmap's picture
        # goes first (the card has the roadmap as text too), then the cost chart.
        places = {"cost": _heading_index(body, "Data needed"),
                  "roadmap": _heading_index(body, "Roadmap") + 1}
        for keep in (("cost", "roadmap"), ("cost",), ()):
            shown = [k for k in keep if k in images and places[k] >= 0]
            full = list(body)
            for kind in sorted(shown, key=lambda k: -places[k]):
                full.insert(places[kind], images[kind])
            card = _card(full, fallback, actions)
            if not shown or _size(card) <= CARD_BUDGET_BYTES:
                break
        return _fit(card, _summary(rec.title))

    def _recommendation_text(self, rec: Recommendation) -> list[str]:
        lines = [rec.title, rec.summary, f"Approach: {self._name('approaches', rec.approach)}"]
        if rec.method:
            lines.append(f"Method: {self._name('methods', rec.method)}")
        lines += [f"Training: {rec.costs.training}",
                  f"Inference: {rec.costs.inference_per_1k_tokens}",
                  f"Data: minimum {rec.data_needed.minimum}, best {rec.data_needed.best}; "
                  f"you have {rec.data_needed.you_have}"]
        for stage in rec.roadmap:
            marker = f" ({START_HERE})" if stage.stage == rec.start_stage else ""
            lines.append(f"Stage {stage.stage}: {stage.title}{marker}")
        lines += [f"- {r.text}" for r in rec.reasons]
        return lines

    # A turn's replies, in order. Notices and errors ride at the top of the card after them;
    # any left at the end become a card of their own.
    def render(self, replies: Sequence[Reply]) -> list[RenderedCard]:
        cards: list[RenderedCard] = []
        pending: list[Notice | ErrorReply] = []
        for reply in replies:
            if isinstance(reply, Notice | ErrorReply):
                pending.append(reply)
            elif isinstance(reply, Question):
                cards.append(self.question(reply, pending))
                pending = []
            elif isinstance(reply, Answer):
                cards.append(self.answer(reply, pending))
                pending = []
            elif isinstance(reply, RecommendationReply):
                cards.append(self.recommendation(reply, pending))
                pending = []
        if pending:
            cards.append(self.notes(pending))
        return cards


def accepted_answers(replies: Sequence[Reply]) -> tuple[list[Notice], list[Reply]]:
    """The leading notices that record accepted answers ("Budget: medium"), and the rest."""
    accepted: list[Notice] = []
    for i, reply in enumerate(replies):
        if isinstance(reply, Notice) and reply.slot is not None:
            accepted.append(reply)
        else:
            return accepted, list(replies[i:])
    return accepted, []
