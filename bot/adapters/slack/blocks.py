"""Neutral replies drawn as Slack Block Kit, with slack_sdk's block models: each from its view
(dialogs/view.py), which words every heading and label; this module only styles it.

Every message gets a plain-text `text` fallback (notifications, screen readers). Slack's limits
are kept here, never left to Slack to reject: at most 50 blocks a message, 3,000 characters a
section, 2,000 a field, 150 a header, 75 a button label, 2,000 a button value. Long text is
split over several sections; a card that would still pass 50 blocks is trimmed with a note.
All text from the core is escaped (it may echo what a person typed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from bot.adapters.slack.mrkdwn import escape, split, trim
from dialogs.bounded_cache import BoundedCache
from dialogs.recommendation import Recommendation
from dialogs.replies import Answer, ErrorReply, Notice, Question, RecommendationReply, Reply
from dialogs.view import (
    CardView,
    QuestionView,
    Section,
    StageView,
    answer_view,
    card_view,
    question_view,
)
from knowledge import default_knowledge
from knowledge.models import Knowledge

MAX_BLOCKS = 50
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
FIELDS_MAX = 10
HEADER_TEXT_MAX = 150
BUTTON_LABEL_MAX = 75
BUTTON_VALUE_MAX = 2000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
OPTIONS_MAX = 100
CONTEXT_TEXT_MAX = 3000
FALLBACK_TEXT_MAX = 3000
# More choices than this and a question gets a static select instead of a row of buttons.
BUTTONS_MAX = 5
BUTTONS_PER_ROW = 5

# Action ids: the listeners route clicks by these.
ANSWER_ACTION_PREFIX = "answer:"
ANSWER_SELECT_ACTION = "answer:select"
TOPIC_ACTION_PREFIX = "topic:"
SHARE_ACTION = "share_card"
EXPLAIN_ACTION = "explain_card"
RESTART_ACTION = "start_over"
EXPORT_ACTION = "export_record"
IMAGE_ALT_MAX = 2000
IMAGE_TITLE_MAX = 2000
# A question's own buttons beside its answers: "back" (undo the last answer) and "now".
QUESTION_COMMAND_PREFIX = "question_command:"

# The section that holds the answered questions' one-liners ("✓ Budget: medium").
ANSWERED_BLOCK_ID = "answered"
ANSWERED_MARK = "✓ "
# Beside the stage to start at, before the knowledge's "You start here".
START_HERE_MARK = "👉 "


_B = TypeVar("_B", bound="Block | dict[str, Any]")


@dataclass
class SlackMessage:
    """One Slack message: the fallback text and the blocks (plus optional message metadata)."""

    text: str
    # slack_sdk models, or their JSON already drawn (and validated) once and reused.
    blocks: Sequence[Block | dict[str, Any]]
    metadata: dict[str, Any] | None = field(default=None)

    def payload(self) -> dict[str, Any]:
        """Keyword arguments for chat.postMessage / chat.update / a response_url post."""
        blocks = [b if isinstance(b, dict) else b.to_dict() for b in self.blocks]
        data: dict[str, Any] = {"text": self.text, "blocks": blocks}
        if self.metadata is not None:
            data["metadata"] = self.metadata
        return data


# --- small builders --------------------------------------------------------------------------

def _mrkdwn(text: str) -> MarkdownTextObject:
    # verbatim: no auto-linking of channel names or mentions in text we did not mark up.
    return MarkdownTextObject(text=text, verbatim=True)


def _plain(text: str, limit: int) -> PlainTextObject:
    # Slack decodes &amp; &lt; &gt; in plain text too, so escaping shows the text as written.
    return PlainTextObject(text=trim(escape(text), limit))


def _sections(text: str, block_id: str | None = None) -> list[Block]:
    """Escaped mrkdwn text as one or more sections of at most 3,000 characters."""
    pieces = split(text, SECTION_TEXT_MAX)
    return [SectionBlock(text=_mrkdwn(piece), block_id=block_id if i == 0 else None)
            for i, piece in enumerate(pieces) if piece.strip()]


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[_mrkdwn(trim(text, CONTEXT_TEXT_MAX))])


def _bullets(lines: Iterable[str]) -> str:
    return "\n".join(f"• {escape(line)}" for line in lines if line)


def _field(label: str, value: str) -> MarkdownTextObject:
    return _mrkdwn(trim(f"*{label}*\n{escape(value)}", FIELD_TEXT_MAX))


def _button(label: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    if len(value) > BUTTON_VALUE_MAX:
        raise ValueError("button value over Slack's limit")  # our own encodings never are
    return ButtonElement(text=_plain(label, BUTTON_LABEL_MAX),
                         action_id=action_id, value=value, style=style)


def fallback_text(parts: Iterable[str]) -> str:
    """A message's plain `text`: escaped too, since Slack parses mentions in it."""
    text = "\n".join(p for p in parts if p)
    return trim(escape(text), FALLBACK_TEXT_MAX) or " "


