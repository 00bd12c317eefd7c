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
    uid = next(_ids)
    hover_labels = hover_labels or labels
    colors = [s.color or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = max(totals if stacked else [v for s in series for v in s.values], default=0)
    ticks = nice_ticks(top)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    scale = plot_h / ticks[-1]

    def y(value):
        return TOP + plot_h - value * scale

    summary = "; ".join(f"{s.name}: {_number(sum(s.values))} in all" for s in series)
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart{uid}-title chart{uid}-desc" font-size="12" font-family="inherit">',
        f'<title id="chart{uid}-title">{escape(title)}</title>',
        f'<desc id="chart{uid}-desc">'
        f'{escape(f"{y_label} per {x_label.lower()}, {len(labels)} bars. {summary}.")}</desc>',
    ]
    for tick in ticks:  # grid and value axis
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                     f'stroke="#d0d5dd" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="#333">{_number(tick)}</text>')
    parts.append(f'<text transform="translate(13 {TOP + plot_h / 2:.0f}) rotate(-90)" text-anchor="middle" '
                 f'fill="#333">{escape(y_label)}</text>')
    slot = plot_w / max(len(labels), 1)
    gap = min(slot * 0.2, 6)
    bar_w = (slot - gap) if stacked else (slot - gap) / max(len(series), 1)
    for i in range(len(labels)):
        base = 0.0
        for n, s in enumerate(series):
            value = s.values[i]
            x = LEFT + i * slot + gap / 2 + (0 if stacked else n * bar_w)
            bottom = base if stacked else 0.0
            height = value * scale
            parts.append(f'<rect x="{x:.1f}" y="{y(bottom + value):.1f}" width="{max(bar_w, 1):.1f}" '
                         f'height="{height:.1f}" fill="{colors[n]}"><title>{escape(hover_labels[i])}: '
                         f'{_number(value)} {escape(s.name.lower())}</title></rect>')
            if stacked:
                base += value
    every = math.ceil(len(labels) / MAX_X_LABELS) if labels else 1
    for i in range(0, len(labels), every):  # category axis, thinned so labels never overlap
        x = LEFT + i * slot + slot / 2
        parts.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" fill="#333">'
                     f'{escape(labels[i])}</text>')
    parts.append(f'<text x="{LEFT + plot_w / 2:.0f}" y="{HEIGHT - 6}" text-anchor="middle" fill="#333">'
                 f'{escape(x_label)}</text>')
    if len(series) > 1:  # legend, top left
        x = LEFT
        for n, s in enumerate(series):
            parts.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{colors[n]}"/>')
            parts.append(f'<text x="{x + 16}" y="19" fill="#333">{escape(s.name)}</text>')
            x += 28 + 11 * len(s.name)  # room for the phone's larger text (static/css)
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="#333"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text in it went through escape()
