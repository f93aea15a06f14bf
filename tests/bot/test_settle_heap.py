"""`serve` tunes the garbage collector once the app is built (bot.server.settle_heap)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # a serve subprocess


def test_serving_freezes_the_start_up_heap_and_collects_young_objects_less_often() -> None:
    # In a process of its own: freezing is for good, and this test process builds many apps.
    code = ("import gc; from bot.server import settle_heap, GC_GEN0_THRESHOLD; "
            "before = gc.get_threshold(); settle_heap(); "
            "assert gc.get_freeze_count() > 1000, gc.get_freeze_count(); "
            "assert gc.get_threshold() == (GC_GEN0_THRESHOLD, *before[1:]), gc.get_threshold()")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
