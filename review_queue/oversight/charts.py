"""Small server-side SVG charts for the governors' trends: horizontal bars and weekly columns.

Hand-built SVG, so there is nothing to load from a CDN and the same markup works in a
browser, in an email and in weasyprint's PDF.  No inline `style` attributes: the
console's Content-Security-Policy allows stylesheets from 'self' only.  Charts take already-suppressed counts
(`trends.Count`): a suppressed value is drawn as a hatched band from 0 to the
suppression threshold and labelled "<5", so a bar's height never reveals a small
number; a zero is drawn as an empty bar labelled 0.  A breakdown left out to protect a
small number (`withheld`) is its title and that sentence, as HTML.  Labels are escaped;
the result is `Markup` safe to put in an autoescaped page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from markupsafe import Markup, escape

BAR = "#2563eb"
BAR_ALT = "#0f766e"
SUPPRESSED = "#9ca3af"
GRID = "#e5e7eb"
TEXT = "#374151"
FONT = 'font-family="Helvetica, Arial, sans-serif"'


class CountLike(Protocol):
    @property
    def value(self) -> int | None: ...
    @property
    def text(self) -> str: ...


def _svg_start(width: int, height: int, title: str, pattern_id: str) -> list[str]:
    """The opening of a chart: the svg element, the hatch pattern for suppressed counts, the title."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" class="chart" {FONT}>',
        _hatch(pattern_id),
        f'<text x="0" y="16" font-size="14" font-weight="bold" fill="{TEXT}">{escape(title)}</text>',
    ]


def _hatch(pid: str) -> str:
    return (
        f'<defs><pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f3f4f6"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{SUPPRESSED}" stroke-width="3"/></pattern></defs>'
    )


def _nice_max(m: int) -> int:
    # Multiples of 4, so the quarter gridlines fall on whole numbers; never below 8, so a
    # hatched "fewer than 5" band does not fill the plot and read as a big number.
    for step in (8, 12, 20, 40, 60, 100, 200, 400, 600, 1000, 2000, 4000):
        if m <= step:
            return step
    return ((m // 4000) + 1) * 4000


def _withheld(title: str, sentence: str) -> Markup:
    # Plain HTML rather than SVG: a sentence wraps on a phone, SVG text does not.
    return Markup(  # noqa: S704 -- both strings go through escape()
        f'<p class="caption">{escape(title)}</p><p class="small">{escape(sentence)}</p>'
    )


def bar_chart(
    rows: Sequence[tuple[str, CountLike]],
    *,
    title: str,
    threshold: int,
    chart_id: str,
    colour: str = BAR,
    width: int = 400,
    withheld: str = "",
) -> Markup:
    """Horizontal bars, one row per label, value printed at the end of each bar."""
    if withheld:
        return _withheld(title, withheld)
    label_w, row_h, top = 120, 24, 30
    plot_w = width - label_w - 80
    height = top + row_h * max(len(rows), 1) + 10
    peak = _nice_max(max([c.value or 0 for _, c in rows] + [threshold]))
    pid = f"hatch-{chart_id}"
    out = _svg_start(width, height, title, pid)
    if not rows:
        out.append(f'<text x="0" y="{top + 16}" font-size="12" fill="{TEXT}">Nothing in this period.</text>')
    for i, (label, count) in enumerate(rows):
        y = top + i * row_h
        out.append(
            f'<text x="{label_w - 8}" y="{y + 16}" font-size="12" text-anchor="end" fill="{TEXT}">'
            f"{escape(label)}</text>"
        )
        if count.value is None and not count.text.startswith("fewer"):
            out.append(
                f'<text x="{label_w + 6}" y="{y + 16}" font-size="12" fill="{TEXT}">'
                f"{escape(count.text)}</text>"
            )
        elif count.value is None:
            w = plot_w * threshold / peak
            out.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="url(#{pid})" '
                f'stroke="{SUPPRESSED}"/>'
            )
            out.append(
                f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" font-size="12" fill="{TEXT}">fewer than '
                f"{threshold}</text>"
            )
        else:
            w = plot_w * count.value / peak
            out.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
                f'fill="{colour}" rx="2"/>'
            )
            out.append(
                f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" font-size="12" font-weight="bold" '
                f'fill="{TEXT}">{count.value}</text>'
            )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 -- every label above went through escape()


def week_chart(
    weeks: Sequence[tuple[str, CountLike]],
    *,
    title: str,
    threshold: int,
    chart_id: str,
    colour: str = BAR,
    width: int = 620,
    height: int = 220,
    withheld: str = "",
) -> Markup:
    """Columns per week (oldest left) with a light grid; every few weeks labelled."""
    if withheld:
        return _withheld(title, withheld)
    left, right, top, bottom = 34, 10, 30, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max([c.value or 0 for _, c in weeks] + [threshold]))
    n = max(len(weeks), 1)
    slot = plot_w / n
    bar_w = max(slot * 0.7, 1.0)
    pid = f"hatch-{chart_id}"
    out = _svg_start(width, height, title, pid)
    for k in range(5):
        v = peak * k / 4
        y = top + plot_h - plot_h * k / 4
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        out.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" fill="{TEXT}">'
            f"{v:g}</text>"
        )
    every = max(1, round(n / 8))
    for i, (label, count) in enumerate(weeks):
        x = left + i * slot + (slot - bar_w) / 2
        if count.value is None and not count.text.startswith("fewer"):
            # Hidden only to protect a small neighbour: no bar, but say so, so it is not read as zero.
            out.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - 4}" font-size="9" text-anchor="middle" '
                f'fill="{SUPPRESSED}">n/s<title>{escape(label)}: {escape(count.text)}</title></text>'
            )
        elif count.value is None:
            h = plot_h * threshold / peak
            out.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="url(#{pid})" stroke="{SUPPRESSED}"><title>{escape(label)}: {escape(count.text)}'
                f"</title></rect>"
            )
        elif count.value == 0:
            # An empty week is a zero, not a gap in the data: say so at the baseline.
            out.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - 4}" font-size="9" text-anchor="middle" '
                f'fill="{TEXT}">0<title>{escape(label)}: 0</title></text>'
            )
        else:
            h = plot_h * count.value / peak
            out.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{colour}" rx="1"><title>{escape(label)}: {count.value}</title></rect>'
            )
        if i % every == 0:
            out.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 14}" font-size="10" text-anchor="middle" '
                f'fill="{TEXT}">{escape(label)}</text>'
            )
    legend_y = height - 6
    out.append(
        f'<rect x="{left}" y="{legend_y - 9}" width="10" height="10" fill="url(#{pid})" '
        f'stroke="{SUPPRESSED}"/>'
        f'<text x="{left + 14}" y="{legend_y}" font-size="10" fill="{TEXT}">fewer than {threshold} '
        f"(not shown exactly) · n/s: not shown, so a small number cannot be worked out · 0: none</text>"
    )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 -- every label above went through escape()
