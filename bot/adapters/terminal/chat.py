"""The terminal conversation: a person at a prompt, or a program speaking JSON Lines.

The adapter only translates: each line becomes `Event.typed` (the dialog core itself accepts a
choice's value, label or number), each reply is drawn or dumped. Input is read with blocking
calls on purpose: one person, one turn at a time, nothing else runs on the loop meanwhile, and a
blocking read lets Ctrl-C and end of input behave as a terminal user expects.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from typing import TextIO

from rich.console import Console

from bot.adapters.terminal.render import render_reply
from bot.turns import TurnHandler
from dialogs.events import Event
from dialogs.replies import Reply, reply_json
from knowledge.models import Knowledge

log = logging.getLogger(__name__)

CONVERSATION_PREFIX = "cli:"
PROMPT = "> "
# Words that leave the interactive chat (a terminal gesture, not something the advisor answers).
QUIT_WORDS = frozenset({"quit", "exit", "/quit", "/exit", ":q"})


def conversation_key(session: str) -> str:
    return f"{CONVERSATION_PREFIX}{session}"


def _event_id() -> str:
    return uuid.uuid4().hex


async def _replies_to(runner: TurnHandler, event: Event) -> Sequence[Reply]:
    result = await runner.handle(event)
    log.debug("turn done", extra={"conversation": event.conversation,
                                  "event_id": event.event_id, "outcome": result.outcome})
    return result.replies


async def run_json_chat(runner: TurnHandler, conversation: str, stdin: TextIO,
                        stdout: TextIO) -> None:
    """JSON Lines in and out: one message per input line, one reply object per output line.

    Starts by asking (or, resuming, re-asking the pending question) before reading anything,
    and returns at end of input.
    """

    def emit(replies: Sequence[Reply]) -> None:
        for reply in replies:
            stdout.write(json.dumps(reply_json(reply), ensure_ascii=False) + "\n")
            stdout.flush()

    emit(await _replies_to(runner, Event.cmd(conversation, "start", event_id=_event_id())))
    while line := stdin.readline():
        text = line.rstrip("\r\n")
        emit(await _replies_to(runner, Event.typed(conversation, text, event_id=_event_id())))


async def run_interactive_chat(runner: TurnHandler, conversation: str, console: Console,
                               kb: Knowledge | None = None) -> None:
    """A conversation at a "> " prompt, replies drawn with rich. Ends on quit, EOF or Ctrl-C."""
    for reply in await _replies_to(runner, Event.cmd(conversation, "start", event_id=_event_id())):
        render_reply(console, reply, kb)
    while True:
        try:
            line = console.input(PROMPT)
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if line.strip().lower() in QUIT_WORDS:
            return
        console.print()
        replies = await _replies_to(runner, Event.typed(conversation, line,
                                                        event_id=_event_id()))
        for reply in replies:
            render_reply(console, reply, kb)