def markup_message(mrkdwn: str, fallback: str) -> SlackMessage:
    """A message of our own markup (a channel link, say): not escaped, so never pass it
    anything a person typed."""
    return SlackMessage(text=fallback_text([fallback]),
                        blocks=[SectionBlock(text=MarkdownTextObject(text=trim(
                            mrkdwn, SECTION_TEXT_MAX)))])


def _markup(template: str, **marks: str) -> str:
    """A knowledge sentence escaped, with our own Slack markup (a mention, a channel link)
    put in its placeholders afterwards, so the markup is not escaped with it."""
    return escape(template).format(**marks)


# --- choices carried by buttons --------------------------------------------------------------

def encode_choice(question_id: str, value: str, state_version: int) -> str:
    """What an answer button carries back: the question, the value and the state version the
    card was drawn from (so the core can tell a stale click)."""
    return f"{state_version}|{question_id}|{value}"


def decode_choice(raw: str) -> tuple[str, str, int] | None:
    """(question_id, value, state_version), or None for a value we did not make."""
    parts = raw.split("|", 2)
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2], int(parts[0])


# --- one reply each --------------------------------------------------------------------------

def question_blocks(question: Question, kb: Knowledge | None = None) -> list[Block]:
    view = question_view(question, kb or default_knowledge())
    # The welcome rides on a conversation's first question; a redraw keeps it (lead blocks).
    blocks: list[Block] = _sections(escape(view.intro)) if view.intro else []
    blocks += _sections(f"*{escape(view.text)}*", block_id=f"question:{view.question_id}")
    notes = [escape(note) for note in (view.progress, view.hint) if note]
    if notes:
        blocks.append(_context(" · ".join(notes)))
    choices = view.choices
    if not choices:
        return blocks + _question_actions(view)
    if len(choices) <= BUTTONS_MAX:
        buttons = [
            _button(c.label, f"{ANSWER_ACTION_PREFIX}{i}",
                    encode_choice(view.question_id, c.value, view.state_version))
            for i, c in enumerate(choices)]
        blocks.append(ActionsBlock(block_id=f"answers:{view.question_id}", elements=buttons))
        return blocks + _question_actions(view)
    options = [
        Option(value=encode_choice(view.question_id, c.value, view.state_version),
               text=_plain(c.label, OPTION_TEXT_MAX))
        for c in choices[:OPTIONS_MAX]
        if len(encode_choice(view.question_id, c.value, view.state_version))
        <= OPTION_VALUE_MAX]
    select = StaticSelectElement(placeholder=_plain(view.choose_label, OPTION_TEXT_MAX),
                                 action_id=ANSWER_SELECT_ACTION, options=options)
    blocks.append(ActionsBlock(block_id=f"answers:{view.question_id}", elements=[select]))
    return blocks + _question_actions(view)


def _question_actions(view: QuestionView) -> list[Block]:
    if not view.commands:
        return []
    return [ActionsBlock(block_id=f"commands:{view.question_id}", elements=[
        _button(a.label, f"{QUESTION_COMMAND_PREFIX}{a.value}", str(view.state_version))
        for a in view.commands])]


def answered_block(lines: Sequence[str]) -> Block:
    """The answered questions as one section, one line each; the oldest lines give way when
    the section would pass 3,000 characters. `lines` are mrkdwn already (escaped)."""
    kept = list(lines)
    while len(kept) > 1 and len("\n".join(kept)) > SECTION_TEXT_MAX:
        kept.pop(0)
    text = trim("\n".join(kept), SECTION_TEXT_MAX)
    return SectionBlock(block_id=ANSWERED_BLOCK_ID, text=_mrkdwn(text))


def answered_line(notice: Notice) -> str:
    return ANSWERED_MARK + escape(notice.text)


