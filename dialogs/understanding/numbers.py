"""Counts written the way people write them: "2,000", "about 5k", "1.5M", "a few million",
"ten thousand", "no data yet"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from dialogs.slots import MAX_COUNT

_WORD_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "a": 1, "an": 1,
    "a couple": 2, "a couple of": 2, "couple of": 2, "a few": 3, "few": 3, "several": 5,
    "a dozen": 12, "dozens of": 30, "a handful of": 5, "a handful": 5,
}
_SCALES = {
    "k": 1_000, "thousand": 1_000, "thousands": 1_000, "m": 1_000_000, "mm": 1_000_000,
    "mil": 1_000_000, "million": 1_000_000, "millions": 1_000_000, "b": 1_000_000_000,
    "bn": 1_000_000_000, "billion": 1_000_000_000, "billions": 1_000_000_000,
    "hundred": 100, "hundreds": 100,
}
# Bare plural scales ("thousands of tickets") read as a few of that scale.
_BARE_PLURAL = {"hundreds": 300, "thousands": 3_000, "millions": 3_000_000,
                "billions": 3_000_000_000}

_DIGITS = r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?"
_NUMERIC_WORDS = {w for w, v in _WORD_NUMBERS.items() if w not in ("a", "an") and
                  not w.startswith(("a ", "few", "couple", "several", "dozens"))}
_WORD_SCALES = [w for w in _SCALES if len(w) > 3]


def _alternation(words: object) -> str:
    return "|".join(sorted((re.escape(str(w)) for w in words), key=len, reverse=True))  # type: ignore[attr-defined]


# Digits take any scale ("5k", "1.5M"); words take only spelled-out scales ("a few
# million"), so "a b testing" is not a billion.
NUMBER_RE = re.compile(
    rf"(?<![\w.$])(?:(?P<num>{_DIGITS})\s*(?P<scale>{_alternation(_SCALES)})?"
    rf"|(?P<word>{_alternation(_WORD_NUMBERS)})\s+(?P<wscale>{_alternation(_WORD_SCALES)})"
    rf"|(?P<lone>{_alternation(_NUMERIC_WORDS)}))(?!\w)"
    rf"|(?<!\w)(?P<bare>hundreds|thousands|millions|billions)(?!\w)",
)


@dataclass(frozen=True)
class Count:
    value: int
    start: int
    end: int


class BadNumber(ValueError):
    """A number was written but is not a usable count (negative, huge, not finite)."""


def _to_int(m: re.Match[str]) -> int:
    if m.group("bare"):
        return _BARE_PLURAL[m.group("bare")]
    if m.group("num") is not None:
        try:
            base = Decimal(m.group("num").replace(",", ""))
        except InvalidOperation as exc:
            raise BadNumber(m.group(0)) from exc
        # Not finite, negative or absurdly large: a typo or a probe, never a count.
        if not base.is_finite() or base < 0 or base.adjusted() > 15:
            raise BadNumber(m.group(0))
        scale_word = m.group("scale")
        value = base * (_SCALES[scale_word] if scale_word else 1)
    elif m.group("word") is not None:
        value = Decimal(_WORD_NUMBERS[m.group("word")]) * _SCALES[m.group("wscale")]
    else:
        value = Decimal(_WORD_NUMBERS[m.group("lone")])
    result = int(value)
    if result > MAX_COUNT:
        raise BadNumber(m.group(0))
    return result


# A message naming more numbers than this is not a question about them ("1,1,1,..."): the
# rest are not read, which bounds what such a message costs.
MAX_COUNTS = 32


def find_counts(text: str) -> list[Count]:
    """The counts in normalised text (the first MAX_COUNTS), left to right. Raises BadNumber
    on a number that cannot be a count (so the caller can re-ask instead of guessing)."""
    found: list[Count] = []
    for m in NUMBER_RE.finditer(text):
        found.append(Count(_to_int(m), m.start(), m.end()))
        if len(found) >= MAX_COUNTS:
            break
    return found
