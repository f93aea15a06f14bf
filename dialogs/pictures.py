"""What the cost chart and the roadmap picture show, as data: pure arithmetic over the knowledge
(the guide's price ranges, and the hosting prices pictures.yaml adds), no drawing.

bot/pictures draws these; the terminal prints the cost data as a text chart; the decision
record quotes the same figures. The recommendation fields read here go through the small
readers at the bottom, so a change of their shape is fixed in one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from dialogs.followups.cost import GUIDE_REFERENCE_TOKENS
from dialogs.formatting import count, money_range, round_sig
from dialogs.recommendation import Recommendation
from dialogs.slots import Slots
from knowledge.models import Knowledge

SeriesId = Literal["prompt_engineering", "fine_tuning_self_hosted", "fine_tuning_hosted",
                   "training_from_scratch"]
# Points along the token axis per decade: enough for smooth curves on a log scale.
POINTS_PER_DECADE = 8


@dataclass(frozen=True)
class Band:
    """One approach's monthly cost over the token axis: low and high end of its price range."""

    series: SeriesId
    label: str
    low: tuple[float, ...]   # USD a month at each of CostChart.tokens
    high: tuple[float, ...]
    recommended: bool        # the approach (and flavour) the card recommends


@dataclass(frozen=True)
class CostAt:
    """One band's monthly cost at the person's volume, for the alt text and the text chart."""

    series: SeriesId
    label: str
    low: float
    high: float
    recommended: bool

    def text(self) -> str:
        return money_range(self.low, self.high)


@dataclass(frozen=True)
class CostChart:
    title: str
    x_label: str
    y_label: str
    caption: str
    tokens: tuple[float, ...]          # the x axis (log-spaced)
    bands: tuple[Band, ...]
    volume: int                        # the marked volume: the person's, or the guide's 1M
    volume_is_theirs: bool
    volume_label: str
    at_volume: tuple[CostAt, ...]
    payback_tokens: float | None       # fine-tuning pays back within payback_months above this
    payback_label: str | None
    alt: str


@dataclass(frozen=True)
class RoadmapStagePicture:
    stage: int
    title: str
    exit: str                          # what moves you on (the last stage: keep improving)
    current: bool


@dataclass(frozen=True)
class RoadmapPicture:
    title: str
    stages: tuple[RoadmapStagePicture, ...]
    start_label: str
    alt: str
    short_alt: str  # for a surface that writes the roadmap out beside the picture


# --- the cost model ------------------------------------------------------------------------

@dataclass(frozen=True)
class _Prices:
    """Per-1K-token price and fixed monthly cost ranges (low, high) of one series."""

    per_1k: tuple[float, float]
    fixed: tuple[float, float]


def _prices(kb: Knowledge) -> dict[SeriesId, _Prices]:
    pe, ft, scratch = (kb.costs[a] for a in ("prompt_engineering", "fine_tuning",
                                             "training_from_scratch"))
    if pe.inference_per_1k_usd is None or ft.inference_per_1k_usd is None:
        raise ValueError("costs.yaml needs numeric inference ranges for the cost chart")
    p = kb.pictures
    hours = kb.hardware.hours_per_month
    gpu = kb.hardware.serving_usd_per_hour()
    hosting = (gpu.low * hours, (gpu.high or gpu.low) * hours)
    pe_range = (pe.inference_per_1k_usd.low, pe.inference_per_1k_usd.high or 0.0)
    ft_range = (ft.inference_per_1k_usd.low, ft.inference_per_1k_usd.high or 0.0)
    hosted = p.hosted_inference_per_1k_usd
    prices: dict[SeriesId, _Prices] = {
        "prompt_engineering": _Prices(pe_range, (0.0, 0.0)),
        # The guide's "$1-10 + hosting": its per-token figure plus GPUs billed by the hour.
        "fine_tuning_self_hosted": _Prices(ft_range, hosting),
        "fine_tuning_hosted": _Prices((hosted.low, hosted.high or hosted.low), (0.0, 0.0)),
    }
    if scratch.training_usd is not None:
        # The guide gives no inference price for a model of your own ("variable"): serve it
        # like a self-hosted fine-tune, and spread the training over the payback horizon.
        # The guide gives no upper training bound either; ten times the lower one stands in.
        train = scratch.training_usd
        months = p.payback_months
        high = train.high if train.high is not None else train.low * 10
        prices["training_from_scratch"] = _Prices(
            ft_range, (hosting[0] + train.low / months, hosting[1] + high / months))
    return prices


