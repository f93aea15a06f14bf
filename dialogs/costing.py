"""The card's costs at the person's own monthly volume (docs/architecture.md rule 2's volume),
from the guide's per-token price ranges (costs.yaml) and, for a self-hosted fine-tuned model,
the GPU-hours of serving it (hardware.yaml). Payback counts the hosting."""

from __future__ import annotations

from typing import Any

from dialogs.formatting import format_usd_range
from dialogs.recommendation import CostLine
from dialogs.slots import Approach, Method
from knowledge.models import CostInfo, Knowledge, Range

# The guide quotes monthly figures at 1M tokens; the card uses it where no volume is known.
GUIDE_REFERENCE_TOKENS = 1_000_000


def monthly_inference_usd(cost: CostInfo, monthly_tokens: int) -> Range | None:
    """Inference cost for a month at `monthly_tokens`; None where the guide gives no price."""
    per_1k = cost.inference_per_1k_usd
    if per_1k is None:
        return None
    thousands = monthly_tokens / 1000
    high = None if per_1k.high is None else per_1k.high * thousands
    return Range(low=per_1k.low * thousands, high=high)


def _months(m: float) -> str:
    if m < 1:
        return "under a month"
    if m < 1.5:
        return "about a month"
    if m < 24:
        return f"about {m:.0f} months"
    return f"about {m / 12:.0f} years"


def costs_at_volume(approach: Approach, method: Method | None, hardware: str | None,
                    answers: dict[str, Any], kb: Knowledge) -> CostLine:
    c = kb.costs[approach]
    volume = answers.get("monthly_tokens")
    told = isinstance(volume, int)
    tokens = volume if isinstance(volume, int) else GUIDE_REFERENCE_TOKENS
    label_key = "cost_monthly_label" if told else "cost_monthly_label_assumed"
    monthly_range = monthly_inference_usd(c, tokens)
    hosting_text: str | None = None
    hosting: Range | None = None
    if approach == "fine_tuning":
        hw = kb.hardware.classes.get(hardware or "")
        if method == "hosted" or hw is None or hw.serving_usd_per_hour is None:
            hosting_text = kb.say("cost_hosting_hosted") if method == "hosted" else None
        else:
            per_hour = hw.serving_usd_per_hour
            hours = kb.hardware.hours_per_month
            high = None if per_hour.high is None else per_hour.high * hours
            hosting = Range(low=per_hour.low * hours, high=high)
            hosting_text = kb.say("cost_hosting_self", hosting=format_usd_range(hosting),
                                  hours=f"{hours:,.0f}", per_hour=format_usd_range(per_hour))
    return CostLine(
        training=c.training,
        inference_per_1k_tokens=c.inference_per_1k_tokens,
        monthly_at_1m_tokens=c.monthly_at_1m_tokens,
        best_for=c.best_for,
        monthly_tokens=tokens,
        volume_told=told,
        monthly_label=kb.say(label_key, volume=f"{tokens:,}"),
        monthly=format_usd_range(monthly_range) if monthly_range else c.monthly_at_1m_tokens,
        hosting=hosting_text,
        payback=_payback(approach, tokens, hosting, kb),
        prices_note=kb.say("cost_prices_note"),
    )


def _payback(approach: Approach, tokens: int, hosting: Range | None,
             kb: Knowledge) -> str | None:
    """Months until fine-tuning's training is repaid by its cheaper inference, hosting
    included: like for like, the cheap ends together and the dear ends together."""
    if approach != "fine_tuning":
        return None
    pe, ft = kb.costs["prompt_engineering"], kb.costs["fine_tuning"]
    if pe.inference_per_1k_usd is None or ft.inference_per_1k_usd is None \
            or ft.training_usd is None:
        return None
    k = tokens / 1000
    host_low = hosting.low if hosting else 0.0
    host_high = (hosting.high or hosting.low) if hosting else 0.0
    cheap = k * (pe.inference_per_1k_usd.low - ft.inference_per_1k_usd.low) - host_low
    dear = k * ((pe.inference_per_1k_usd.high or 0) - (ft.inference_per_1k_usd.high or 0)) \
        - host_high
    best, worst = max(cheap, dear), min(cheap, dear)
    train_low, train_high = ft.training_usd.low, ft.training_usd.high
    hosting_words = " and hosting" if hosting else ""
    included = ", hosting included" if hosting else ""
    if best <= 0:
        return kb.say("cost_payback_never", hosting=hosting_words)
    earliest = train_low / best
    if worst <= 0 or train_high is None:
        return kb.say("cost_payback_from", when=_months(earliest), hosting=included)
    latest = train_high / worst
    when = _months(earliest) if _months(earliest) == _months(latest) \
        else f"{_months(earliest)} to {_months(latest)}"
    return kb.say("cost_payback", when=when, hosting=included)


__all__ = ["GUIDE_REFERENCE_TOKENS", "costs_at_volume", "monthly_inference_usd"]
