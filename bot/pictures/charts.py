"""The cost chart and the roadmap picture drawn with matplotlib, as SVG (web page) and PNG
(Slack, Teams).

matplotlib is imported on the first picture drawn, never at import of this module: `serve`
idles without it. Figures are built with the object API and the Agg/SVG canvases (no pyplot,
no global figure registry), so drawing is thread-safe per figure. Pictures are cached per
answer set in a bounded LRU: everyone with the same answers gets the same bytes.
"""

from __future__ import annotations

import io
import math
import textwrap
import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from dialogs.bounded_cache import BoundedCache
from dialogs.compiled import CompiledKnowledge, compile_knowledge
from dialogs.engine import decide
from dialogs.formatting import count
from dialogs.pictures import CostChart, RoadmapPicture, cost_chart, roadmap_picture
from dialogs.slots import Slots
from knowledge.models import Knowledge

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Kind = Literal["cost", "roadmap"]
Format = Literal["svg", "png"]
KINDS: tuple[Kind, ...] = ("cost", "roadmap")
FORMATS: tuple[Format, ...] = ("svg", "png")
CACHE_SIZE = 256
# Cost charts drawn once without their volume mark, kept to draw marks on (see _Backgrounds).
BACKGROUNDS = 16

# Sizes in pixels (at DPI): the web page and Slack get "full"; a Teams card, where every byte
# counts against 28 KB, gets "small".
DPI = 100
SIZES: dict[tuple[Kind, str], tuple[int, int]] = {
    ("cost", "full"): (760, 470), ("roadmap", "full"): (900, 300),
    ("cost", "small"): (400, 256), ("roadmap", "small"): (460, 172),
}
# Colours: the recommended band stands out, the others recede.
COLOURS = {"prompt_engineering": "#2b6cb0", "fine_tuning_self_hosted": "#2f855a",
           "fine_tuning_hosted": "#b7791f", "training_from_scratch": "#9b2c2c"}
MARK = "#c53030"
MUTED = "#4a5568"
# Palette PNGs: line art needs few colours and compresses several times smaller. The small
# ones (a Teams card) get as few as keep the pale price bands apart.
PNG_COLOURS = {("cost", "full"): 48, ("roadmap", "full"): 48, ("cost", "small"): 32,
               ("roadmap", "small"): 24}


@dataclass(frozen=True)
class Picture:
    kind: Kind
    format: Format
    size: str
    data: bytes
    alt: str
    width: int
    height: int
    short_alt: str = ""  # where the surface writes the content out beside it (roadmap)

    @property
    def content_type(self) -> str:
        return "image/svg+xml" if self.format == "svg" else "image/png"


# A picture is cached by its format, its size and the chart data it shows.
_PictureKey = tuple[Format, str, "CostChart | RoadmapPicture"]


class PictureMaker:
    """Draws and caches the pictures of one knowledge base."""

    def __init__(self, kb: Knowledge, cache_size: int = CACHE_SIZE,
                 compiled: CompiledKnowledge | None = None) -> None:
        self.kb = kb
        # The runner's, where there is one (bot.server): its caches then exist once.
        self.compiled = compiled if compiled is not None else compile_knowledge(kb)
        # Keyed by what a picture shows; no cache at all with cache_size 0 (the benchmark's).
        self._drawn: BoundedCache[_PictureKey, Picture] | None = (
            BoundedCache(cache_size) if cache_size > 0 else None)
        self._backgrounds = _Backgrounds(BACKGROUNDS)
        # matplotlib's settings are global and a kept figure is not thread-safe: one drawing
        # at a time (the server draws on one worker thread anyway).
        self._lock = threading.Lock()

    def picture(self, kind: Kind, fmt: Format, answers: Slots, size: str = "full") -> Picture:
        """One picture for this answer set. Cached by what it shows (the chart's data), which
        many answer sets share: the roadmap has one picture per start stage."""
        if kind not in KINDS or fmt not in FORMATS or (kind, size) not in SIZES:
            raise ValueError(f"no such picture: {kind}.{fmt} ({size})")
        rec = decide(answers, self.compiled)
        data: CostChart | RoadmapPicture = (cost_chart(rec, answers, self.kb) if kind == "cost"
                                            else roadmap_picture(rec, self.kb))
        if self._drawn is None:
            return self._draw(fmt, size, data)
        return self._drawn.get_or_make((fmt, size, data), lambda: self._draw(fmt, size, data))

    def alt_texts(self, kind: Kind, answers: Slots) -> Picture:
        """A picture's text alternatives without drawing it (data empty), for a surface that
        links to the picture instead of carrying it."""
        rec = decide(answers, self.compiled)
        data: CostChart | RoadmapPicture = (cost_chart(rec, answers, self.kb) if kind == "cost"
                                            else roadmap_picture(rec, self.kb))
        short_alt = data.short_alt if isinstance(data, RoadmapPicture) else data.alt
        width, height = SIZES[(kind, "full")]
        return Picture(kind, "png", "full", b"", data.alt, width, height, short_alt)

    def cached(self) -> int:
        """How many pictures are kept."""
        return 0 if self._drawn is None else len(self._drawn)

    def _draw(self, fmt: Format, size: str, data: CostChart | RoadmapPicture) -> Picture:
        small = size == "small"
        kind: Kind = "cost" if isinstance(data, CostChart) else "roadmap"
        width, height = SIZES[(kind, size)]
        colours = PNG_COLOURS[(kind, size)]
        level = 9 if small else 6  # a Teams card's PNG: every byte counts, compress harder
        with self._lock:
            if isinstance(data, CostChart) and fmt == "png":
                rgba, pixels = self._backgrounds.cost_rgba(data, width, height, small)
                image = _palette_png(rgba, pixels, colours, level)
            elif isinstance(data, CostChart):
                image = _render(_cost_figure(data, width, height, small), fmt, colours, level)
            else:
                image = _render(_roadmap_figure(data, width, height, small), fmt, colours, level)
        short_alt = data.short_alt if isinstance(data, RoadmapPicture) else data.alt
        return Picture(kind, fmt, size, image, data.alt, width, height, short_alt)


