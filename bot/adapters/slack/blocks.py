"""Neutral replies drawn as Slack Block Kit, with slack_sdk's block models.

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
from dialogs.recommendation import Recommendation
from dialogs.replies import Answer, ErrorReply, Notice, Question, RecommendationReply, Reply
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
START_HERE = "👉 *You start here*"


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


def display_name(kind: str, value: str, kb: Knowledge | None) -> str:
    """The knowledge base's name for an approach, method or hybrid id."""
    if kb is not None:
        catalogs: dict[str, Mapping[Any, Any]] = {
            "approach": kb.approaches, "method": kb.methods, "hybrid": kb.hybrids}
        info = catalogs[kind].get(value)
        if info is not None:
            return str(info.name)
    return value.replace("_", " ").capitalize()


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

def question_blocks(question: Question) -> list[Block]:
    # The welcome rides on a conversation's first question; a redraw keeps it (lead blocks).
    blocks: list[Block] = _sections(escape(question.intro)) if question.intro else []
    blocks += _sections(f"*{escape(question.text)}*",
                        block_id=f"question:{question.question_id}")
    notes: list[str] = []
    if question.progress:
        notes.append(escape(question.progress))
    elif question.step is not None and question.total_steps is not None:
        notes.append(f"Question {question.step} of {question.total_steps}")
    if question.hint:
        notes.append(escape(question.hint))
    if notes:
        blocks.append(_context(" · ".join(notes)))
    choices = question.choices
    if not choices:
        return blocks + _question_actions(question)
    if len(choices) <= BUTTONS_MAX:
        buttons = [
            _button(c.label, f"{ANSWER_ACTION_PREFIX}{i}",
                    encode_choice(question.question_id, c.value, question.state_version))
            for i, c in enumerate(choices)]
        blocks.append(ActionsBlock(block_id=f"answers:{question.question_id}", elements=buttons))
        return blocks + _question_actions(question)
    options = [
        Option(value=encode_choice(question.question_id, c.value, question.state_version),
               text=_plain(c.label, OPTION_TEXT_MAX))
        for c in choices[:OPTIONS_MAX]
        if len(encode_choice(question.question_id, c.value, question.state_version))
        <= OPTION_VALUE_MAX]
    select = StaticSelectElement(placeholder=PlainTextObject(text="Choose an answer"),
                                 action_id=ANSWER_SELECT_ACTION, options=options)
    blocks.append(ActionsBlock(block_id=f"answers:{question.question_id}", elements=[select]))
    return blocks + _question_actions(question)


def _question_actions(question: Question) -> list[Block]:
    if not question.actions:
        return []
    return [ActionsBlock(block_id=f"commands:{question.question_id}", elements=[
        _button(a.label, f"{QUESTION_COMMAND_PREFIX}{a.value}", str(question.state_version))
        for a in question.actions])]


_DRAWN_QUESTIONS: dict[tuple[Any, ...], tuple[dict[str, Any], ...]] = {}
_DRAWN_QUESTIONS_MAX = 1024


def drawn_question(question: Question) -> list[dict[str, Any]]:
    """question_blocks() as JSON, drawn once per distinct question: everyone gets the same
    first question, and slack_sdk's validating to_dict() is the costly part of a reply. The
    key is every field's value (Choices are frozen, so hashable), cheaper than its JSON."""
    key = tuple(tuple(v) if isinstance(v, list) else v for v in question.__dict__.values())
    drawn = _DRAWN_QUESTIONS.get(key)
    if drawn is None:
        if len(_DRAWN_QUESTIONS) >= _DRAWN_QUESTIONS_MAX:
            _DRAWN_QUESTIONS.clear()
        drawn = _DRAWN_QUESTIONS[key] = tuple(b.to_dict() for b in question_blocks(question))
    return list(drawn)


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


def answer_blocks(answer: Answer) -> list[Block]:
    blocks = _sections(escape(answer.text), block_id=f"answer:{answer.topic}")
    if answer.table is not None and answer.table.rows:
        columns = answer.table.columns
        lines = []
        for row in answer.table.rows:
            head, *cells = row
            described = " · ".join(
                f"_{escape(columns[i + 1])}:_ {escape(cell)}" if i + 1 < len(columns)
                else escape(cell) for i, cell in enumerate(cells))
            lines.append(f"• *{escape(head)}*" + (f" — {described}" if described else ""))
        blocks += _sections("\n".join(lines))
    if answer.choices:
        buttons = [_button(c.label, f"{TOPIC_ACTION_PREFIX}{i}", c.value)
                   for i, c in enumerate(answer.choices[:25])]
        for start in range(0, len(buttons), BUTTONS_PER_ROW):
            blocks.append(ActionsBlock(elements=buttons[start:start + BUTTONS_PER_ROW]))
    return blocks


def _stage_text(stage: Any) -> str:
    title = f"*Stage {stage.stage}: {escape(stage.title)}*"
    if stage.subtitle:
        title += f" — _{escape(stage.subtitle)}_"
    if stage.current:
        title += f"   {START_HERE}"
    lines = [title, _bullets(stage.steps)]
    if stage.next:
        lines.append(f"➜ _Next:_ {escape(stage.next)}")
    return "\n".join(line for line in lines if line)


