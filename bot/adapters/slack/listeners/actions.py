"""Button and menu clicks: answers, Share in channel, Explain, Start over, follow-up topics.

An accepted answer redraws the clicked message in place: the question collapses into its
one-line record and the next question appears, so the DM reads as a clean record. A click the
core did not accept (an out-of-date card, a double click that lost the race, the store down)
leaves the message alone and tells the person alone why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.blocks import (
    ANSWER_ACTION_PREFIX,
    ANSWERED_MARK,
    EXPLAIN_ACTION,
    EXPORT_ACTION,
    QUESTION_COMMAND_PREFIX,
    RESTART_ACTION,
    SHARE_ACTION,
    TOPIC_ACTION_PREFIX,
    SlackMessage,
    answered_line,
    answered_lines_of,
    decode_choice,
    lead_blocks_of,
    markup_message,
)
from bot.adapters.slack.delivery import (
    Respond,
    SlackDeps,
    post,
    post_ephemeral,
    post_quietly,
    respond_all,
    update,
)
from bot.adapters.slack.export import export_record
from bot.adapters.slack.keys import click_event_id, conversation_key
from bot.adapters.slack.mrkdwn import escape
from bot.adapters.slack.sharing import card_metadata
from bot.turns import TurnResult
from dialogs.events import Event
from dialogs.replies import Notice, Question, RecommendationReply, Reply

CHANNEL_ID = re.compile(r"[A-Z0-9]{2,32}")


@dataclass(frozen=True)
class Click:
    conversation: str
    user: str
    channel: str | None
    message_ts: str | None
    thread_ts: str | None
    ephemeral: bool
    event_id: str
    old_blocks: list[dict[str, Any]]


def read_click(body: dict[str, Any], action: dict[str, Any]) -> Click:
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id") or ""
    container = body.get("container") or {}
    message = body.get("message") or {}
    message_ts = container.get("message_ts") or message.get("ts")
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    return Click(
        conversation=conversation_key(team, user["id"]),
        user=user["id"],
        channel=channel,
        message_ts=message_ts,
        thread_ts=message.get("thread_ts"),
        ephemeral=bool(container.get("is_ephemeral")),
        event_id=click_event_id(str(action.get("action_ts") or ""), user["id"],
                                str(action.get("action_id") or ""), str(message_ts or "")),
        old_blocks=list(message.get("blocks") or []),
    )


async def tell_privately(click: Click, client: AsyncWebClient, respond: Respond,
                         messages: list[SlackMessage]) -> None:
    """Visible to the person alone: through the response_url, else chat.postEphemeral."""
    if not messages:
        return
    if not await respond_all(respond, messages) and click.channel:
        await post_ephemeral(client, click.channel, click.user, messages)


async def reply_near(click: Click, client: AsyncWebClient, respond: Respond,
                     messages: list[SlackMessage]) -> None:
    """New messages where the click happened: below it (in its thread, if any), or privately
    when the clicked message was itself private."""
    if not messages:
        return
    if click.ephemeral or not click.channel:
        await tell_privately(click, client, respond, messages)
    else:
        await post_quietly(client, click.channel, messages, thread_ts=click.thread_ts)


async def _answer(click: Click, replies: list[Reply], deps: SlackDeps, client: AsyncWebClient,
                  respond: Respond) -> None:
    accepted = [r for r in replies if isinstance(r, Notice) and r.slot]
    if not accepted:
        await tell_privately(click, client, respond,
                             deps.renderer.replies(replies))
        return
    question = next((r for r in replies if isinstance(r, Question)), None)
    rest = [r for r in replies if r not in accepted and r is not question]
    lines = answered_lines_of(click.old_blocks) + [answered_line(n) for n in accepted]
    redrawn = deps.renderer.in_place(lines, question, more_below=bool(rest),
                               lead=lead_blocks_of(click.old_blocks))
    if click.ephemeral:
        done = await respond_all(respond, [redrawn], replace_original=True)
    else:
        done = bool(click.channel and click.message_ts) and await update(
            client, click.channel or "", click.message_ts or "", redrawn)
        if done and click.channel and click.message_ts:
            # The next question is in this message now: a typed answer collapses it.
            deps.open_questions.remember(click.channel, click.message_ts, redrawn)
    if not done:  # could not redraw: say it as a new message instead
        rest = replies
    await reply_near(click, client, respond,
                     deps.renderer.replies(rest))


async def _share(click: Click, result: TurnResult, deps: SlackDeps, client: AsyncWebClient,
                 respond: Respond) -> None:
    card = next((r for r in result.replies if isinstance(r, RecommendationReply)), None)
    # No card: no recommendation yet, or the store is down, and the core's replies say which.
    # A card only comes with an applied turn, which always carries its state.
    state = result.state
    if card is None or state is None:
        await tell_privately(click, client, respond, deps.renderer.replies(result.replies))
        return
    say = deps.renderer.label
    channel = state.surface.get("channel")
    if not channel or not CHANNEL_ID.fullmatch(channel):
        await tell_privately(click, client, respond, [deps.renderer.text(say("share_no_channel"))])
        return
    message = deps.renderer.card(card, shared_by=click.user,
                                 metadata=card_metadata(state.slots.answered(), click.user))
    if await post(client, channel, [message]) is None:
        await tell_privately(click, client, respond, [markup_message(
            deps.renderer.mrkdwn("share_cannot_post").format(channel=f"<#{channel}>"),
            say("share_cannot_post_short"))])
        return
    await tell_privately(click, client, respond, [markup_message(
        deps.renderer.mrkdwn("shared").format(channel=f"<#{channel}>"), say("shared_short"))])


def register(app: AsyncApp, deps: SlackDeps) -> None:
    @app.action(re.compile("^" + re.escape(ANSWER_ACTION_PREFIX)))
    async def on_answer(ack: Any, body: dict[str, Any], action: dict[str, Any],
                        client: AsyncWebClient, respond: Respond) -> None:
        await ack()
        raw = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
        decoded = decode_choice(raw)
        if decoded is None:
            return
        question_id, value, state_version = decoded
        click = read_click(body, action)
        result = await deps.runner.handle(Event.choice(
            click.conversation, question_id, value, state_version=state_version,
            event_id=click.event_id))
        if not result.duplicate:
            await _answer(click, result.replies, deps, client, respond)

    @app.action(SHARE_ACTION)
    async def on_share(ack: Any, body: dict[str, Any], action: dict[str, Any],
                       client: AsyncWebClient, respond: Respond) -> None:
        await ack()
        click = read_click(body, action)
        result = await deps.runner.handle(Event.cmd(click.conversation, "card",
                                                    event_id=click.event_id))
        if not result.duplicate:
            await _share(click, result, deps, client, respond)

    async def run_command(body: dict[str, Any], action: dict[str, Any],
                          client: AsyncWebClient, respond: Respond, command: Any,
                          value: str | None = None) -> None:
        click = read_click(body, action)
        result = await deps.runner.handle(Event.cmd(click.conversation, command, value,
                                                    event_id=click.event_id))
        if not result.duplicate:
            await reply_near(click, client, respond,
                             deps.renderer.replies(result.replies))

    @app.action(EXPLAIN_ACTION)
    async def on_explain(ack: Any, body: dict[str, Any], action: dict[str, Any],
                         client: AsyncWebClient, respond: Respond) -> None:
        await ack()
        await run_command(body, action, client, respond, "explain")

    @app.action(RESTART_ACTION)
    async def on_restart(ack: Any, body: dict[str, Any], action: dict[str, Any],
                         client: AsyncWebClient, respond: Respond) -> None:
        await ack()
        await run_command(body, action, client, respond, "restart")

    @app.action(EXPORT_ACTION)
    async def on_export(ack: Any, body: dict[str, Any], action: dict[str, Any],
                        client: AsyncWebClient, respond: Respond) -> None:
        await ack()
        click = read_click(body, action)
        told = await export_record(client, deps, click.user, str(action.get("value") or ""),
                                   click.channel)
        if told:
            await tell_privately(click, client, respond, [deps.renderer.text(told)])

    @app.action(re.compile("^" + re.escape(QUESTION_COMMAND_PREFIX)))
    async def on_question_command(ack: Any, body: dict[str, Any], action: dict[str, Any],
                                  client: AsyncWebClient, respond: Respond) -> None:
        """Back or "just tell me now", pressed on a question: the question's message keeps its
        record and loses its buttons (one line says what was pressed); the replies follow."""
        await ack()
        command = str(action.get("action_id") or "").removeprefix(QUESTION_COMMAND_PREFIX)
        if command not in ("back", "now"):
            return
        click = read_click(body, action)
        result = await deps.runner.handle(Event.cmd(
            click.conversation, command, event_id=click.event_id))  # type: ignore[arg-type]
        if result.duplicate:
            return
        label = (action.get("text") or {}).get("text") or command
        redrawn = deps.renderer.in_place(
            answered_lines_of(click.old_blocks) + [ANSWERED_MARK + escape(str(label))], None,
            more_below=True, lead=lead_blocks_of(click.old_blocks))
        if click.ephemeral:
            await respond_all(respond, [redrawn], replace_original=True)
        elif click.channel and click.message_ts:
            await update(client, click.channel, click.message_ts, redrawn)
        await reply_near(click, client, respond, deps.renderer.replies(result.replies))

    @app.action(re.compile("^" + re.escape(TOPIC_ACTION_PREFIX)))
    async def on_topic(ack: Any, body: dict[str, Any], action: dict[str, Any],
                       client: AsyncWebClient, respond: Respond) -> None:
        await ack()
        topic = action.get("value")
        if topic:
            await run_command(body, action, client, respond, "topic", topic)
