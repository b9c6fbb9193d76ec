"""Gatepost's own documents: an autoescaped Jinja environment per templates folder, and offline PDFs.

Each wing keeps its documents' templates beside its code (the evidence pack in
web/templates, subject access exports in records/templates, digests and termly reports
in oversight/templates).  PDFs are made by WeasyPrint with every URL fetch refused: a
document never loads anything from outside, so an image in a post is referenced by
address only and never downloaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from review_queue import localtime


def html_env(templates: Path) -> Environment:
    """For HTML documents from `templates`: every template autoescaped, whatever its name.

    Times go through `review_queue.localtime`'s `when` and `day` filters: render with `tz`.
    """
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    localtime.install(env)
    return env


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError("Gatepost's documents load nothing from outside")


def offline_pdf(html: str, base_url: str | None = None) -> bytes:
    """The PDF of `html`, made without fetching any URL.  WeasyPrint's own errors pass through."""
    from weasyprint import HTML  # heavy: imported only when a PDF is asked for

    pdf = HTML(string=html, base_url=base_url, url_fetcher=_refuse_fetch).write_pdf()
    if not isinstance(pdf, bytes):
        raise ValueError("WeasyPrint returned no PDF")
    return pdf
