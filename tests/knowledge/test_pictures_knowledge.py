"""pictures.yaml: its labels' placeholders are checked at load, like messages.yaml's."""

from __future__ import annotations

from pathlib import Path

import yaml

from dialogs.compiled import compile_knowledge
from dialogs.decision_record import decision_record
from dialogs.engine import decide
from dialogs.pictures import cost_chart, roadmap_picture
from dialogs.slots import Slots
from knowledge import KnowledgeError, default_knowledge, load_knowledge
from knowledge.loader import DEFAULT_DIR


def test_unknown_picture_label_placeholder_fails_at_load(tmp_path: Path) -> None:
    pictures = yaml.safe_load((DEFAULT_DIR / "pictures.yaml").read_text(encoding="utf-8"))
    pictures["labels"]["your_volume"] = "You: {volume}/month"
    (tmp_path / "pictures.yaml").write_text(yaml.safe_dump(pictures), encoding="utf-8")
    try:
        load_knowledge(tmp_path)
    except KnowledgeError as error:
        assert ("pictures.yaml: your_volume: unknown placeholder(s) {volume}; "
                "allowed: {tokens}") in str(error)
    else:
        raise AssertionError("a label with an unknown placeholder loaded")


def test_every_label_renders_with_the_fields_its_caller_fills() -> None:
    kb = default_knowledge()
    ck = compile_knowledge(kb)
    for slots in (Slots(), Slots(has_data="yes", examples=2_000_000, budget="high",
                                 priority="novel_architecture", timeline="quarter",
                                 monthly_tokens=5_000_000)):
        rec = decide(slots, ck)
        assert cost_chart(rec, slots, kb).alt and roadmap_picture(rec, kb).alt
        assert decision_record(rec, slots, kb)
