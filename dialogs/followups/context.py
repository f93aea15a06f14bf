"""What we know about the person asking: their answers and, once they are advised (or have
answered most questions), the recommendation those answers give."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dialogs.engine import choose_method, decide
from dialogs.recommendation import Recommendation
from dialogs.replies import Choice
from dialogs.slots import CORE_SLOTS, Method, Slots
from knowledge.models import Knowledge

if TYPE_CHECKING:
    from dialogs.compiled import CompiledKnowledge

# With this many core questions answered, an answer can speak to the person's case even
# before the card is shown.
SUBSTANTIAL_ANSWERS = 5


@dataclass(frozen=True)
class Context:
    slots: Slots
    rec: Recommendation | None   # None: answer in general terms
    # The method rule 5 fits for these answers, were the approach fine-tuning (with `rec`).
    fine_tuning_method: Method | None = None

    @property
    def advised(self) -> bool:
        return self.rec is not None


def build_context(slots: Slots, ck: CompiledKnowledge, advised: bool) -> Context:
    answered = sum(1 for s in CORE_SLOTS if getattr(slots, s) is not None)
    if advised or answered >= SUBSTANTIAL_ANSWERS:
        return Context(slots, decide(slots, ck), choose_method(slots.answered(), ck))
    return Context(slots, None)


def topic_choices(topic_ids: tuple[str, ...], kb: Knowledge) -> list[Choice]:
    return [Choice(value=t, label=kb.topics[t].title) for t in topic_ids if t in kb.topics]