def notice_blocks(notice: Notice) -> list[Block]:
    return _sections(escape(notice.text))


def error_blocks(error: ErrorReply) -> list[Block]:
    return _sections(":warning: " + escape(error.text))


def answer_blocks(answer: Answer, kb: Knowledge | None = None) -> list[Block]:
    view = answer_view(answer, kb or default_knowledge())
    text = escape(view.text)
    if view.title:
        text = f"*{escape(view.title)}*\n{text}"
    blocks = _sections(text, block_id=f"answer:{view.topic}")
    if view.table is not None and view.table.rows:
        columns = view.table.columns
        lines = []
        for row in view.table.rows:
            head, *cells = row
            described = " · ".join(
                f"_{escape(columns[i + 1])}:_ {escape(cell)}" if i + 1 < len(columns)
                else escape(cell) for i, cell in enumerate(cells))
            lines.append(f"• *{escape(head)}*" + (f" — {described}" if described else ""))
        blocks += _sections("\n".join(lines))
    if view.choices:
        buttons = [_button(c.label, f"{TOPIC_ACTION_PREFIX}{i}", c.value)
                   for i, c in enumerate(view.choices[:25])]
        for start in range(0, len(buttons), BUTTONS_PER_ROW):
            blocks.append(ActionsBlock(elements=buttons[start:start + BUTTONS_PER_ROW]))
    return blocks


def _stage_text(stage: StageView, view: CardView) -> str:
    title = f"*{escape(stage.heading)}*"
    if stage.subtitle:
        title += f" — _{escape(stage.subtitle)}_"
    if stage.current:
        title += f"   {START_HERE_MARK}*{escape(view.start_here_inline)}*"
    lines = [title, _bullets(stage.steps)]
    if stage.next:
        lines.append(f"➜ _{escape(view.next_label)}_ {escape(stage.next)}")
    return "\n".join(line for line in lines if line)


def _image(url: str, alt: str, title: str) -> ImageBlock:
    return ImageBlock(image_url=url, alt_text=trim(alt, IMAGE_ALT_MAX),
                      title=PlainTextObject(text=trim(title, IMAGE_TITLE_MAX)))


def _section_blocks(section: Section, view: CardView, pictures: Any | None) -> list[Block]:
    """One section of the card: its heading, then its facts, bullets or stages."""
    heading = f"*{escape(section.heading)}*"
    blocks: list[Block] = []
    if section.stages:
        blocks.append(DividerBlock())
        blocks += _sections(heading)
        if pictures is not None:
            blocks.append(_image(pictures.links.roadmap_png, pictures.roadmap_alt,
                                 pictures.roadmap_title))
        for stage in section.stages:
            blocks += _sections(_stage_text(stage, view),
                                block_id=f"stage:{stage.number}")
    elif section.facts:
        blocks.append(SectionBlock(text=_mrkdwn(heading), fields=[
            _field(f.label, f.value) for f in section.facts[:FIELDS_MAX]]))
    else:
        blocks += _sections(heading + "\n" + _bullets(section.bullets))
    if section.small_print:
        blocks.append(_context(escape(" ".join(section.small_print))))
    if section.id == "costs" and pictures is not None:
        blocks.append(_image(pictures.links.cost_png, pictures.cost_alt, pictures.cost_title))
        blocks.append(_context(escape(pictures.caption)))
    return blocks


def card_blocks(rec: Recommendation, kb: Knowledge | None = None, *,
                state_version: int = 0, shared_by: str | None = None,
                pictures: Any | None = None, with_images: bool = False) -> list[Block]:
    """The recommendation card. With `shared_by` (a user id) it is the channel copy: credited
    to that person, without the buttons that act on their own conversation. `pictures`
    (bot.pictures.http.CardPictures) adds the Export button and, `with_images`, the cost and
    roadmap pictures as image blocks that Slack fetches from our own signed links."""
    kb = kb or default_knowledge()
    say = kb.surfaces.labels
    view = card_view(rec, kb)
    blocks: list[Block] = [HeaderBlock(text=_plain(view.title, HEADER_TEXT_MAX))]
    if shared_by:
        blocks.append(_context(_markup(say["shared_by"], user=f"<@{escape(shared_by)}>")))
    blocks += _sections(escape(view.summary))
    blocks.append(SectionBlock(fields=[_field(f.label, f.value) for f in view.facts]))
    if view.remarks:
        blocks.append(_context(escape("\n".join(view.remarks))))
    images = pictures if pictures is not None and with_images else None
    for section in view.sections:
        blocks += _section_blocks(section, view, images)
    if view.footnote:
        blocks.append(_context(escape(view.footnote)))

    if shared_by:
        tail: Block = _context(escape(say["shared_thread"]))
    else:
        action_ids = {"card": SHARE_ACTION, "explain": EXPLAIN_ACTION, "restart": RESTART_ACTION}
        tail = ActionsBlock(block_id="card_actions", elements=[
            *(_button(a.label, action_ids[a.value], str(state_version),
                      style="primary" if a.value == "card" else None) for a in view.actions),
            *([_button(pictures.export_label, EXPORT_ACTION, pictures.links.token)]
              if pictures is not None else []),
        ])
    return fit_blocks(blocks, tail, note=say["trimmed"])


