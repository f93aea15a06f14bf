"""Numbers as people read them: money, token counts, model sizes, GB, months. The one home of
formatting in the core.

Two kinds of money: estimates (`money`, `money_range`) are rounded to two significant figures,
since more digits would be false precision; the guide's own prices (`format_usd`,
`format_usd_range`) are written as the guide writes them, so the card quotes them exactly."""

from __future__ import annotations

import math

from dialogs.slots import Slots
from knowledge.models import Knowledge, Range


def round_sig(value: float, digits: int = 2) -> float:
    if value <= 0:
        return 0.0
    return round(value, digits - 1 - math.floor(math.log10(value)))


def money(value: float) -> str:
    """$0.50, $7.50, $10, $1,200, $2,000."""
    if value <= 0:
        return "$0"
    if value < 0.01:
        return "under $0.01"
    v = round_sig(value)
    if v < 10 and v != int(v):
        return f"${v:,.2f}"
    return f"${v:,.0f}"


def money_range(low: float, high: float | None) -> str:
    if high is None:
        return f"{money(low)}+"
    if money(low) == money(high):
        return money(low)
    return f"{money(low)}-{money(high).lstrip('$')}"


def format_usd(amount: float) -> str:
    """'$1,000', '$12.50', '$0.01', '$0.001' (cents kept below $100, at least two decimals)."""
    if amount >= 100 or amount == int(amount):
        return f"${amount:,.0f}"
    if amount >= 1:
        return f"${amount:,.2f}"
    digits = f"{amount:.4f}".rstrip("0")
    whole, _, frac = digits.partition(".")
    return f"${whole}.{frac.ljust(2, '0')}"


def format_usd_range(r: Range) -> str:
    """As the guide writes ranges: '$10-1,000', '$10,000+', '$0'."""
    low = format_usd(r.low)
    if r.high is None:
        return f"{low}+"
    if r.high == r.low:
        return low
    return f"{low}-{format_usd(r.high)[1:]}"


def count(n: float) -> str:
    """Token or parameter counts: 500K, 20M, 1.5B, 2,000."""
    n = round_sig(n, 3)
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= size:
            return f"{round_sig(n / size, 3):g}{suffix}"
    return f"{n:,.0f}"


def gigabytes(gb: float) -> str:
    if 0 < gb < 0.1:
        return "<0.1 GB"
    if gb < 10:
        return f"{gb:.1f} GB"
    return f"{round_sig(gb, 3):,.0f} GB" if gb < 1000 else f"{round_sig(gb, 2):,.0f} GB"


def months(m: float) -> str:
    if m < 1:
        return "under a month"
    if m < 24:
        n = math.ceil(m)
        return "about 1 month" if n == 1 else f"about {n} months"
    return f"about {round(m / 12):d} years"


def percent(fraction: float) -> str:
    return f"{fraction * 100:g}%"


def answer_label(slot: str, value: object, kb: Knowledge) -> str:
    """A slot's value in words: "Low", "GPU cluster", "50,000"."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    choice = kb.choice(slot, str(value))
    return choice.label if choice else str(value)


def answer_line(slot: str, value: object, kb: Knowledge) -> str:
    """ "Budget: Low" """
    return f"{kb.question(slot).short_label}: {answer_label(slot, value, kb)}"


def answers_in_words(slots: Slots, names: tuple[str, ...], kb: Knowledge) -> str:
    """The person's answers to these slots, "Accuracy: Perfect; Budget: High" ('' if none)."""
    given = slots.answered()
    return "; ".join(answer_line(s, given[s], kb) for s in names if s in given)


def bullets(lines: list[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)
