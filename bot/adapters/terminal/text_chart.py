"""The cost chart for a terminal: one bar per approach at the person's monthly volume, its
length the price range on a log scale, so a factor of ten looks like a factor of ten."""

from __future__ import annotations

import math

from rich.table import Table
from rich.text import Text

from dialogs.formatting import count
from dialogs.pictures import cost_chart
from dialogs.recommendation import Recommendation
from dialogs.slots import Slots
from knowledge.models import Knowledge

BAR_WIDTH = 24
LABEL_WIDTH = 26
LOW_FLOOR_USD = 0.01  # $0 (no training) is drawn at the left edge


def _position(value: float, lo: float, hi: float) -> int:
    value = max(value, LOW_FLOOR_USD)
    return round((math.log10(value) - lo) / (hi - lo) * (BAR_WIDTH - 1)) if hi > lo else 0


def cost_text_chart(rec: Recommendation, answers: Slots, kb: Knowledge) -> Table:
    chart = cost_chart(rec, answers, kb)
    p = kb.pictures
    key = "text_chart_title" if chart.volume_is_theirs else "text_chart_reference"
    values = [max(v, LOW_FLOOR_USD) for c in chart.at_volume for v in (c.low, c.high)]
    lo = math.floor(math.log10(min(values)))
    hi = math.ceil(math.log10(max(values)))
    table = Table.grid(padding=(0, 2))
    table.title = p.label(key, tokens=count(chart.volume))
    table.title_style = "bold"
    table.add_column(max_width=LABEL_WIDTH)
    table.add_column(no_wrap=True, width=BAR_WIDTH)
    table.add_column(no_wrap=True)
    for c in chart.at_volume:
        start, end = _position(c.low, lo, hi), _position(c.high, lo, hi)
        bar = Text(" " * start)
        bar.append("█" * max(1, end - start + 1), style="green" if c.recommended else "cyan")
        bar.append(" " * (BAR_WIDTH - len(bar.plain)))
        name = Text(c.label, style="bold green" if c.recommended else "")
        table.add_row(name, bar, Text(c.text()))
    table.add_row(Text(""), Text(f"${10.0 ** lo:,.2g}".ljust(BAR_WIDTH // 2)
                                 + f"${10.0 ** hi:,.0f}".rjust(BAR_WIDTH // 2), style="dim"),
                  Text(""))
    if chart.payback_label:
        table.caption = chart.payback_label
    return table