def fit_blocks(blocks: Sequence[_B], tail: Block | None = None,
               limit: int = MAX_BLOCKS, *, note: str | None = None) -> list[_B | Block]:
    """At most `limit` (50) blocks, `tail` (the buttons) always last; over that the end is cut
    and `note` (the knowledge's "trimmed") says so, rather than Slack rejecting the whole
    message."""
    room = limit - (1 if tail is not None else 0)
    fitted: list[_B | Block] = list(blocks)
    if len(fitted) > room:
        said = note if note is not None else default_knowledge().surfaces.label("trimmed")
        fitted = fitted[:room - 1] + [_context(f"_{escape(said)}_")]
    return fitted + ([tail] if tail is not None else [])


def card_fallback(rec: Recommendation) -> str:
    return fallback_text([f"{rec.title}: {rec.summary}"])


def card_pictures(reply: RecommendationReply, pictures: Any | None) -> Any | None:
    """The card's pictures and export (bot.pictures.http.CardPictures), where it has them."""
    if pictures is None or reply.answers is None:
        return None
    return pictures.card(reply.answers)


def reply_fallback(reply: Reply) -> str:
    if isinstance(reply, Question):
        # The question first: it is what a notification preview should show.
        return "\n".join(t for t in (reply.text, reply.intro) if t)
    if isinstance(reply, RecommendationReply):
        return f"{reply.recommendation.title}: {reply.recommendation.summary}"
    return reply.text


# Distinct questions whose drawing is remembered: everyone gets the same first question.
DRAWN_QUESTIONS_MAX = 1024


