"""The cost calculator: prompt engineering against fine-tuning at a monthly token volume,
from the guide's per-1K-token price ranges in knowledge/data/costs.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dialogs.formatting import count, money_range, months
from knowledge.models import Knowledge

# The guide's monthly estimates are quoted at 1M tokens a month; used when no volume is known.
GUIDE_REFERENCE_TOKENS = 1_000_000
_AFTER_RANGE = re.compile(r"^\s*\$?[\d.,]+\s*(?:-\s*\$?[\d.,]+)?\s*(?P<rest>.*)$")


@dataclass(frozen=True)
class Span:
    low: float
    high: float | None

    def text(self) -> str:
        return money_range(self.low, self.high)


@dataclass(frozen=True)
class CostEstimate:
    monthly_tokens: int
    prompt_engineering_monthly: Span
    fine_tuning_monthly: Span
    fine_tuning_training: Span
    # Months until fine-tuning's one-time training is paid back by its cheaper inference,
    # (earliest, latest); latest None: at the dear end it never pays back on price alone.
    break_even_months: tuple[float, float | None] | None


def estimate(monthly_tokens: int, kb: Knowledge) -> CostEstimate:
    pe, ft = kb.costs["prompt_engineering"], kb.costs["fine_tuning"]
    if pe.inference_per_1k_usd is None or ft.inference_per_1k_usd is None \
            or ft.training_usd is None:
        raise ValueError("costs.yaml needs numeric inference and training ranges")
    k = monthly_tokens / 1000
    pe_low, pe_high = pe.inference_per_1k_usd.low, pe.inference_per_1k_usd.high or 0.0
    ft_low, ft_high = ft.inference_per_1k_usd.low, ft.inference_per_1k_usd.high or 0.0
    # Like for like: the cheap end of one against the cheap end of the other, and so on.
    savings = sorted((k * (pe_low - ft_low), k * (pe_high - ft_high)))
    train_low, train_high = ft.training_usd.low, ft.training_usd.high
    break_even: tuple[float, float | None] | None = None
    if savings[1] > 0:
        earliest = train_low / savings[1]
        latest = (train_high / savings[0]) if savings[0] > 0 and train_high is not None \
            else None
        break_even = (earliest, latest)
    return CostEstimate(
        monthly_tokens=monthly_tokens,
        prompt_engineering_monthly=Span(k * pe_low, k * pe_high),
        fine_tuning_monthly=Span(k * ft_low, k * ft_high),
        fine_tuning_training=Span(train_low, train_high),
        break_even_months=break_even,
    )


def hosting_suffix(kb: Knowledge) -> str:
    """What the guide adds after fine-tuning's monthly figure ("+ hosting"), if anything."""
    m = _AFTER_RANGE.match(kb.costs["fine_tuning"].monthly_at_1m_tokens)
    rest = m.group("rest").strip() if m else ""
    return f" {rest}" if rest else ""


def break_even_text(est: CostEstimate) -> str | None:
    if est.break_even_months is None:
        return None
    earliest, latest = est.break_even_months
    if latest is None:
        return f"from {months(earliest)} (at the dear end of the ranges it may never pay back)"
    if months(earliest) == months(latest):
        return months(earliest)
    return f"between {months(earliest)} and {months(latest)}"


def tokens_text(n: int) -> str:
    return f"{count(n)} tokens a month"
