"""Charts as inline SVG, drawn on the server: no chart library, no script, the same in pages and reports.

Every text that goes into the SVG (brand names, dates) is escaped here; the result is
:class:`markupsafe.Markup`, so templates insert it as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

__all__ = ["bar_chart", "line_chart"]

#: series colours (CSS classes s0..s7 in app.css); chosen to stay apart for common colour blindness
SERIES = 8


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000, 100_000, 1_000_000):
        if value <= step * 5:
            return float(step * 5)
    return float(value)


def line_chart(
    x_labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    title: str,
    marks: dict[str, Sequence[int]] | None = None,
    y_format: str = "{:,.0f}",
    y_max: float | None = None,
    width: int = 720,
    height: int = 240,
) -> Markup:
    """Lines over shared x labels; None values leave gaps; ``marks`` rings points (e.g. spikes) per series."""
    left, right, top, bottom = 48, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for vs in series.values() for v in vs if v is not None]
    peak = y_max if y_max is not None else _nice_max(max(values, default=0.0))
    n = max(len(x_labels), 1)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - plot_h * (v / peak if peak else 0.0)

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for k in range(5):
        level = peak * k / 4
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(level):.1f}" y2="{y(level):.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{y(level) + 4:.1f}" text-anchor="end">'
            f"{escape(y_format.format(level))}</text>"
        )
    step = max(1, n // 8)
    for i in range(0, n, step):
        parts.append(
            f'<text class="axis" x="{x(i):.1f}" y="{height - 8}" text-anchor="middle">{escape(x_labels[i][5:])}</text>'
        )
    for s, (name, vs) in enumerate(series.items()):
        cls = f"s{s % SERIES}"
        runs: list[list[str]] = [[]]
        for i, v in enumerate(vs):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{x(i):.1f},{y(v):.1f}")
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline class="line {cls}" points="{" ".join(run)}"/>')
        for i, v in enumerate(vs):
            if v is not None:
                label = f"{name} {x_labels[i]}: {y_format.format(v)}"
                parts.append(
                    f'<circle class="dot {cls}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5">'
                    f"<title>{escape(label)}</title></circle>"
                )
        for i in (marks or {}).get(name, []):
            v = vs[i]
            if v is not None:
                parts.append(
                    f'<circle class="spike {cls}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="7">'
                    f"<title>{escape(f'spike: {name} {x_labels[i]}')}</title></circle>"
                )
    parts.append("</svg>")
    legend = "".join(
        f'<span class="key"><i class="swatch s{s % SERIES}"></i>{escape(name)}</span>'
        for s, name in enumerate(series)
    )
    return Markup(f'<figure class="chart-box">{"".join(parts)}<figcaption>{legend}</figcaption></figure>')


def bar_chart(
    labels: Sequence[str], values: Sequence[float], title: str, value_format: str = "{:.0%}", width: int = 720
) -> Markup:
    """Horizontal bars, one per label, values from 0 up."""
    items = list(zip(labels, values, strict=True))
    row, label_w = 26, 140
    height = row * len(items) + 8
    peak = max((v for _, v in items), default=0.0) or 1.0
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(items):
        bar = (width - label_w - 70) * value / peak
        yy = 4 + i * row
        parts.append(
            f'<text class="axis" x="{label_w - 8}" y="{yy + 16}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar s{i % SERIES}" x="{label_w}" y="{yy + 3}" width="{bar:.1f}" height="{row - 8}">'
            f"<title>{escape(f'{label}: {value_format.format(value)}')}</title></rect>"
            f'<text class="axis" x="{label_w + bar + 6:.1f}" y="{yy + 16}">{escape(value_format.format(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
