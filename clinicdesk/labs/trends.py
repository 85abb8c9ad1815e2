"""Trends of a repeated test, as plain data: the reference range parsed, and a small SVG sparkline.

Pure (no database, no Django): takes numbers, returns numbers and markup. The sparkline is drawn on the server
because the pages carry no JavaScript (the CSP forbids inline scripts, and no chart library is shipped).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html import escape

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_BETWEEN = re.compile(rf"\s*({_NUMBER})\s*(?:-|–|to)\s*({_NUMBER})\s*")
_BOUND = re.compile(rf"\s*(<=|>=|<|>|≤|≥)\s*({_NUMBER})\s*")


@dataclass(frozen=True)
class Range:
    """A reference range: either side may be open (``<5`` has no low, ``>60`` no high)."""

    low: Decimal | None
    high: Decimal | None

    def outside(self, value: Decimal) -> bool:
        return (self.low is not None and value < self.low) or (self.high is not None and value > self.high)


def parse_range(text: str) -> Range | None:
    """``65-99``, ``3.5 - 5.0``, ``-2-2``, ``<5``, ``>=60``; None for anything else (``negative``, empty)."""
    try:
        if match := _BETWEEN.fullmatch(text):
            low, high = Decimal(match.group(1)), Decimal(match.group(2))
            return Range(low, high) if low <= high else None
        if match := _BOUND.fullmatch(text):
            bound = Decimal(match.group(2))
            return Range(None, bound) if match.group(1) in ("<", "<=", "≤") else Range(bound, None)
    except InvalidOperation:
        return None
    return None


@dataclass(frozen=True)
class Point:
    """One value of a trend: x is its position in time (any unit), y the value; ``flagged`` draws it red."""

    x: float
    y: float
    flagged: bool = False


def sparkline(points: Sequence[Point], band: Range | None = None, *, width: int = 120, height: int = 28,
              label: str = "") -> str:
    """An inline SVG: the values as a line over time, the reference range as a shaded band, flagged points
    red. Empty for fewer than two points (one value is no trend)."""
    if len(points) < 2:
        return ""
    pad = 3.0
    ys = [p.y for p in points]
    if band is not None:
        ys += [float(b) for b in (band.low, band.high) if b is not None]
    y_lo, y_hi = min(ys), max(ys)
    if y_hi == y_lo:
        y_lo, y_hi = y_lo - 1, y_hi + 1
    x_lo, x_hi = min(p.x for p in points), max(p.x for p in points)
    x_span = (x_hi - x_lo) or 1.0

    def sx(x: float) -> float:
        return round(pad + (x - x_lo) / x_span * (width - 2 * pad), 1)

    def sy(y: float) -> float:
        return round(height - pad - (y - y_lo) / (y_hi - y_lo) * (height - 2 * pad), 1)

    parts = [f'<svg class="sparkline" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label or "trend")}">']
    if band is not None:
        top = sy(float(band.high)) if band.high is not None else pad
        bottom = sy(float(band.low)) if band.low is not None else height - pad
        parts.append(f'<rect class="sparkline-range" x="{pad}" y="{top}" width="{width - 2 * pad}" '
                     f'height="{max(bottom - top, 0.5)}" fill="#e3f1e6"/>')
    path = " ".join(f"{sx(p.x)},{sy(p.y)}" for p in points)
    parts.append(f'<polyline fill="none" stroke="#3b5b7a" stroke-width="1.5" points="{path}"/>')
    for p in points:
        colour = "#b42318" if p.flagged else "#3b5b7a"
        parts.append(f'<circle cx="{sx(p.x)}" cy="{sy(p.y)}" r="{2.5 if p.flagged else 1.8}" fill="{colour}"/>')
    parts.append("</svg>")
    return "".join(parts)
