"""The card's Export button: the decision record posted to the person's DM with the app as a
Markdown file (files.uploadV2's three calls), or as code-block messages where the workspace
refuses files (the app lacks files:write, say)."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackRequestError
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.blocks import SECTION_TEXT_MAX, SlackMessage, fallback_text
from bot.adapters.slack.delivery import SlackDeps, answer_or_refusal, call, post_quietly
from bot.adapters.slack.mrkdwn import escape
from bot.logging_setup import log_failure
from bot.pictures.links import LinkRefused
from dialogs.engine import decide

log = logging.getLogger(__name__)

CODE_FENCE = "```"


def _section(mrkdwn: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=mrkdwn, verbatim=True))


def record_messages(record: str, comment: str) -> list[SlackMessage]:
    """The record as code blocks (shown as written, nothing formatted), split on line ends
    so that each fits in one section. Escaped for Slack (&, <, >) before it is measured."""
    room = SECTION_TEXT_MAX - 2 * len(CODE_FENCE) - 2
    chunks: list[str] = []
    current = ""
    # Code blocks keep the Markdown literal; only ``` could end one early.
    for line in escape(record.replace(CODE_FENCE, "'''")).splitlines(keepends=True):
        while len(current) + len(line) > room:
            if current:
                chunks.append(current)
                current = ""
            else:  # one line longer than a section: cut it
                chunks.append(line[:room])
                line = line[room:]
        current += line
    if current:
        chunks.append(current)
    messages: list[SlackMessage] = []
    for i, chunk in enumerate(chunks):
        blocks = [_section(escape(comment))] if i == 0 else []
        body = chunk.rstrip("\n")
        blocks.append(_section(f"{CODE_FENCE}\n{body}\n{CODE_FENCE}"))
        messages.append(SlackMessage(text=fallback_text([comment]), blocks=blocks))
    return messages


async def export_record(client: AsyncWebClient, deps: SlackDeps, user: str, token: str,
                        clicked_in: str | None) -> str | None:
    """Post the record of the card whose Export button carried `token` to `user`'s DM.
    Returns what to tell the person privately (where they clicked), if anything."""
    pictures = deps.pictures
    if pictures is None:
        return None
    kb = pictures.kb
    try:
        answers = pictures.links.answers(token)
    except LinkRefused:
        return str(kb.pictures.label("export_expired"))
    record = pictures.record(answers)
    title = decide(answers, pictures.maker.compiled).title
    comment = kb.pictures.label("export_comment", title=title)
    filename = kb.pictures.label("export_filename")
    opened = await call(client, "conversations.open", {"users": user}, "form")
    if opened is None:
        return str(kb.message("internal_error"))
    channel = str((opened.get("channel") or {}).get("id") or "")
    try:
        uploaded = await answer_or_refusal("files.uploadV2", client.files_upload_v2(
            channel=channel, content=record, filename=filename, title=filename,
            initial_comment=comment))
    except SlackRequestError as error:  # the file's own upload failed (not the Web API)
        log_failure(log, "Slack file upload failed", error, expected=True)
        uploaded = None
    # No files:write, or files off in this workspace: the record as messages instead.
    if uploaded is None and not await post_quietly(client, channel,
                                                   record_messages(record, comment)):
        return str(kb.message("internal_error"))
    # Clicked in a channel: say where the record went. In the DM itself it is right there.
    return None if clicked_in == channel else str(kb.pictures.label("export_sent"))
