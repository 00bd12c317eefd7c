"""Bar charts drawn on the server as SVG: no JavaScript, no CDN, printable.

Accessible by construction: the SVG is an image (`role="img"`) named by its <title> and
described by a <desc> that states what the bars add up to; every bar has a <title> with its
value (a browser shows it on hover, a screen reader can reach it); axes carry their labels.
The viewBox is narrow (480 units) and the phone's CSS enlarges its text, so at 375 px it still reads at ~11 px, and
colours are set as attributes that differ in lightness too, so a grey print tells them apart.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 480, 240
LEFT, RIGHT, TOP, BOTTOM = 54, 8, 34, 46  # room for the y labels, the legend and the x labels
PALETTE = ("#1f5f8b", "#e8a33d", "#7a4f9a", "#3a9d5d")  # dark blue, light orange: apart in grey too
MAX_X_LABELS = 6
_PLOT_W, _PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

_ids = itertools.count(1)


@dataclass
class Series:
    name: str
    values: list[float]
    color: str = ""


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """0 and round steps (1, 2 or 5 times a power of ten) up to at least `top`."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if step < 1 and float(top).is_integer():
        step = 1  # counts never get half ticks
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def bar_chart(*, title: str, labels: list[str], series: list[Series], x_label: str, y_label: str,
              stacked: bool = True, hover_labels: list[str] | None = None) -> SafeString:
    """Bars per label (stacked, or side by side), a value axis from 0, and a legend when there
    is more than one series. `hover_labels` name each bar in its <title> (full dates, say)
    where `labels` are short."""
    colors = [s.color or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    ticks = nice_ticks(max(totals if stacked else [v for s in series for v in s.values], default=0))
    scale = _PLOT_H / ticks[-1]
    slot = _PLOT_W / max(len(labels), 1)
    parts = [
        *_opening(next(_ids), title, len(labels), series, x_label, y_label),
        *_value_axis(ticks, scale, y_label),
        *_bars(labels, hover_labels or labels, series, colors, stacked, scale, slot),
        *_category_axis(labels, slot, x_label),
        *(_legend(series, colors) if len(series) > 1 else []),
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + _PLOT_H}" y2="{TOP + _PLOT_H}" stroke="#333"/>',
        "</svg>",
    ]
    return mark_safe("".join(parts))  # every text in it went through escape()


def _y(value: float, scale: float) -> float:
    """Where `value` lands on the plot, from its bottom edge up."""
    return TOP + _PLOT_H - value * scale


def _opening(uid: int, title: str, bars: int, series: list[Series], x_label: str, y_label: str) -> list[str]:
    """The <svg> tag with the title and the description a screen reader announces."""
    summary = "; ".join(f"{s.name}: {_number(sum(s.values))} in all" for s in series)
    return [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart{uid}-title chart{uid}-desc" font-size="12" font-family="inherit">',
        f'<title id="chart{uid}-title">{escape(title)}</title>',
        f'<desc id="chart{uid}-desc">'
        f'{escape(f"{y_label} per {x_label.lower()}, {bars} bars. {summary}.")}</desc>',
    ]


def _value_axis(ticks: list[float], scale: float, y_label: str) -> list[str]:
    """A grid line and a number per tick, and the axis's label turned upright."""
    parts = []
    for tick in ticks:
        y = _y(tick, scale)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#d0d5dd" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#333">{_number(tick)}</text>')
    parts.append(f'<text transform="translate(13 {TOP + _PLOT_H / 2:.0f}) rotate(-90)" text-anchor="middle" '
                 f'fill="#333">{escape(y_label)}</text>')
    return parts


def _bars(labels: list[str], hover_labels: list[str], series: list[Series], colors: list[str], stacked: bool,
          scale: float, slot: float) -> list[str]:
    """One <rect> per value, each with a <title> naming its label, value and series."""
    parts = []
    gap = min(slot * 0.2, 6)
    bar_w = (slot - gap) if stacked else (slot - gap) / max(len(series), 1)
    for i in range(len(labels)):
        base = 0.0
        for n, s in enumerate(series):
            value = s.values[i]
            x = LEFT + i * slot + gap / 2 + (0 if stacked else n * bar_w)
            bottom = base if stacked else 0.0
            height = value * scale
            parts.append(f'<rect x="{x:.1f}" y="{_y(bottom + value, scale):.1f}" width="{max(bar_w, 1):.1f}" '
                         f'height="{height:.1f}" fill="{colors[n]}"><title>{escape(hover_labels[i])}: '
                         f'{_number(value)} {escape(s.name.lower())}</title></rect>')
            if stacked:
                base += value
    return parts


def _category_axis(labels: list[str], slot: float, x_label: str) -> list[str]:
    parts = []
    every = math.ceil(len(labels) / MAX_X_LABELS) if labels else 1
    for i in range(0, len(labels), every):  # thinned so labels never overlap
        x = LEFT + i * slot + slot / 2
        parts.append(f'<text x="{x:.1f}" y="{TOP + _PLOT_H + 16}" text-anchor="middle" fill="#333">'
                     f'{escape(labels[i])}</text>')
    parts.append(f'<text x="{LEFT + _PLOT_W / 2:.0f}" y="{HEIGHT - 6}" text-anchor="middle" fill="#333">'
                 f'{escape(x_label)}</text>')
    return parts


def _legend(series: list[Series], colors: list[str]) -> list[str]:
    """A swatch and a name per series, in a row at the top left."""
    parts, x = [], LEFT
    for n, s in enumerate(series):
        parts.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{colors[n]}"/>')
        parts.append(f'<text x="{x + 16}" y="19" fill="#333">{escape(s.name)}</text>')
        x += 28 + 11 * len(s.name)  # room for the phone's larger text (static/css)
    return parts