def _image(url: str, alt: str, title: str) -> ImageBlock:
    return ImageBlock(image_url=url, alt_text=trim(alt, IMAGE_ALT_MAX),
                      title=PlainTextObject(text=trim(title, IMAGE_TITLE_MAX)))


def card_blocks(rec: Recommendation, kb: Knowledge | None = None, *,
                state_version: int = 0, shared_by: str | None = None,
                pictures: Any | None = None, with_images: bool = False) -> list[Block]:
    """The recommendation card. With `shared_by` (a user id) it is the channel copy: credited
    to that person, without the buttons that act on their own conversation. `pictures`
    (bot.pictures.http.CardPictures) adds the Export button and, `with_images`, the cost and
    roadmap pictures as image blocks that Slack fetches from our own signed links."""
    blocks: list[Block] = [HeaderBlock(text=_plain(rec.title, HEADER_TEXT_MAX))]
    if shared_by:
        blocks.append(_context(f"Shared by <@{escape(shared_by)}>"))
    blocks += _sections(escape(rec.summary))

    headline = [_field("Approach", display_name("approach", rec.approach, kb))]
    if rec.method:
        headline.append(_field("Method", display_name("method", rec.method, kb)))
    stage = next((s for s in rec.roadmap if s.stage == rec.start_stage), None)
    if stage is not None:
        headline.append(_field("Start at", f"Stage {stage.stage}: {stage.title}"))
    if rec.hybrids:
        headline.append(_field("Combine with", ", ".join(
            display_name("hybrid", h, kb) for h in rec.hybrids)))
    blocks.append(SectionBlock(fields=headline))
    if rec.method_reason:
        blocks.append(_context(escape(rec.method_reason)))
    if rec.assumptions:
        blocks.append(_context(escape(" ".join(rec.assumptions))))

    why = [r.text for r in rec.reasons if r.text]
    if why:
        blocks += _sections("*Why*\n" + _bullets(why))
    if rec.hybrid_reasons:
        blocks += _sections("*Combine with*\n" + _bullets(rec.hybrid_reasons))

    costs = rec.costs
    blocks.append(SectionBlock(text=_mrkdwn("*Costs*"), fields=[
        _field("Training", costs.training),
        _field("Inference", costs.inference_per_1k_tokens),
        _field(costs.monthly_label or "A month at 1M tokens",
               costs.monthly or costs.monthly_at_1m_tokens),
        _field("Best for", costs.best_for)]))
    cost_lines = [x for x in (costs.hosting, costs.payback, costs.prices_note) if x]
    if cost_lines:
        blocks.append(_context(escape(" ".join(cost_lines))))
    data = rec.data_needed
    blocks.append(SectionBlock(text=_mrkdwn("*Data needed*"), fields=[
        _field("Minimum", data.minimum), _field("Better", data.better),
        _field("Best", data.best), _field("You have", data.you_have)]))
    if pictures is not None and with_images:
        blocks.append(_image(pictures.links.cost_png, pictures.cost_alt, pictures.cost_title))
        blocks.append(_context(escape(pictures.caption)))

    if rec.roadmap:
        blocks.append(DividerBlock())
        blocks += _sections("*Roadmap*")
        if pictures is not None and with_images:
            blocks.append(_image(pictures.links.roadmap_png, pictures.roadmap_alt,
                                 pictures.roadmap_title))
        for roadmap_stage in rec.roadmap:
            blocks += _sections(_stage_text(roadmap_stage),
                                block_id=f"stage:{roadmap_stage.stage}")
    if rec.notes:
        blocks += _sections("*Note*\n" + _bullets(rec.notes))
    if rec.why_not:
        blocks += _sections("*Why not the others*\n" + _bullets(rec.why_not))
    if rec.what_would_change:
        blocks += _sections("*What would change this*\n"
                            + _bullets([c.text for c in rec.what_would_change]))
    if rec.not_asked:
        blocks += _sections("*Not asked*\n" + _bullets([n.text for n in rec.not_asked]))
    elif rec.unknown:  # not_asked, where the dialog filled it, already names each of these
        blocks.append(_context(escape(
            "Not answered yet (answering may change the advice): "
            + ", ".join(s.replace("_", " ") for s in rec.unknown))))

    if shared_by:
        tail: Block = _context("Reply in this thread to ask about this recommendation.")
    else:
        tail = ActionsBlock(block_id="card_actions", elements=[
            _button("Share in channel", SHARE_ACTION, str(state_version), style="primary"),
            _button("Explain", EXPLAIN_ACTION, str(state_version)),
            _button("Start over", RESTART_ACTION, str(state_version)),
            *([_button(pictures.export_label, EXPORT_ACTION, pictures.links.token)]
              if pictures is not None else []),
        ])
    return fit_blocks(blocks, tail)


