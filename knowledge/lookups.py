"""Small computations over the knowledge: money ranges as text, monthly inference cost."""

from __future__ import annotations

from knowledge.models import CostInfo, Range


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


def monthly_inference_usd(cost: CostInfo, monthly_tokens: int) -> Range | None:
    """Inference cost for a month at `monthly_tokens`; None where the guide gives no price."""
    per_1k = cost.inference_per_1k_usd
    if per_1k is None:
        return None
    thousands = monthly_tokens / 1000
    high = None if per_1k.high is None else per_1k.high * thousands
    return Range(low=per_1k.low * thousands, high=high)
