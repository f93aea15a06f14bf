"""What the bot says when it cannot take an answer as typed: a choice between the values a
reply could mean ("Did you mean Low or Medium?"), or what it did understand with two or three
examples of answers it would. The sentences live in knowledge/understanding.yaml."""

from __future__ import annotations

from dialogs.understanding.slots import Extraction
from knowledge.models import Knowledge


def did_you_mean(kb: Knowledge, slot: str, values: tuple[str, ...]) -> str:
    labels = [c.label for v in values for c in kb.question(slot).choices if c.value == v]
    texts = kb.understanding.texts
    options = ", ".join(labels[:-1]) + texts["or"] + labels[-1] if len(labels) > 1 else (
        "".join(labels))
    return texts["did_you_mean"].format(options=options)


def _examples(kb: Knowledge, slot: str) -> str:
    examples = kb.understanding.examples.get(slot, [])
    if len(examples) <= 1:
        return "".join(examples)
    return ", ".join(examples[:-1]) + kb.understanding.texts["or"] + examples[-1]


def not_understood(kb: Knowledge, slot: str, extraction: Extraction) -> str:
    """The re-ask for a reply that answers nothing: what it did read, and example answers."""
    texts = kb.understanding.texts
    if extraction.bad_number is not None:
        return texts["bad_number"].format(number=f"“{extraction.bad_number[:40]}”",
                                          examples=_examples(kb, slot))
    understood = ""
    if extraction.unplaced:
        facts = ", ".join(f"“{u[:40]}”" for u in extraction.unplaced[:3])
        understood = texts["understood_prefix"].format(facts=facts)
    label = kb.question(slot).short_label.lower() if slot in kb.questions else slot
    return texts["not_understood"].format(label=label, understood=understood,
                                          examples=_examples(kb, slot))
