"""The terminal chat loops in process, on the real runner and the in-memory store."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

from rich.console import Console

from bot.adapters.terminal.chat import conversation_key, run_json_chat
from bot.adapters.terminal.render import START_MARK, render_reply
from bot.runner import TurnRunner
from bot.store import MemoryStore
from dialogs.events import Event
from dialogs.replies import RecommendationReply
from knowledge import default_knowledge

# The marker the terminal draws beside the stage to start at, worded by the knowledge.
START_MARKER = START_MARK + default_knowledge().surfaces.label("start_here_inline")


def replies_of(stdout: StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.getvalue().splitlines()]


async def test_json_chat_asks_first_then_answers_each_line() -> None:
    runner = TurnRunner(MemoryStore(), default_knowledge())
    out = StringIO()
    await run_json_chat(runner, conversation_key("t"), StringIO(""), out)
    first = replies_of(out)
    assert first[-1]["kind"] == "question" and first[-1]["question_id"] == "use_case"

    out = StringIO()
    await run_json_chat(runner, conversation_key("t"), StringIO("2\r\n"), out)
    questions = [r["question_id"] for r in replies_of(out) if r["kind"] == "question"]
    # "start" re-asks the pending question; the line (with a CRLF ending) answers it.
    assert questions == ["use_case", "has_data"]


async def test_sessions_are_separate_conversations() -> None:
    runner = TurnRunner(MemoryStore(), default_knowledge())
    await run_json_chat(runner, conversation_key("a"), StringIO("1\nno\n"), StringIO())
    out = StringIO()
    await run_json_chat(runner, conversation_key("b"), StringIO(""), out)
    assert replies_of(out)[-1]["question_id"] == "use_case"


async def test_a_real_recommendation_draws_with_marker_reasons_and_costs() -> None:
    kb = default_knowledge()
    runner = TurnRunner(MemoryStore(), kb)
    key = conversation_key("card")
    lines = "customer_service\nyes\n5000\nconsistency\nmedium\nspecialized\nhigh\nweek\n"
    out = StringIO()
    await run_json_chat(runner, key, StringIO(lines), out)
    # Answer whatever optional questions follow with their first choice until the card comes.
    for _ in range(6):
        last = replies_of(out)[-1]
        if last["kind"] != "question":
            break
        out = StringIO()
        await run_json_chat(runner, key, StringIO("1\n" if last["choices"] else "1000000\n"), out)
    assert any(r["kind"] == "recommendation" for r in replies_of(out))

    result = await runner.handle(Event.cmd(key, "card"))
    reply = next(r for r in result.replies if isinstance(r, RecommendationReply))
    console = Console(record=True, width=100, file=StringIO(), color_system=None)
    render_reply(console, reply, kb)
    text = console.export_text()
    rec = reply.recommendation
    marked = [line for line in text.splitlines() if START_MARKER in line]
    assert len(marked) == 1 and f"Stage {rec.start_stage}:" in marked[0]
    flat = " ".join(text.replace("│", " ").split())  # undo wrapping inside the panel
    for line in ([r.text for r in rec.reasons] + [c.text for c in rec.what_would_change]
                 + [rec.costs.training, rec.costs.monthly, rec.data_needed.best]):
        assert " ".join(line.split()) in flat, line
