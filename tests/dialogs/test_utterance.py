"""A turn's message is read once however often the turn reads it, and only that turn keeps
its readings (dialogs.understanding.text.Utterance; no module-level cache of people's text)."""

from __future__ import annotations

import pytest

from dialogs.compiled import compile_knowledge
from dialogs.events import Event
from dialogs.machine import step
from dialogs.state import ConversationState
from dialogs.understanding import text as text_module
from dialogs.understanding.text import Utterance, clean, head, normalise
from knowledge import default_knowledge
from testsupport.hostile_messages import AT, HOSTILE

CK = compile_knowledge(default_knowledge())
TEXTS = ["we have about 5k support tickets, tight budget", "  What about RAG?  ", "",
         *HOSTILE.values()]


@pytest.mark.parametrize("text", TEXTS)
def test_an_utterance_reads_as_its_text_does(text: str) -> None:
    said = Utterance(text)
    assert (said, clean(said), normalise(said)) == (text, clean(text), normalise(text))
    assert head(said, 10) == text[:10]


@pytest.fixture
def cleanings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = text_module._clean

    def counted(text: str) -> str:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(text_module, "_clean", counted)
    return seen


def test_an_utterance_is_cleaned_once_however_often_it_is_read(cleanings: list[str]) -> None:
    said = Utterance("Tight budget, about 2,000 examples")
    for _ in range(3):
        clean(said)
        normalise(said)
    assert len(cleanings) == 1


def test_a_prefix_of_an_utterance_is_one_utterance_read_once(cleanings: list[str]) -> None:
    said = Utterance("1," * 1000)
    first = head(said, 1000)
    assert head(said, 1000) is first and head(first, 1000) is first
    normalise(first)
    normalise(head(said, 1000))
    assert len(cleanings) == 1


def test_plain_text_is_read_afresh_each_time(cleanings: list[str]) -> None:
    clean("tight budget")
    clean("tight budget")
    assert len(cleanings) == 2  # nothing about one person's text outlives the call


@pytest.mark.parametrize("text", ["tight budget, 5k examples, one 8xh100 node",
                                  "how much vram for a 7b lora on 2 a100s?", HOSTILE["fdfa"]])
def test_a_whole_turn_cleans_its_message_and_its_prefix_at_most_once_each(
        cleanings: list[str], text: str) -> None:
    step(ConversationState(phase="asking", pending="examples"),
         Event.typed("test:T:U", text, at=AT), CK)
    assert len(cleanings) == len(set(cleanings)) <= 2
