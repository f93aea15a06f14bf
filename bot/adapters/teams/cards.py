"""Neutral replies drawn as Adaptive Cards (schema 1.5, what Teams renders): each from its view
(dialogs/view.py), which words every heading and label; this module only styles it.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity

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
from dialogs.view import CardView, Section, answer_view, card_view, question_view
from knowledge import default_knowledge
from knowledge.models import Knowledge

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
# Teams refuses a message over 28 KB; the card gets this much, the rest is for the activity
# envelope (ids, conversation, service URL, summary) added around it.
MESSAGE_LIMIT_BYTES = 28 * 1024
CARD_BUDGET_BYTES = MESSAGE_LIMIT_BYTES - 3 * 1024
SUMMARY_CHARS = 120
# Beside the stage to start at, before the knowledge's "You start here".
START_HERE_MARK = "▶ "

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
        self._kb = kb or default_knowledge()
        self._say = self._kb.surfaces.label
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

    def _message(self, key: str) -> str:
        return self._kb.message(key)

    def command_label(self, command: str) -> str:
        """The label of a question's own button (Back, "Just tell me now")."""
        return self._message(f"action_{command}")

    # Welcome, shown when the bot is added to a chat, team or group.
    def welcome(self) -> RenderedCard:
        say = self._say
        text = self._message("greeting")
        body = [{"type": "TextBlock", "text": escape_markdown(say("welcome_title")),
                 "size": "Large", "weight": "Bolder", "wrap": True}, *_text_blocks(text)]
        fallback = text + "\n" + say("welcome_fallback")
        actions = [_submit(say("start"), command_data("start")),
                   _submit(say("help"), command_data("help"))]
        return _fit(_card(body, fallback, actions), _summary(text))

    def question(self, question: Question,
                 notes: Sequence[Notice | ErrorReply] = ()) -> RenderedCard:
        view = question_view(question, self._kb)
        body = _note_blocks(notes)
        if view.intro:
            body += _text_blocks(view.intro)
        if view.progress:
            body.append({"type": "TextBlock", "isSubtle": True, "size": "Small", "wrap": True,
                         "text": escape_markdown(view.progress)})
        body.append({"type": "TextBlock", "text": escape_markdown(view.text),
                     "weight": "Bolder", "size": "Medium", "wrap": True})
        if view.hint:
            body += _text_blocks(view.hint, isSubtle=True, size="Small")
        actions = [_submit(c.label, choice_data(question, c)) for c in question.choices]
        # Back and "just tell me now", beside the answers.
        actions += [_submit(a.label, command_data(a.value)) for a in view.commands]
        fallback_lines = [*_notes_text(notes), *([view.intro] if view.intro else []),
                          view.text]
        fallback_lines += [f"{i}. {c.label}" for i, c in enumerate(view.choices, start=1)]
        if view.hint:
            fallback_lines.append(view.hint)
        card = _fit(_card(body, "\n".join(fallback_lines), actions), _summary(view.text))
        return replace(card, question_id=view.question_id)

    def answered(self, notices: Sequence[Notice]) -> RenderedCard:
        """An answered question collapsed to one line per accepted answer ("Budget: medium")."""
        body = [{"type": "TextBlock", "text": "✓ " + escape_markdown(n.text), "wrap": True,
                 "isSubtle": True, "spacing": "None" if i else "Default"}
                for i, n in enumerate(notices)]
        text = "\n".join(n.text for n in notices)
        return _fit(_card(body, text), _summary(text))

    def answer(self, answer: Answer,
               notes: Sequence[Notice | ErrorReply] = ()) -> RenderedCard:
        view = answer_view(answer, self._kb)
        body = _note_blocks(notes)
        if view.title:
            body.append({"type": "TextBlock", "text": escape_markdown(view.title),
                         "weight": "Bolder", "size": "Medium", "wrap": True})
        body += _text_blocks(view.text)
        fallback = [*_notes_text(notes), view.text]
        if view.table is not None:
            body.append(self._table(view.table))
            fallback += [" | ".join(view.table.columns)]
            fallback += [" | ".join(row) for row in view.table.rows]
        actions = [_submit(c.label, command_data("topic", c.value)) for c in view.choices]
        return _fit(_card(body, "\n".join(fallback), actions),
                    _summary(view.title or view.text))

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
        view = card_view(reply.recommendation, self._kb)
        body = _note_blocks(notes)
        body.append({"type": "TextBlock", "text": escape_markdown(view.title), "size": "Large",
                     "weight": "Bolder", "wrap": True})
        body.append(_facts([(f.label, f.value) for f in view.facts]))
        body += _text_blocks(view.summary)
        for remark in view.remarks:
            body += _text_blocks(remark, isSubtle=True)
        # Where the pictures go: the cost chart ends the costs, the roadmap's opens the roadmap.
        places: dict[str, int] = {}
        for section in view.sections:
            body.append(_heading(section.heading))
            if section.id == "roadmap":
                places["roadmap"] = len(body)
            body += self._section_body(section, view)
            if section.id == "costs":
                places["cost"] = len(body)
        if view.footnote:
            body += _text_blocks(view.footnote, isSubtle=True, size="Small")

        actions = [_submit(a.label, command_data(a.value)) for a in view.actions
                   if a.value in ("explain", "restart")]
        fallback = "\n".join([*_notes_text(notes), *_card_text(view)])
        images = self._images(reply)
        # Only while the card still fits Teams' limit: the roadmap's picture goes first (the
        # card has the roadmap as text too), then the cost chart.
        for keep in (("cost", "roadmap"), ("cost",), ()):
            shown = [k for k in keep if k in images and k in places]
            full = list(body)
            for kind in sorted(shown, key=lambda k: -places[k]):
                full.insert(places[kind], images[kind])
            card = _card(full, fallback, actions)
            if not shown or _size(card) <= CARD_BUDGET_BYTES:
                break
        return _fit(card, _summary(view.title))

    @staticmethod
    def _section_body(section: Section, view: CardView) -> list[Card]:
        body: list[Card] = []
        if section.facts:
            body.append(_facts([(f.label, f.value) for f in section.facts]))
        # Notes are warnings; the rest of the bullets after the card's reasons, quieter.
        props: dict[str, Any] = ({"color": "Warning"} if section.id == "notes" else
                                 {} if section.id in ("why", "combine_with") else
                                 {"isSubtle": True})
        body += _bullets(section.bullets, **props)
        if section.small_print:
            body += _text_blocks("\n".join(section.small_print), isSubtle=True, size="Small")
        for stage in section.stages:
            title = stage.heading + (f" ({stage.subtitle})" if stage.subtitle else "")
            items: list[Card] = [{"type": "TextBlock", "text": escape_markdown(title),
                                  "weight": "Bolder", "wrap": True}]
            if stage.current:
                items.append({"type": "TextBlock",
                              "text": f"{START_HERE_MARK}{escape_markdown(view.start_here)}",
                              "color": "Good", "weight": "Bolder", "spacing": "None"})
            items += _bullets(stage.steps)
            if stage.next:
                items += _text_blocks(f"{view.next_label} {stage.next}", isSubtle=True,
                                      size="Small")
            container: Card = {"type": "Container", "items": items, "spacing": "Small"}
            if stage.current:
                container["style"] = "emphasis"
            body.append(container)
        return body

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


def _card_text(view: CardView) -> list[str]:
    """The card as plain lines, for clients without cards: its headline and the roadmap. Short,
    since it travels inside the card and counts against Teams' limit."""
    lines = [view.title, view.summary, *(f"{f.label}: {f.value}" for f in view.facts)]
    for section in view.sections:
        lines += [stage.heading + (f" ({view.start_here_inline})" if stage.current else "")
                  for stage in section.stages]
    return lines


def accepted_answers(replies: Sequence[Reply]) -> tuple[list[Notice], list[Reply]]:
    """The leading notices that record accepted answers ("Budget: medium"), and the rest."""
    accepted: list[Notice] = []
    for i, reply in enumerate(replies):
        if isinstance(reply, Notice) and reply.slot is not None:
            accepted.append(reply)
        else:
            return accepted, list(replies[i:])
    return accepted, []