class SlackRenderer:
    """Draws neutral replies as Slack messages with one knowledge base and one set of
    pictures, remembering the questions it has drawn (the listeners share one, SlackDeps)."""

    def __init__(self, kb: Knowledge | None = None, pictures: Any | None = None,
                 drawn_questions: int = DRAWN_QUESTIONS_MAX) -> None:
        self.kb = kb or default_knowledge()
        self.pictures = pictures  # bot.pictures.http.Pictures
        self._questions: BoundedCache[tuple[Any, ...], tuple[dict[str, Any], ...]] = \
            BoundedCache(drawn_questions)
        # Labels as mrkdwn, escaped once: some go out with every slash command.
        self._mrkdwn = {key: escape(text) for key, text in self.kb.surfaces.labels.items()}

    def label(self, key: str) -> str:
        return self.kb.surfaces.label(key)

    def mrkdwn(self, key: str) -> str:
        """A label escaped for mrkdwn, its placeholders left to fill."""
        return self._mrkdwn[key]

    def question(self, question: Question) -> list[dict[str, Any]]:
        """question_blocks() as JSON, drawn once per distinct question: slack_sdk's validating
        to_dict() is the costly part of a reply. The key is every field's value, a Choice as
        its two strings: a cache hit hashes and compares the key twice (look-up, recency),
        which in C is cheap for strings and dear for pydantic models."""
        key = tuple(tuple((c.value, c.label) for c in v) if isinstance(v, list) else v
                    for v in question.__dict__.values())
        return list(self._questions.get_or_make(key, lambda: tuple(
            b.to_dict() for b in question_blocks(question, self.kb))))

    def card(self, reply: RecommendationReply, *, shared_by: str | None = None,
             metadata: dict[str, Any] | None = None) -> SlackMessage:
        """The card as a message of its own; its images need the pictures' public URL."""
        pictures = self.pictures
        return SlackMessage(text=card_fallback(reply.recommendation),
                            blocks=card_blocks(reply.recommendation, self.kb,
                                               state_version=reply.state_version,
                                               shared_by=shared_by,
                                               pictures=card_pictures(reply, pictures),
                                               with_images=bool(pictures is not None
                                                                and pictures.links.base_url)),
                            metadata=metadata)

    def reply_blocks(self, reply: Reply) -> Sequence[Block | dict[str, Any]]:
        if isinstance(reply, Question):
            return self.question(reply)
        if isinstance(reply, RecommendationReply):
            return self.card(reply).blocks
        if isinstance(reply, Answer):
            return answer_blocks(reply, self.kb)
        if isinstance(reply, Notice):
            return notice_blocks(reply)
        return error_blocks(reply)

    def replies(self, replies: Sequence[Reply], answered: Sequence[str] = ()
                ) -> list[SlackMessage]:
        """A turn's replies packed into as few messages as fit: accepted answers collapse into
        the one-line record at the top, and a recommendation card is always a message of its
        own (it carries the Share button and, shared, the answers as metadata). `answered`
        lines (mrkdwn, from an earlier message being redrawn) head the record."""
        messages: list[SlackMessage] = []
        lines: list[str] = list(answered)
        new_lines: list[str] = []  # this turn's accepted answers, as plain text for the fallback
        blocks: list[Block | dict[str, Any]] = []
        texts: list[str] = []
        trimmed = self.label("trimmed")

        def flush() -> None:
            nonlocal lines, new_lines, blocks, texts
            head: list[Block] = [answered_block(lines)] if lines else []
            if head or blocks:
                messages.append(SlackMessage(
                    text=fallback_text(texts or new_lines or [self.label("your_answers")]),
                    blocks=head + blocks))
            lines, new_lines, blocks, texts = [], [], [], []

        for reply in replies:
            if isinstance(reply, Notice) and reply.slot:
                lines.append(answered_line(reply))
                new_lines.append(reply.text)
                continue
            if isinstance(reply, RecommendationReply):
                flush()
                messages.append(self.card(reply))
                continue
            new = self.reply_blocks(reply)
            head = 1 if lines else 0
            if blocks and len(blocks) + len(new) + head > MAX_BLOCKS:
                flush()
                head = 0
            blocks += fit_blocks(new, limit=MAX_BLOCKS - head - len(blocks), note=trimmed)
            texts.append(reply_fallback(reply))
        flush()
        return messages

    def in_place(self, lines: Sequence[str], question: Question | None,
                 more_below: bool = False, lead: Sequence[Block] = ()) -> SlackMessage:
        """The clicked question's message redrawn: what led it (`lead`, e.g. the welcome), the
        record of answers (`lines`, mrkdwn) and the next question, or a pointer to what
        follows when there is no next question."""
        blocks: list[Block | dict[str, Any]] = list(lead)
        blocks += [answered_block(lines)] if lines else []
        if question is not None:
            blocks += self.question(question)
            text = fallback_text([question.text])
        else:
            if more_below:
                blocks.append(_context(self.mrkdwn("answers_done")))
            text = fallback_text([self.label("answers_in")])
        return SlackMessage(text=text, blocks=fit_blocks(blocks, note=self.label("trimmed")))

    def text(self, text: str) -> SlackMessage:
        """A sentence as a message of its own, escaped."""
        return SlackMessage(text=fallback_text([text]), blocks=notice_blocks(Notice(text=text)))


def lead_blocks_of(blocks: Sequence[Mapping[str, Any]]) -> list[Block]:
    """The blocks an earlier message shows above its record and question (a welcome, a
    notice), rebuilt as models so a redraw keeps them."""
    lead: list[Block] = []
    for raw in blocks:
        block_id = str(raw.get("block_id") or "")
        if block_id == ANSWERED_BLOCK_ID or block_id.startswith("question:"):
            break
        block = Block.parse(dict(raw))
        if block is None:
            break
        lead.append(block)
    return lead


def answered_lines_of(blocks: Sequence[Mapping[str, Any]]) -> list[str]:
    """The one-line record of an earlier message (its blocks as Slack sends them back)."""
    for block in blocks:
        if block.get("block_id") == ANSWERED_BLOCK_ID:
            text = (block.get("text") or {}).get("text") or ""
            return [line for line in text.split("\n") if line]
    return []
