"""Quantities a follow-up names: tokens a month, a model's size, a GPU's memory."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dialogs.understanding.numbers import BadNumber, Count, find_counts
from dialogs.understanding.text import normalise
from knowledge.expert_models import ModelCatalogue, NamedModel
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


_USD = re.compile(r"(?:\$\s*(?P<a>\d[\d,]*(?:\.\d+)?)\s*(?P<as>k|m|thousand|million)?\b)"
                  r"|(?:\b(?P<b>\d[\d,]*(?:\.\d+)?)\s*(?P<bs>k|m|thousand|million)?\s*"
                  r"(?:dollars|usd|bucks)\b)", re.IGNORECASE)
_USD_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}


_NUM = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(k)?"
_SEQUENCE = (
    re.compile(r"(?:context|sequence length|sequence|seq len|seq length|max length|ctx)"
               r"\s*(?:of|=|:)?\s*" + _NUM + r"(?:\s*tokens?)?\b"),
    re.compile(_NUM + r"\s*(?:tokens?\s*)?(?:context|sequences?|seq|ctx)\b"),
)
_BATCH = (re.compile(r"batch(?:\s*size)?\s*(?:of|=|:)?\s*(\d{1,4})\b"),
          re.compile(r"\b(\d{1,4})\s*(?:per batch|batch size)\b"))
_NO_CHECKPOINTING = re.compile(r"\b(?:without|no|disable|disabled|off)\s*(?:gradient\s*)?"
                               r"checkpointing\b|\bcheckpointing\s*(?:off|disabled)\b")
_CHECKPOINTING = re.compile(r"\b(?:with|using|enable|enabled)\s*(?:gradient\s*)?"
                            r"checkpointing\b|\bcheckpointing\s*(?:on|enabled)\b")


def _number(m: re.Match[str]) -> int:
    value = float(m.group(1).replace(",", ""))
    return int(value * (1024 if m.group(2) else 1))


def workload(text: str) -> dict[str, object]:
    """What a memory question says about the training run: "8k context", "batch size 4",
    "without gradient checkpointing" -> {"sequence_length": 8192, "batch_size": 4,
    "gradient_checkpointing": False} (only what it names)."""
    lowered = text.lower()
    out: dict[str, object] = {}
    for pattern in _SEQUENCE:
        m = pattern.search(lowered)
        if m and 0 < _number(m) <= 10_000_000:
            out["sequence_length"] = _number(m)
            break
    for pattern in _BATCH:
        m = pattern.search(lowered)
        if m and int(m.group(1)) > 0:
            out["batch_size"] = int(m.group(1))
            break
    if _NO_CHECKPOINTING.search(lowered):
        out["gradient_checkpointing"] = False
    elif _CHECKPOINTING.search(lowered):
        out["gradient_checkpointing"] = True
    return out


def usd_amount(text: str) -> float | None:
    """ "$500", "$50k", "50k dollars", "$1.5M" -> the amount in dollars."""
    m = _USD.search(text)
    if m is None:
        return None
    digits = (m.group("a") or m.group("b")).replace(",", "")
    scale = (m.group("as") or m.group("bs") or "").lower()
    try:
        return float(digits) * _USD_SCALE.get(scale, 1.0)
    except ValueError:
        return None


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


_ALIAS_PARTS = re.compile(r"[a-z]+|\d+")
# Between an alias's parts a message may put spaces, hyphens, dots, underscores or nothing.
_ALIAS_GAP = r"[\s\-_.]*"
# One pattern for every model alias, and the model for each alias with its separators
# squashed out.
ModelNames = tuple[re.Pattern[str], dict[str, NamedModel]]
# A pattern per GPU name with its memory in GB, longest name first.
# (the name as typed, lower case; its pattern; GB per GPU)
GpuNames = list[tuple[str, re.Pattern[str], float]]


def model_names(catalogue: ModelCatalogue) -> ModelNames:
    """The catalogue's aliases compiled (longest first, so "phi 3 medium" beats "phi 3"): once
    per knowledge object, by dialogs.compiled, as every message is checked for a model name."""
    by_key: dict[str, NamedModel] = {}
    for m in catalogue.models:
        for alias in m.aliases:
            by_key.setdefault("".join(_ALIAS_PARTS.findall(alias)), m)
    aliases = sorted({a for m in catalogue.models for a in m.aliases},
                     key=lambda a: -len("".join(_ALIAS_PARTS.findall(a))))
    pattern = re.compile(r"(?<![a-z0-9])(?:" + "|".join(
        _ALIAS_GAP.join(re.escape(p) for p in _ALIAS_PARTS.findall(a)) for a in aliases)
        + r")(?![a-z0-9])")
    return pattern, by_key


def named_model(text: str, names: ModelNames) -> NamedModel | None:
    """A model the text names ("Mixtral 8x7B", "llama-3.1-70b", "phi-3 mini"), if any."""
    pattern, by_key = names
    m = pattern.search(text.lower())
    if m is None:
        return None
    return by_key.get("".join(_ALIAS_PARTS.findall(m.group(0))))


def model_size(text: str, names: ModelNames) -> tuple[float, NamedModel | None] | None:
    """The model's size in parameters and, where the text names a known model, that model.
    A named model's own size wins ("Mixtral 8x7B" is 46.7B, every expert counted)."""
    named = named_model(text, names)
    if named is not None:
        return named.params, named
    size = model_params(text)
    return None if size is None else (size, None)


def gpu_names(model: GpuMemoryModel) -> GpuNames:
    """A pattern per GPU name, longest name first: compiled once per knowledge object, by
    dialogs.compiled."""
    return [(name.lower(),
             re.compile(r"(?<![\w.])" + _GPU_COUNT
                        + r"(?:nvidia\s+)?(?:geforce\s+)?(?:rtx\s*)?"
                        + re.escape(name.lower()) + r"s?\b"), float(gb))
            for name, gb in sorted(model.gpu_names.items(), key=lambda kv: -len(kv[0]))]


def gpu(text: str, names: GpuNames) -> GpuSpec | None:
    """"a 24 GB GPU", "2x 80GB", "an A100", "two 4090s" -> memory per GPU and how many."""
    norm = normalise(text)
    m = _GB.search(norm)
    if m:
        return GpuSpec(float(m.group("gb")), _count(m.group("count")))
    for name, pattern, gb in names:
        # A substring test first: no name, no match, and it spares the pattern's scan of
        # every position (a count may start at any digit) on text that names no GPU.
        if name not in norm:
            continue
        m = pattern.search(norm)
        if m:
            return GpuSpec(gb, _count(m.group("count")))
    return None


def _count(word: str | None) -> int:
    if not word:
        return 1
    return _COUNT_WORDS.get(word) or max(1, int(word))
