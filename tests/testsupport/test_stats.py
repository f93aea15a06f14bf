"""The benchmarks' one percentile is nearest rank: a value that was measured, never a blend."""

from __future__ import annotations

import math
import random

from testsupport.stats import percentile


def test_it_is_the_smallest_value_with_that_share_at_or_below_it() -> None:
    values = list(range(1, 101))
    random.Random(7).shuffle(values)  # any order: it sorts a copy
    assert percentile(values, 0.50) == 50
    assert percentile(values, 0.99) == 99
    assert percentile(values, 0.995) == 100
    assert percentile(values, 1.0) == 100
    assert percentile(list(range(1, 11)), 0.99) == 10
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0


def test_a_share_that_lands_on_a_rank_is_not_pushed_past_it_by_rounding() -> None:
    # 0.14 * 100 is 14.000000000000002 in floating point.
    assert percentile(list(range(1, 101)), 0.14) == 14


def test_the_ends_and_no_values() -> None:
    assert percentile([5.0], 0.01) == 5.0
    assert percentile([1, 2, 3], 0.0) == 1
    assert math.isnan(percentile([], 0.5))
