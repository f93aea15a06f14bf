"""The knowledge compiled once for the rules: the tables they look answers up in, and bounded
caches of what they work out from it (memory estimates, rule 9's outcomes and verdicts).

Built by `compile_knowledge` where a knowledge object is loaded (the runner's owner, the CLI, a
benchmark, a test fixture) and passed in to `dialogs.machine.step` and the rules. Never module
state: the caches live and die with the object, and an edited knowledge is compiled anew.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from dialogs.bounded_cache import BoundedCache
from dialogs.replies import Choice
from dialogs.slots import Approach
from dialogs.votes import VOTING_SLOTS
from knowledge.models import Knowledge

if TYPE_CHECKING:
    from dialogs.followups.matcher import TopicMatcher
    from dialogs.followups.quantities import GpuNames, ModelNames
    from dialogs.understanding.lexicon import Lexicon

# Bounds of the caches whose keys come from what people type (counts, sizes, volumes), so the
# answer sets they see are unbounded.
ESTIMATES_MAX = 4096
OUTCOMES_MAX = 65_536
VERDICTS_MAX = 16_384


class CompiledKnowledge:
    """A knowledge object with what the rules look up and remember about it."""

    def __init__(self, kb: Knowledge) -> None:
        self.kb = kb
        # (slot, value) -> the approach that answer votes for (rule 2).
        self.votes: dict[tuple[str, object], Approach] = {
            (slot, c.value): c.points_to
            for slot in VOTING_SLOTS for c in kb.questions[slot].choices
            if c.points_to is not None
        }
        # A question's buttons as reply Choices (frozen, so shared by every reply).
        self.choices: dict[str, tuple[Choice, ...]] = {
            slot: tuple(Choice(value=c.value, label=c.label) for c in q.choices)
            for slot, q in kb.questions.items()
        }
        # (model size in billions, method) -> GPU memory needed (rule 5's fit).
        self.needed_gb: BoundedCache[tuple[int, str], float] = BoundedCache(ESTIMATES_MAX)
        # (approach, start stage, data quality) -> each stage's steps.
        self.plans: BoundedCache[tuple[Any, ...], tuple[tuple[str, ...], ...]] = \
            BoundedCache(256)
        # Rule 9: a slot -> the answers its search tries (one entry per slot, filled on first
        # use: a table, not a cache); an answer set -> the card's outcome; (slot, answers, open
        # slots) -> (verdict, search bound); answers -> worth asking.
        self.representatives: dict[str, tuple[Any, ...]] = {}
        self.outcomes: BoundedCache[tuple[Any, ...], tuple[Any, ...]] = \
            BoundedCache(OUTCOMES_MAX)
        self.verdicts: BoundedCache[tuple[Any, ...], tuple[bool | None, int]] = \
            BoundedCache(VERDICTS_MAX)
        self.worth: BoundedCache[tuple[Any, ...], tuple[str, ...]] = BoundedCache(VERDICTS_MAX)

    @cached_property
    def lexicon(self) -> Lexicon:
        """The answer vocabulary as word tries (built on first use: a few milliseconds)."""
        from dialogs.understanding.lexicon import build_lexicon

        return build_lexicon(self.kb)

    @cached_property
    def model_names(self) -> ModelNames:
        """The model catalogue's names as one pattern (built on first use)."""
        from dialogs.followups.quantities import model_names

        return model_names(self.kb.model_catalogue)

    @cached_property
    def gpu_names(self) -> GpuNames:
        """The GPU names as patterns (built on first use)."""
        from dialogs.followups.quantities import gpu_names

        return gpu_names(self.kb.gpu_memory)

    @cached_property
    def topic_matcher(self) -> TopicMatcher:
        """The follow-up topics' matcher (built on first use)."""
        from dialogs.followups.matcher import TopicMatcher

        return TopicMatcher(self.kb.topics)


def compile_knowledge(kb: Knowledge) -> CompiledKnowledge:
    """The knowledge as the rules use it. Once per knowledge object: its caches are shared by
    every conversation stepped with it."""
    return CompiledKnowledge(kb)