def _log_axis(low: float, high: float) -> tuple[float, ...]:
    a, b = math.log10(low), math.log10(high)
    n = max(2, round((b - a) * POINTS_PER_DECADE) + 1)
    return tuple(10 ** (a + (b - a) * i / (n - 1)) for i in range(n))


def _midpoint(low: float, high: float) -> float:
    """The middle of a price range on a log scale (the ranges span a factor of ten)."""
    return math.sqrt(low * high) if low > 0 and high > 0 else (low + high) / 2


def payback_tokens(kb: Knowledge, flavour: SeriesId) -> float | None:
    """The monthly volume above which fine-tuning (`flavour`) repays its one-time training
    cost within payback_months, at the middle of every price range; None if it never does."""
    prices = _prices(kb)
    ft, pe = prices[flavour], prices["prompt_engineering"]
    train = kb.costs["fine_tuning"].training_usd
    training = _midpoint(train.low, train.high or train.low) if train is not None else 0.0
    saving_per_1k = _midpoint(*pe.per_1k) - _midpoint(*ft.per_1k)
    if saving_per_1k <= 0:
        return None
    monthly_needed = _midpoint(*ft.fixed) + training / kb.pictures.payback_months
    return monthly_needed / saving_per_1k * 1000


def cost_chart(rec: Recommendation, answers: Slots, kb: Knowledge) -> CostChart:
    """The cost chart's data for this card and these answers."""
    p = kb.pictures
    volume = monthly_tokens(rec, answers)
    theirs = volume is not None
    marked = volume if volume is not None else GUIDE_REFERENCE_TOKENS
    flavour = fine_tuning_flavour(rec, answers)
    series: list[SeriesId] = ["prompt_engineering", "fine_tuning_self_hosted",
                              "fine_tuning_hosted"]
    if scratch_relevant(rec, answers, kb):
        series.append("training_from_scratch")
    prices = _prices(kb)
    series = [s for s in series if s in prices]

    crossing = payback_tokens(kb, flavour)
    # The axis moves only for a volume within a decade of its ends: most charts share it.
    span_low = min(p.axis_tokens.low, max(marked, 1) / 10)
    span_high = max(p.axis_tokens.high or p.axis_tokens.low * 1e6, marked * 10)
    if crossing is not None:
        span_high = max(span_high, crossing * 10)
    tokens = _log_axis(span_low, span_high)

    recommended = _recommended_series(rec, flavour)
    names: dict[SeriesId, str] = {
        "prompt_engineering": p.label("series_prompt_engineering"),
        "fine_tuning_self_hosted": p.label("series_fine_tuning_self_hosted"),
        "fine_tuning_hosted": p.label("series_fine_tuning_hosted"),
        "training_from_scratch": p.label("series_training_from_scratch",
                                         months=p.payback_months),
    }
    bands: list[Band] = []
    at_volume: list[CostAt] = []
    for s in series:
        pr = prices[s]
        low = tuple(t / 1000 * pr.per_1k[0] + pr.fixed[0] for t in tokens)
        high = tuple(t / 1000 * pr.per_1k[1] + pr.fixed[1] for t in tokens)
        bands.append(Band(s, names[s], low, high, s == recommended))
        k = marked / 1000
        at_volume.append(CostAt(s, names[s], k * pr.per_1k[0] + pr.fixed[0],
                                k * pr.per_1k[1] + pr.fixed[1], s == recommended))

    volume_label = p.label("your_volume" if theirs else "reference_volume",
                           tokens=count(marked))
    if crossing is not None:
        crossing = round_sig(crossing, 2)  # midpoints of ranges: two figures at most
    payback_label = (p.label("payback", months=p.payback_months, tokens=count(crossing))
                     if crossing is not None else None)
    flavour_name = names[flavour]
    payback_alt = (p.label("cost_alt_payback", flavour=flavour_name.lower(),
                           months=p.payback_months, volume=count(crossing))
                   if crossing is not None
                   else p.label("cost_alt_no_payback", months=p.payback_months))
    alt = p.label("cost_alt", tokens=count(marked), payback=payback_alt, lines="; ".join(
        p.label("cost_alt_line", name=c.label, cost=c.text()) for c in at_volume))
    return CostChart(
        title=p.label("cost_title"), x_label=p.label("cost_x"), y_label=p.label("cost_y"),
        caption=" ".join(p.label("caption").split()), tokens=tokens, bands=tuple(bands),
        volume=marked, volume_is_theirs=theirs, volume_label=volume_label,
        at_volume=tuple(at_volume), payback_tokens=crossing, payback_label=payback_label,
        alt=" ".join(alt.split()),
    )


