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

import jinja2

from review_queue.localtime import local_date
from review_queue.oversight.trends import SUPPRESS_BELOW, WITHHELD_TEXT, SchoolTrends, TrustTrends
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
    trust = report if isinstance(report, TrustTrends) else None
    schools = report.schools if isinstance(report, TrustTrends) else [report]
    sections = [
        {
            "name": s.name,
            "slug": s.slug,
            "term": s.term,
            "year": s.year,
            "term_charts": s.term.charts(f"s{i}t"),
        }
        for i, s in enumerate(schools)
    ]
    head = schools[0].term if schools else None
    return {
        "title": "Online conduct: termly report for governors",
        "scope": "All schools in the trust" if trust else schools[0].name,
        "term_name": trust.term_name if trust else (head.name if head else ""),
        "generated": local_date(now, timezone, "%d %B %Y"),
        "threshold": SUPPRESS_BELOW,
        "sections": sections,
        "trust": trust,
        "school_names": [s.name for s in schools],
        "withheld": WITHHELD_TEXT,
    }


def render_html(report: SchoolTrends | TrustTrends, now: datetime, timezone: str) -> str:
    return _env.get_template("termly/termly.html").render(**context(report, now, timezone))


def render_pdf(html: str) -> bytes:
    return offline_pdf(html, base_url=str(TEMPLATES))