class _Backgrounds:
    """Cost charts of different answer sets mostly differ only in the volume they mark. Each
    chart without its mark is drawn once (raster) and kept, bounded; a new volume is then the
    kept pixels plus one line and one label (matplotlib's blitting)."""

    def __init__(self, size: int) -> None:
        self._entries: BoundedCache[Any, tuple[Any, Any]] = BoundedCache(size)

    def cost_rgba(self, chart: CostChart, width: int, height: int, small: bool
                  ) -> tuple[Any, tuple[int, int]]:
        key = (width, height, small, replace(chart, volume=0, volume_is_theirs=False,
                                             volume_label="", at_volume=(), alt=""))
        canvas, background = self._entries.get_or_make(
            key, lambda: _background(chart, width, height, small))
        canvas.restore_region(background)
        ax = canvas.figure.axes[0]
        for artist in _mark_volume(ax, chart, _font(small)):
            ax.draw_artist(artist)
            artist.remove()
        return canvas.buffer_rgba(), canvas.get_width_height()


def _background(chart: CostChart, width: int, height: int, small: bool) -> tuple[Any, Any]:
    """A cost chart drawn without its volume mark: the canvas and its pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(_cost_figure(chart, width, height, small, mark=False))
    canvas.draw()
    return canvas, canvas.copy_from_bbox(canvas.figure.bbox)


# --- drawing ------------------------------------------------------------------------------------

def _new_figure(width: int, height: int) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width / DPI, height / DPI), dpi=DPI)


def _render(figure: Figure, fmt: Format, colours: int, compress_level: int) -> bytes:
    import matplotlib

    buffer = io.BytesIO()
    # Text stays text in SVG (searchable, selectable, small); no random ids, so the same
    # answers give the same bytes; no timestamp in the metadata.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "which-approach"}):
        if fmt == "svg":
            from matplotlib.backends.backend_svg import FigureCanvasSVG

            FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None})
            return buffer.getvalue()
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        return _palette_png(canvas.buffer_rgba(), canvas.get_width_height(), colours,
                            compress_level)


def _palette_png(rgba: Any, size: tuple[int, int], colours: int, compress_level: int) -> bytes:
    from PIL import Image

    image = Image.frombuffer("RGBA", size, rgba, "raw", "RGBA", 0, 1).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=colours, method=Image.Quantize.FASTOCTREE).save(
        out, format="PNG", compress_level=compress_level)
    return out.getvalue()


def _money(value: float, _: Any = None) -> str:
    if value >= 1e6:
        return f"${value / 1e6:g}M"
    if value >= 1e3:
        return f"${value / 1e3:g}K"
    return f"${value:g}"


def _tokens(value: float, _: Any = None) -> str:
    return count(value)


def _font(small: bool) -> int:
    return 7 if small else 9


def _mark_volume(ax: Any, chart: CostChart, font: int) -> list[Any]:
    """The person's volume: a line, labelled at its foot (the payback is labelled from the
    top of its own line, so the two never meet)."""
    line = ax.axvline(chart.volume, color=MARK, linewidth=1.6)
    span = math.log10(chart.tokens[-1] / chart.tokens[0])
    right_half = math.log10(chart.volume / chart.tokens[0]) / span > 0.5
    label = ax.annotate(chart.volume_label, xy=(chart.volume, 0),
                        xycoords=("data", "axes fraction"),
                        xytext=(-4 if right_half else 4, 6), textcoords="offset points",
                        ha="right" if right_half else "left", va="bottom",
                        fontsize=font, color=MARK, fontweight="bold",
                        bbox={"boxstyle": "square,pad=0.2", "facecolor": "white",
                              "edgecolor": "none", "alpha": 0.85})
    return [line, label]


def _cost_figure(chart: CostChart, width: int, height: int, small: bool,
                 mark: bool = True) -> Figure:
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    font = _font(small)
    figure = _new_figure(width, height)
    # The legend sits under the axes, where no line or label of the chart can run into it.
    bottom, left = (0.33, 0.15) if small else (0.2, 0.11)
    ax = figure.add_axes((left, bottom, 0.97 - left, 0.91 - bottom))
    ax.set_xscale("log")
    ax.set_yscale("log")
    top = 0.0
    for band in chart.bands:
        colour = COLOURS.get(band.series, MUTED)
        ax.fill_between(chart.tokens, band.low, band.high, color=colour,
                        alpha=0.35 if band.recommended else 0.15, linewidth=0,
                        label=band.label)
        middle = [(lo * hi) ** 0.5 if lo > 0 else hi for lo, hi in zip(band.low, band.high,
                                                                       strict=True)]
        ax.plot(chart.tokens, middle, color=colour, linewidth=2.4 if band.recommended else 1,
                linestyle="-" if band.recommended else "--")
        top = max(top, *band.high)
    bottom = min(min(v for v in b.low if v > 0) for b in chart.bands)
    ax.set_ylim(max(bottom, 0.01) / 2, top * 2)
    ax.set_xlim(chart.tokens[0], chart.tokens[-1])

    if mark:
        _mark_volume(ax, chart, font)
    span = math.log10(chart.tokens[-1] / chart.tokens[0])
    if chart.payback_tokens is not None and chart.payback_label:
        ax.axvline(chart.payback_tokens, color=MUTED, linewidth=1, linestyle=":")
        left = math.log10(chart.payback_tokens / chart.tokens[0]) / span < 0.75
        ax.annotate(textwrap.fill(chart.payback_label, 22), xy=(chart.payback_tokens, 1),
                    xycoords=("data", "axes fraction"), xytext=(3 if left else -3, -4),
                    textcoords="offset points", ha="left" if left else "right", va="top",
                    fontsize=font - 1, color=MUTED,
                    bbox={"boxstyle": "square,pad=0.2", "facecolor": "white",
                          "edgecolor": "none", "alpha": 0.85})

    # Minor ticks on two log axes are hundreds of artists: most of the drawing time.
    ax.xaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_locator(LogLocator(base=10, numticks=8))
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=7))
    ax.xaxis.set_major_formatter(FuncFormatter(_tokens))
    ax.yaxis.set_major_formatter(FuncFormatter(_money))
    ax.tick_params(labelsize=font - 1)
    ax.set_xlabel(chart.x_label, fontsize=font)
    ax.set_ylabel(chart.y_label, fontsize=font)
    ax.set_title(chart.title, fontsize=font + 2, fontweight="bold", loc="left")
    ax.grid(True, which="major", color="#e2e8f0", linewidth=0.6)
    handles, labels = ax.get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.02, 0.0), ncol=2,
                  fontsize=font - 1, frameon=False, columnspacing=1.2, handlelength=1.6)
    # The caption (whose prices these are) is shown by each surface as text beside the
    # picture: readable at any size, and hundreds of glyphs less to draw.
    return figure


def _roadmap_figure(road: RoadmapPicture, width: int, height: int, small: bool) -> Figure:
    font = 7 if small else 10
    figure = _new_figure(width, height)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    n = len(road.stages)
    xs = [(i + 0.5) / n for i in range(n)]
    line_y = 0.7
    ax.plot([xs[0], xs[-1]], [line_y, line_y], color=MUTED, linewidth=2, zorder=1)
    wrap = max(14, int(width / n / (font * 0.8)))
    for x, stage in zip(xs, road.stages, strict=True):
        colour = MARK if stage.current else "#2b6cb0"
        ax.scatter([x], [line_y], s=(260 if small else 420) * (1.3 if stage.current else 1),
                   color=colour, zorder=2, edgecolors="white", linewidths=1.5)
        ax.text(x, line_y, str(stage.stage), ha="center", va="center", color="white",
                fontsize=font + 1, fontweight="bold", zorder=3)
        title = textwrap.fill(stage.title, max(10, int(width / n / (font + 1))))
        ax.text(x, line_y + 0.11, title, ha="center", va="bottom", fontsize=font + 1,
                fontweight="bold", color=colour, linespacing=1.1)
        if stage.current:
            above = 0.3 if "\n" in title else 0.22
            ax.text(x, line_y + above, f"▼ {road.start_label}", ha="center", va="bottom",
                    fontsize=font, fontweight="bold", color=MARK)
        lines = textwrap.wrap(stage.exit, wrap)
        max_lines = 4 if small else 7
        if len(lines) > max_lines:
            lines = lines[:max_lines]
            lines[-1] = lines[-1].rstrip(" .,:;") + "…"
        ax.text(x, line_y - 0.12, "\n".join(lines), ha="center", va="top", fontsize=font - 1,
                color=MUTED, linespacing=1.25)
    return figure
