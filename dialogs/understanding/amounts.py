"""Amounts as people type them, read from a message's words: "3k", "~500", "a dozen or so",
"60ish", "between 5 and 10 thousand", "a few hundred", "20M/month", "under $1k", "95%+",
"10^1000" (flagged, never truncated).

One pass over the words, at most MAX_AMOUNTS amounts a message, so hostile input ("1,1,1...")
costs no more than ordinary text of its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from dialogs.slots import MAX_COUNT

MAX_AMOUNTS = 24

_NUMBER = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(e[+-]?\d+)?([a-z]*)$")
_SCALES = {
    "k": 1_000, "thousand": 1_000, "thousands": 1_000, "grand": 1_000, "m": 1_000_000,
    "mm": 1_000_000, "mil": 1_000_000, "mio": 1_000_000, "million": 1_000_000,
    "millions": 1_000_000, "bn": 1_000_000_000, "billion": 1_000_000_000,
    "billions": 1_000_000_000, "hundred": 100, "hundreds": 100, "dozen": 12,
}
# "b" scales a count ("1b tokens") but names a model size after a model's name ("7b").
_SUFFIX_SCALES = {**_SCALES, "b": 1_000_000_000}
_WORD_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "dozen": 12,
}
# Vague quantities: the value taken, and the range it stands for (the person is told).
_VAGUE = {
    ("a", "few"): (3, 2, 5), ("few",): (3, 2, 5), ("a", "couple", "of"): (2, 2, 3),
    ("a", "couple"): (2, 2, 3), ("couple", "of"): (2, 2, 3), ("couple",): (2, 2, 3),
    ("several",): (5, 3, 8), ("a", "handful", "of"): (5, 3, 8), ("a", "handful"): (5, 3, 8),
    ("a", "dozen"): (12, 10, 15), ("dozens", "of"): (30, 20, 90), ("dozens",): (30, 20, 90),
    ("hundreds", "of"): (300, 200, 900), ("thousands", "of"): (3000, 2000, 9000),
    ("millions", "of"): (3_000_000, 2_000_000, 9_000_000), ("a",): (1, 1, 1),
    ("tens", "of"): (30, 20, 90),
    ("an",): (1, 1, 1), ("half", "a"): (0.5, 0.5, 0.5), ("half", "an"): (0.5, 0.5, 0.5),
}
NUMBER_WORDS = frozenset([*_SCALES, *_WORD_NUMBERS, "several", "couple", "dozens", "handful",
                          "between", "about", "around", "roughly", "under", "over", "fewer",
                          "least", "below", "above", "hours", "weeks", "months", "years",
                          "quarters", "tokens", "dollars", "bucks"])
_APPROX = frozenset({"about", "around", "roughly", "~", "like", "maybe", "approximately",
                     "circa", "est", "estimated", "some", "probably", "perhaps", "ish"})
_UPPER = {("under",), ("less", "than"), ("fewer", "than"), ("below",), ("<",), ("up", "to"),
          ("at", "most"), ("max",), ("not", "more", "than"), ("no", "more", "than")}
_LOWER = {("over",), ("more", "than"), ("at", "least"), (">",), ("upwards", "of"),
          ("north", "of"), ("min",)}
_MONEY_AFTER = frozenset({"dollars", "dollar", "bucks", "usd", "$"})


@dataclass
class Amount:
    value: float
    low: float
    high: float
    start: int           # index of its first word
    end: int             # index after its last word
    said: str            # the words, as read
    money: bool = False
    percent: bool = False
    vague: bool = False  # "a few hundred": the value is our pick, say so
    ranged: bool = False  # "5-10k": the value is the middle, say so
    bound: str = ""      # "under" / "over"
    suffix: str = ""     # letters glued on after the number ("b" of "7b", "gb", "x7b")
    bad: bool = False    # not a usable number ("10^1000", "-5")


def _plain(word: str) -> tuple[Decimal, str] | None:
    m = _NUMBER.match(word)
    if m is None:
        return None
    if (m.group(3) or "").startswith("e-"):
        return Decimal("Infinity"), ""  # "1e-5": not a count of anything
    try:
        value = Decimal(m.group(1).replace(",", "") + (m.group(2) or "") + (m.group(3) or ""))
    except InvalidOperation:
        return None
    return value, m.group(4)


def _one(words: list[str], i: int) -> tuple[Decimal, int, str, bool] | None:
    """A number at words[i]: (value, index after it, suffix, vague)."""
    w = words[i]
    n = len(words)
    plain = _plain(w)
    if plain is not None:
        value, suffix = plain
        j = i + 1
        if suffix in _SUFFIX_SCALES and suffix != "b":
            value *= _SUFFIX_SCALES[suffix]
            suffix = ""
        elif suffix == "ish":
            suffix = ""
        # "8 000", "1 500 000": thousands grouped with spaces.
        while not suffix and value < 1000 and j < n and len(words[j]) == 3 and \
                words[j].isdigit() and "." not in w and "," not in w:
            value = value * 1000 + int(words[j])
            j += 1
        if j < n and words[j] == "^" and j + 1 < n and words[j + 1].isdigit():
            exponent = int(words[j + 1][:6])
            if exponent > 15 or value.adjusted() + exponent > 15:
                return Decimal("Infinity"), j + 2, "", False
            try:
                value = value ** exponent
            except ArithmeticError:  # "0^0"
                return Decimal("Infinity"), j + 2, "", False
            j += 2
        # "five hundred thousand": a scale may follow a scale.
        while not suffix and j < n and words[j] in _SCALES and j - i <= 2:
            value *= _SCALES[words[j]]
            j += 1
        return value, j, suffix, False
    for length in (3, 2, 1):
        key = tuple(words[i:i + length])
        if len(key) == length and key in _VAGUE:
            base, _, _ = _VAGUE[key]
            j = i + length
            if j < n and words[j] in _SCALES:
                value = Decimal(base) * _SCALES[words[j]]
                j += 1
                if j < n and words[j] in _SCALES:
                    value *= _SCALES[words[j]]
                    j += 1
                return value, j, "", base > 1
            if key in (("a",), ("an",)):
                return None
            if key[0] in ("hundreds", "thousands", "millions", "dozens"):
                return Decimal(base), j, "", True
            if j < n and words[j] in _WORD_NUMBERS:
                continue
            return Decimal(base), j, "", True
    if w in _WORD_NUMBERS:
        value = Decimal(_WORD_NUMBERS[w])
        j = i + 1
        if j < n and words[j] in _SCALES:
            value *= _SCALES[words[j]]
            j += 1
        return value, j, "", False
    if w in ("hundreds", "thousands", "millions"):
        return Decimal(_VAGUE[(w, "of")][0]), i + 1, "", True
    return None


def _vague_range(value: float) -> tuple[float, float]:
    for base, low, high in _VAGUE.values():
        if base and value % base == 0 and base > 1:
            scale = value / base
            return low * scale, high * scale
    return value, value


def read_amounts(words: list[str]) -> list[Amount]:
    """Every amount in the words, left to right (at most MAX_AMOUNTS)."""
    found: list[Amount] = []
    n = len(words)
    i = 0
    while i < n and len(found) < MAX_AMOUNTS:
        w = words[i]
        if not (w[0].isdigit() or w in _WORD_NUMBERS or (w, ) in _VAGUE or w in (
                "couple", "several", "dozens", "hundreds", "thousands", "millions", "half",
                "tens")):
            i += 1
            continue
        if i >= 2 and words[i - 1] == "." and words[i - 2][-1:].isdigit():
            i += 1  # "qwen2.5": a version, not an amount
            continue
        one = _one(words, i)
        if one is None:
            i += 1
            continue
        value, j, suffix, vague = one
        start = i
        money = i > 0 and words[i - 1] == "$"
        if money:
            start = i - 1
        negative = i > 0 and words[i - 1] == "-" and (i < 2 or not words[i - 2][0].isdigit())
        amount = Amount(value=0, low=0, high=0, start=start, end=j, said="", money=money,
                        vague=vague, suffix=suffix)
        if negative or not value.is_finite() or value > MAX_COUNT:
            amount.bad = True
            amount.start = i - 1 if negative else start
            amount.value = amount.low = amount.high = 0
            amount.said = said(words[amount.start:j])
            found.append(amount)
            i = j
            continue
        low = high = value
        # A range: "5-10k", "5 to 10 thousand", "between 5 and 10k", "5k or 10k".
        if j < n - 1 and words[j] in ("-", "to", "and", "or") and (
                words[j] != "and" or (start > 0 and words[start - 1] == "between")):
            other = _one(words, j + 1) if words[j + 1][0].isdigit() or words[
                j + 1] in _WORD_NUMBERS else None
            # Not "gemma-2-27b": a version then a model size.
            if other is not None and other[0].is_finite() and other[0] <= MAX_COUNT and \
                    other[2] != "b":
                second, k, suffix2, _ = other
                first = value
                # "5-10k": the scale written once applies to both.
                if second > first * 100 and first < 1000:
                    for scale in (1_000_000_000, 1_000_000, 1_000, 100):
                        if second >= scale and (second / scale) > first:
                            first *= scale
                            break
                if first <= second:
                    low, high = first, second
                    value = (first + second) / 2
                    amount.ranged = True
                    suffix = suffix2 or suffix
                    j = k
        if start > 0 and words[start - 1] == "between":
            amount.start = start - 1
        amount.value, amount.low, amount.high, amount.end = float(value), float(low), float(
            high), j
        amount.suffix = suffix
        if vague and not amount.ranged:
            amount.low, amount.high = _vague_range(float(value))
        # What follows: "%", "+", "ish", "or so", "$", "dollars".
        while amount.end < n:
            nxt = words[amount.end]
            if nxt == "%":
                amount.percent = True
            elif nxt == "+":
                amount.bound = amount.bound or "over"
            elif nxt in _MONEY_AFTER:
                amount.money = True
            elif nxt == "ish":
                pass
            elif nxt == "or" and amount.end + 1 < n and words[amount.end + 1] == "so":
                amount.end += 1
            else:
                break
            amount.end += 1
        for before in (3, 2, 1):
            key = tuple(words[max(0, amount.start - before):amount.start])
            if len(key) == before and key in _UPPER:
                amount.bound = "under"
                amount.start -= before
                break
            if len(key) == before and key in _LOWER:
                amount.bound = "over"
                amount.start -= before
                break
        if amount.start > 0 and words[amount.start - 1] in _APPROX:
            amount.start -= 1
        amount.said = said(words[amount.start:amount.end])
        found.append(amount)
        i = max(j, amount.end)
    return found


def said(words: list[str]) -> str:
    """Words as they were typed, near enough: "10^1000", "$50k", "95%"."""
    return (" ".join(words).replace(" ^ ", "^").replace("$ ", "$").replace(" %", "%")
            .replace("- ", "-").replace(" - ", "-"))


def as_int(value: float) -> int:
    return int(Decimal(str(value)).to_integral_value())
