"""One memo per knowledge object, for what the rules work out once per knowledge (vote tables,
memory estimates, a question's reply choices, decisions)."""

from __future__ import annotations

from typing import Any

from knowledge.models import Knowledge

_MEMOS: dict[int, tuple[Knowledge, dict[Any, Any]]] = {}


def knowledge_memo(kb: Knowledge) -> dict[Any, Any]:
    """A dict for what is worked out once per knowledge object (tables, a question's reply
    choices, decisions). Keyed by identity, holding the object so its id is never reused: a
    Knowledge is not hashable, and an edited copy is another object with memos of its own."""
    entry = _MEMOS.get(id(kb))
    if entry is None or entry[0] is not kb:
        entry = _MEMOS[id(kb)] = (kb, {})
    return entry[1]
