"""Fixtures shared by the platform adapters' tests."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.logging_setup import JsonFormatter


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """All records at INFO and above, formatted as `serve` writes them."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield out
    root.removeHandler(handler)
    root.setLevel(old_level)
