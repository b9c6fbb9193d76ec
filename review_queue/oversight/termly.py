"""The governors' termly report: the trends of one school, or of a trust, as HTML and as PDF.

It renders `review_queue.oversight.trends` output only, so it inherits its guarantees: aggregates,
small counts suppressed, no names, handles, post text or links to items.  PDF comes from
weasyprint, with the charts as inline SVG and no network access (a URL fetcher that
refuses everything).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from review_queue.oversight.trends import SUPPRESS_BELOW, SchoolTrends, TrustTrends
from review_queue.rendering import offline_pdf

# The report's templates (termly/), shared with the console's trends page.
TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def context(report: SchoolTrends | TrustTrends, now: datetime, timezone: str) -> dict[str, Any]:
    """Plain data for the report and dashboard templates (charts are pre-rendered SVG)."""
    if isinstance(report, TrustTrends):
        schools, total, rows = report.schools, report.total, report.rows
    else:
        schools, total, rows = [report], None, []
    sections = []
    for i, s in enumerate(schools):
        sections.append(
            {
                "name": s.name,
                "term": s.term,
                "year": s.year,
                "term_charts": s.term.charts(f"s{i}t"),
                "year_charts": s.year.charts(f"s{i}y"),
            }
        )
    head = total or schools[0]
    return {
        "title": "Online conduct: termly report for governors",
        "scope": "All schools in the trust" if total else schools[0].name,
        "term_name": head.term.name,
        "year_name": head.year.name,
        "generated": now.astimezone(ZoneInfo(timezone)).strftime("%d %B %Y"),
        "threshold": SUPPRESS_BELOW,
        "sections": sections,
        "total": (
            {
                "name": total.name,
                "term": total.term,
                "year": total.year,
                "term_charts": total.term.charts("tt"),
                "year_charts": total.year.charts("ty"),
            }
            if total
            else None
        ),
        "school_names": [s.name for s in schools],
        "rows": rows,
    }


def render_html(report: SchoolTrends | TrustTrends, now: datetime, timezone: str) -> str:
    return _env.get_template("termly/termly.html").render(**context(report, now, timezone))


def render_pdf(html: str) -> bytes:
    return offline_pdf(html, base_url=str(TEMPLATES))
