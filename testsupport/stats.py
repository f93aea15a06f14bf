"""The one percentile every benchmark and load run reports."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it
    (numpy's method="inverted_cdf"); NaN for no values. Sorts a copy, so any order will do."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    # round() first: 0.14 * 100 is 14.000000000000002 in floating point, and that is rank 14.
    rank = math.ceil(round(share * len(ordered), 9))
    return ordered[min(len(ordered), max(rank, 1)) - 1]
