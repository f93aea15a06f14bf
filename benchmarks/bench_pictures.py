"""The pictures' figures (issue 18), measured in process, printed, never asserted.

    python -m benchmarks.bench_pictures            # 30 draws of each picture
    python -m benchmarks.bench_pictures --quick    # 5 draws of each

For each picture (cost chart, roadmap) and format (SVG for the web page, PNG for Slack and
the small PNG a Teams card carries): the CPU time (time.process_time) of one draw with the
cache off, p50 and max, its size in bytes, and its ratio to a floor: an empty matplotlib
figure of the same size saved in the same format (what any matplotlib picture costs). A cost
PNG is measured twice: "cold", a chart never drawn before (a fresh PictureMaker each time),
and "new volume", another person's volume on a chart already drawn (a new answer set each
time, so no cached picture, but the kept background). Then a cached draw, and the import of
matplotlib itself, which `serve` pays on its first picture.
"""

from __future__ import annotations

import argparse
import io
import time

from dialogs.slots import Slots
from knowledge import default_knowledge
from testsupport.stats import percentile

ANSWERS = Slots(has_data="yes", examples=5000, priority="consistency", budget="medium",
                hardware="datacenter_gpu", monthly_tokens=20_000_000)


def _cpu_ms(fn, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        start = time.process_time()
        fn()
        times.append((time.process_time() - start) * 1000)
    return times


def _floor(width: int, height: int, fmt: str) -> None:
    from matplotlib.figure import Figure

    from bot.pictures.charts import DPI

    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    buffer = io.BytesIO()
    if fmt == "svg":
        from matplotlib.backends.backend_svg import FigureCanvasSVG

        FigureCanvasSVG(figure).print_svg(buffer)
    else:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(figure).print_png(buffer)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    n = 5 if parser.parse_args().quick else 30

    start = time.process_time()
    import matplotlib.figure  # noqa: F401

    import_ms = (time.process_time() - start) * 1000
    from bot.pictures.charts import SIZES, Format, Kind, PictureMaker

    kb = default_knowledge()
    uncached = PictureMaker(kb, cache_size=0)
    volumes = iter(range(2_000_000, 10**12, 1_000))
    cases: tuple[tuple[Kind, Format, str, str], ...] = (
        ("cost", "svg", "full", ""), ("cost", "png", "full", "cold"),
        ("cost", "png", "full", "new volume"), ("cost", "png", "small", "cold"),
        ("cost", "png", "small", "new volume"), ("roadmap", "svg", "full", ""),
        ("roadmap", "png", "full", ""), ("roadmap", "png", "small", ""))
    for kind, fmt, size, how in cases:
        width, height = SIZES[(kind, size)]
        uncached.picture(kind, fmt, ANSWERS, size)  # warm: fonts loaded, caches filled
        _floor(width, height, fmt)
        if how == "cold":
            def draw(k=kind, f=fmt, s=size):  # type: ignore[no-untyped-def]
                return PictureMaker(kb, cache_size=0).picture(k, f, ANSWERS, s)
        elif how == "new volume":
            def draw(k=kind, f=fmt, s=size):  # type: ignore[no-untyped-def]
                answers = ANSWERS.model_copy(update={"monthly_tokens": next(volumes)})
                return uncached.picture(k, f, answers, s)
        else:
            def draw(k=kind, f=fmt, s=size):  # type: ignore[no-untyped-def]
                return uncached.picture(k, f, ANSWERS, s)
        draws = _cpu_ms(draw, n)
        floor = percentile(_cpu_ms(lambda w=width, h=height, f=fmt: _floor(w, h, f), n), 0.5)
        data = uncached.picture(kind, fmt, ANSWERS, size).data
        p50 = percentile(draws, 0.5)
        print(f"{kind:8} {fmt} {size:5} {how:10} {width}x{height}: p50 {p50:6.1f} ms, max "
              f"{max(draws):6.1f} ms CPU; floor (empty figure) {floor:5.1f} ms; ratio "
              f"{p50 / floor:4.1f}x; {len(data):,} bytes")
    cached = PictureMaker(kb)
    cached.picture("cost", "svg", ANSWERS)
    hits = _cpu_ms(lambda: cached.picture("cost", "svg", ANSWERS), n * 10)
    print(f"cached draw: p50 {percentile(hits, 0.5) * 1000:.1f} us CPU")
    print(f"import matplotlib.figure (first picture only): {import_ms:.0f} ms CPU")


if __name__ == "__main__":
    main()
