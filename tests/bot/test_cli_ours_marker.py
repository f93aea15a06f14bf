"""`chat --json`: a follow-up answered from the project's own knowledge says so in the JSON
(ours, sources) and in its text; a question about other hardware leaves the answers alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import default_knowledge
from tests.bot.test_cli import json_lines, run_cli


@pytest.mark.slow
def test_chat_json_marks_our_own_knowledge_and_keeps_the_answers(tmp_path: Path) -> None:
    lines = "\n".join(["customer service", "how much memory to serve a 70B model?",
                       "Mixtral 8x7B on an A100", "what is a roadmap"]) + "\n"
    result = run_cli(["chat", "--json"], tmp_path, stdin=lines)
    assert result.returncode == 0, result.stderr
    replies = json_lines(result.stdout)
    answers = [r for r in replies if r["kind"] == "answer"]
    serving = next(a for a in answers if a["topic"] == "inference")
    assert serving["ours"] is True
    assert "Kwon et al. 2023 (vLLM/PagedAttention)" in serving["sources"]
    marker = default_knowledge().message("ours_marker", sources="; ".join(serving["sources"]))
    assert marker in serving["text"]
    memory = next(a for a in answers if a["topic"] == "gpu_memory")
    assert "Mixtral 8x7B (46.7B parameters)" in memory["text"]
    # The guide's own roadmap answer carries no flag.
    roadmap = next(a for a in answers if a["topic"] == "roadmap")
    assert "ours" not in roadmap and "sources" not in roadmap
    # Nothing recorded a hardware answer: only the use case was answered.
    recorded = [r for r in replies if r["kind"] == "notice" and r.get("slot")]
    assert [r["slot"] for r in recorded] == ["use_case"]
