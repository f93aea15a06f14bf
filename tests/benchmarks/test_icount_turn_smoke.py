"""icount_turn's driver still runs today's conversation through the runner (under valgrind it is
the ruler for a turn's instructions; here it only has to finish)."""

from __future__ import annotations

from benchmarks import icount_turn


def test_the_driver_runs_whole_conversations() -> None:
    icount_turn.drive(2)  # asserts each conversation is the 12 turns the figure divides by
