"""Draw the Teams app icons (stdlib only): `python deploy/teams/make_icons.py`.

- color.png, 192x192: a white fork (one path splitting three ways, the three approaches) on the
  accent colour.
- outline.png, 32x32: the same fork in white on a transparent background, as Teams requires.

Shapes are rasterised with 4x4 supersampling for smooth edges; the files are deterministic.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ACCENT = (0x4F, 0x6B, 0xED)  # also manifest.json's accentColor
WHITE = (0xFF, 0xFF, 0xFF)

# The fork on a unit square: a stem from the bottom to the junction, three branches, dots.
JUNCTION = (0.5, 0.55)
STEM = ((0.5, 0.88), JUNCTION)
BRANCHES = [(JUNCTION, (0.2, 0.22)), (JUNCTION, (0.5, 0.16)), (JUNCTION, (0.8, 0.22))]
DOTS = [(0.2, 0.22), (0.5, 0.16), (0.8, 0.22), (0.5, 0.88)]


def _segment_distance(px: float, py: float, a: tuple[float, float],
                      b: tuple[float, float]) -> float:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def _inside(x: float, y: float, line: float, dot: float) -> bool:
    segments = [STEM, *BRANCHES]
    if any(_segment_distance(x, y, a, b) <= line for a, b in segments):
        return True
    return any(math.hypot(x - cx, y - cy) <= dot for cx, cy in DOTS)


def _coverage(size: int, line: float, dot: float, margin: float) -> list[list[float]]:
    """Share of each pixel the fork covers (0..1), the fork scaled inside `margin`."""
    samples = 4
    span = 1.0 - 2 * margin
    rows = []
    for py in range(size):
        row = []
        for px in range(size):
            hits = 0
            for sy in range(samples):
                for sx in range(samples):
                    x = ((px + (sx + 0.5) / samples) / size - margin) / span
                    y = ((py + (sy + 0.5) / samples) / size - margin) / span
                    hits += _inside(x, y, line, dot)
            row.append(hits / samples ** 2)
        rows.append(row)
    return rows


def _png(pixels: list[list[tuple[int, int, int, int]]]) -> bytes:
    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def color_icon() -> bytes:
    cover = _coverage(192, line=0.055, dot=0.09, margin=0.16)
    pixels = [[tuple(round(w * c + a * (1 - c)) for w, a in zip(WHITE, ACCENT, strict=True))
               + (255,) for c in row] for row in cover]
    return _png(pixels)  # type: ignore[arg-type]


def outline_icon() -> bytes:
    cover = _coverage(32, line=0.07, dot=0.11, margin=0.04)
    return _png([[(*WHITE, round(255 * c)) for c in row] for row in cover])


def main() -> None:
    (HERE / "color.png").write_bytes(color_icon())
    (HERE / "outline.png").write_bytes(outline_icon())


if __name__ == "__main__":
    main()
