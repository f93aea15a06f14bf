"""Quantities a follow-up names: tokens a month, a model's size, a GPU's memory."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dialogs.understanding.numbers import BadNumber, Count, find_counts
from dialogs.understanding.text import normalise
from knowledge.models import GpuMemoryModel

_PER_MONTH = re.compile(r"^(?:tokens?\s*)?(?:a|per|each|every|/|in a)\s*(?:mo|month)\b|^monthly")
_TOKENS_AFTER = re.compile(r"^(?:tokens?|tok)\b")
_BILLION_SCALE = re.compile(r"(?:\d|\s)(?:b|bn|billion|billions)$")
_MODEL_AFTER = re.compile(r"^(?:-?\s*)(?:param|parameter|parameters|params|model|llm)\b")
_NOT_MODEL_AFTER = re.compile(r"^(?:tokens?|examples?|rows?|records?|dollars?|usd|words?)\b")
_COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "six": 6, "eight": 8, "sixteen": 16}
# "2x 80GB", "two 24gb gpus", "8 h100s": a count, then a separator, then the GPU.
_GPU_COUNT = (r"(?:(?P<count>\d{1,2}|two|three|four|six|eight|sixteen)"
              r"(?:\s*(?:x|×|\*)\s*|\s+))?")
_GB = re.compile(r"(?<![\w.])" + _GPU_COUNT
                 + r"(?P<gb>\d{1,4}(?:\.\d+)?)\s*(?:gb|gib|gig|gigs)\b")


@dataclass(frozen=True)
class GpuSpec:
    per_gpu_gb: float
    count: int = 1

    @property
    def total_gb(self) -> float:
        return self.per_gpu_gb * self.count


def _counts(norm: str) -> list[Count]:
    try:
        return find_counts(norm)
    except BadNumber:
        return []


def monthly_tokens(text: str) -> int | None:
    """"20M tokens a month", "500k tokens/month", "1 million tokens" -> the count."""
    norm = normalise(text)
    for c in _counts(norm):
        if norm[:c.start].rstrip().endswith("$"):
            continue            # money, not tokens
        after = norm[c.end:].lstrip()
        if _TOKENS_AFTER.match(after) or _PER_MONTH.match(after):
            return c.value
    return None


def model_params(text: str) -> float | None:
    """"13B model", "70b", "7 billion parameters" -> parameters (13e9, ...)."""
    norm = normalise(text)
    for c in _counts(norm):
        if norm[:c.start].rstrip().endswith("$"):
            continue
        after = norm[c.end:].lstrip()
        if _NOT_MODEL_AFTER.match(after):
            continue
        written = norm[c.start:c.end]
        if _BILLION_SCALE.search(written) or (_MODEL_AFTER.match(after) and c.value >= 10**6):
            return float(c.value)
    return None


def gpu(text: str, model: GpuMemoryModel) -> GpuSpec | None:
    """"a 24 GB GPU", "2x 80GB", "an A100", "two 4090s" -> memory per GPU and how many."""
    norm = normalise(text)
    m = _GB.search(norm)
    if m:
        return GpuSpec(float(m.group("gb")), _count(m.group("count")))
    for name, gb in sorted(model.gpu_names.items(), key=lambda kv: -len(kv[0])):
        pattern = (_GPU_COUNT + r"(?:nvidia\s+)?(?:geforce\s+)?(?:rtx\s*)?"
                   + re.escape(name.lower()) + r"s?\b")
        m = re.search(r"(?<![\w.])" + pattern, norm)
        if m:
            return GpuSpec(float(gb), _count(m.group("count")))
    return None


def _count(word: str | None) -> int:
    if not word:
        return 1
    return _COUNT_WORDS.get(word) or max(1, int(word))
