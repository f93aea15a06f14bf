"""The per-person turn limit's in-process counter (the Redis store counts in Redis instead).

A fixed window per conversation key. All keys share one clock-aligned window, so the table
only ever holds the keys seen in the current window and is dropped whole when it ends: memory
stays bounded by one minute's distinct people, with no sweeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable

WINDOW_SECONDS = 60


class WindowCounter:
    def __init__(self, window_seconds: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._window = window_seconds
        self._clock = clock
        self._current = -1
        self._counts: dict[str, int] = {}

    def hit(self, key: str) -> int:
        """Count one turn for `key`; its number of turns in the current window, this one too."""
        window = int(self._clock() // self._window)
        if window != self._current:
            self._current = window
            self._counts = {}
        count = self._counts.get(key, 0) + 1
        self._counts[key] = count
        return count

    def count(self, key: str) -> int:
        """`key`'s count in the current window, without counting."""
        if int(self._clock() // self._window) != self._current:
            return 0
        return self._counts.get(key, 0)

    def seconds_left(self) -> float:
        """Until the current window ends (and every count in it with it)."""
        return self._window - self._clock() % self._window

    def __len__(self) -> int:
        """Keys counted in the current window."""
        if int(self._clock() // self._window) != self._current:
            return 0
        return len(self._counts)