def roadmap_picture(rec: Recommendation, kb: Knowledge) -> RoadmapPicture:
    """The roadmap picture's data: the card's stages, where this person starts, each exit."""
    p = kb.pictures
    stages = tuple(
        RoadmapStagePicture(stage=s.stage, title=s.title,
                            exit=" ".join((s.next or p.label("last_stage_exit")).split()),
                            current=s.stage == rec.start_stage)
        for s in rec.roadmap)
    start = next((s for s in stages if s.current), stages[0])
    alt = p.label("roadmap_alt", count=len(stages), start=start.stage, start_title=start.title,
                  stages="; ".join(p.label("roadmap_alt_stage", stage=s.stage, title=s.title,
                                           exit=s.exit) for s in stages))
    short_alt = p.label("roadmap_alt_short", count=len(stages), start=start.stage,
                        start_title=start.title)
    return RoadmapPicture(title=p.label("roadmap_title"), stages=stages,
                          start_label=p.label("start_here"), alt=alt, short_alt=short_alt)


# --- readers of the recommendation and the answers --------------------------------------------
# The one place that knows these fields' shapes (what_would_change, not_asked and the method
# `hosted` are changing in the advice work): adapt here, nowhere else.

def monthly_tokens(rec: Recommendation, answers: Slots) -> int | None:
    return answers.monthly_tokens


def fine_tuning_flavour(rec: Recommendation, answers: Slots) -> SeriesId:
    """Hosted when the card says so or the person has no GPUs of their own."""
    if str(rec.method) == "hosted" or answers.hardware == "api_only":
        return "fine_tuning_hosted"
    return "fine_tuning_self_hosted"


def scratch_relevant(rec: Recommendation, answers: Slots, kb: Knowledge) -> bool:
    """Training from scratch is drawn where it is the advice or the data would allow it."""
    return rec.approach == "training_from_scratch" or (
        answers.examples is not None and answers.examples >= kb.thresholds.scratch_minimum)


def _recommended_series(rec: Recommendation, flavour: SeriesId) -> SeriesId:
    if rec.approach == "fine_tuning":
        return flavour
    if rec.approach == "training_from_scratch":
        return "training_from_scratch"
    return "prompt_engineering"


def change_lines(rec: Recommendation) -> list[str]:
    """what_would_change as sentences, whether it holds strings or {slot, ..., text} objects."""
    return [_text_of(item) for item in rec.what_would_change]


def not_asked_lines(rec: Recommendation) -> list[str]:
    """not_asked ({slot, text}) as sentences; absent on cards that predate it."""
    return [_text_of(item) for item in getattr(rec, "not_asked", None) or []]


def _text_of(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        return str(item.get("text", ""))
    return str(getattr(item, "text", item))