def fit_blocks(blocks: Sequence[_B], tail: Block | None = None,
               limit: int = MAX_BLOCKS) -> list[_B | Block]:
    """At most `limit` (50) blocks, `tail` (the buttons) always last; over that the end is cut
    and a note says so, rather than Slack rejecting the whole message."""
    room = limit - (1 if tail is not None else 0)
    fitted: list[_B | Block] = list(blocks)
    if len(fitted) > room:
        fitted = fitted[:room - 1] + [
            _context("_Trimmed to fit in Slack: ask “explain” for the full reasoning._")]
    return fitted + ([tail] if tail is not None else [])


def card_fallback(rec: Recommendation) -> str:
    return fallback_text([f"{rec.title}: {rec.summary}"])


def card_pictures(reply: RecommendationReply, pictures: Any | None) -> Any | None:
    """The card's pictures and export (bot.pictures.http.CardPictures), where it has them."""
    if pictures is None or reply.answers is None:
        return None
    return pictures.card(reply.answers)


def card_message(reply: RecommendationReply, kb: Knowledge | None = None, *,
                 shared_by: str | None = None,
                 metadata: dict[str, Any] | None = None,
                 pictures: Any | None = None) -> SlackMessage:
    """`pictures`: bot.pictures.http.Pictures; its links need a public URL for the images."""
    return SlackMessage(text=card_fallback(reply.recommendation),
                        blocks=card_blocks(reply.recommendation, kb,
                                           state_version=reply.state_version,
                                           shared_by=shared_by,
                                           pictures=card_pictures(reply, pictures),
                                           with_images=bool(pictures is not None
                                                            and pictures.links.base_url)),
                        metadata=metadata)


def reply_blocks(reply: Reply, kb: Knowledge | None = None,
                 pictures: Any | None = None) -> Sequence[Block | dict[str, Any]]:
    if isinstance(reply, Question):
        return list(drawn_question(reply))
    if isinstance(reply, RecommendationReply):
        return card_message(reply, kb, pictures=pictures).blocks
    if isinstance(reply, Answer):
        return answer_blocks(reply)
    if isinstance(reply, Notice):
        return notice_blocks(reply)
    return error_blocks(reply)


def reply_fallback(reply: Reply) -> str:
    if isinstance(reply, Question):
        # The question first: it is what a notification preview should show.
        return "\n".join(t for t in (reply.text, reply.intro) if t)
    if isinstance(reply, RecommendationReply):
        return f"{reply.recommendation.title}: {reply.recommendation.summary}"
    return reply.text


# --- a turn's replies as messages ------------------------------------------------------------

def render_replies(replies: Sequence[Reply], kb: Knowledge | None = None,
                   answered: Sequence[str] = (), pictures: Any | None = None
                   ) -> list[SlackMessage]:
    """A turn's replies packed into as few messages as fit: accepted answers collapse into the
    one-line record at the top, and a recommendation card is always a message of its own (it
    carries the Share button and, shared, the answers as metadata). `answered` lines (mrkdwn,
    from an earlier message being redrawn) head the record."""
    messages: list[SlackMessage] = []
    lines: list[str] = list(answered)
    new_lines: list[str] = []  # this turn's accepted answers, as plain text for the fallback
    blocks: list[Block | dict[str, Any]] = []
    texts: list[str] = []

    def flush() -> None:
        nonlocal lines, new_lines, blocks, texts
        head: list[Block] = [answered_block(lines)] if lines else []
        if head or blocks:
            messages.append(SlackMessage(text=fallback_text(texts or new_lines or ["Your answers"]),
                                         blocks=head + blocks))
        lines, new_lines, blocks, texts = [], [], [], []

    for reply in replies:
        if isinstance(reply, Notice) and reply.slot:
            lines.append(answered_line(reply))
            new_lines.append(reply.text)
            continue
        if isinstance(reply, RecommendationReply):
            flush()
            messages.append(card_message(reply, kb, pictures=pictures))
            continue
        new = reply_blocks(reply, kb, pictures)
        head = 1 if lines else 0
        if blocks and len(blocks) + len(new) + head > MAX_BLOCKS:
            flush()
            head = 0
        blocks += fit_blocks(new, limit=MAX_BLOCKS - head - len(blocks))
        texts.append(reply_fallback(reply))
    flush()
    return messages


def in_place_message(lines: Sequence[str], question: Question | None,
                     more_below: bool = False,
                     lead: Sequence[Block] = ()) -> SlackMessage:
    """The clicked question's message redrawn: what led it (`lead`, e.g. the welcome), the
    record of answers (`lines`, mrkdwn) and the next question, or a pointer to what follows
    when there is no next question."""
    blocks: list[Block | dict[str, Any]] = list(lead)
    blocks += [answered_block(lines)] if lines else []
    if question is not None:
        blocks += drawn_question(question)
        text = fallback_text([question.text])
    else:
        if more_below:
            blocks.append(_context("Thanks, that's everything I need: see below."))
        text = fallback_text(["Your answers are in."])
    return SlackMessage(text=text, blocks=fit_blocks(blocks))


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
