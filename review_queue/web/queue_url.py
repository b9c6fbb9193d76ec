"""A queue view in the URL: its filters read from a query string, and written back into one.

The queue page, its CSV export, an item opened from the queue (so that a decision leads
to the next item in the same view) and the bulk form all read the same parameters, so a
link, a bookmark or the back button reproduces the view exactly.  A school is named by its
slug, and only for an account that sees every school.  Bad values are a 400, never a guess.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from urllib.parse import parse_qsl, urlencode

from fastapi import HTTPException

from classifiers.policy import Policy
from review_queue.queue import MAX_SEARCH_CHARS, QueueFilter

STATUSES = ("waiting", "open", "escalated", "confirmed", "dismissed", "")
# Past this page, a reviewer is better served by a filter or a search.
MAX_PAGE = 10_000
# What a view's query string may hold, in the order it is written.
FIELDS = ("status", "q", "category", "severity", "source", "school", "since", "until")


def _date(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(status_code=400, detail="Dates are written YYYY-MM-DD.") from None


def read_view(params: Mapping[str, str], policy: Policy, schools: Mapping[str, int] | None) -> QueueFilter:
    """The filter a query string names.  `schools` (slug -> id) only for a trust-wide account."""
    status = params.get("status", "waiting")
    category = params.get("category", "")
    severity = params.get("severity", "")
    slug = params.get("school", "")
    if (
        status not in STATUSES
        or (category and category not in policy.categories)
        or (severity and severity not in policy.severities)
        or (slug and (schools is None or slug not in schools))
    ):
        raise HTTPException(status_code=400, detail="Unknown filter value.")
    page = params.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
        raise HTTPException(status_code=400, detail="Pages are numbered from 1.")
    return QueueFilter(
        status=status,
        category=category,
        severity=severity,
        source=params.get("source", "")[:32],
        since=_date(params.get("since", "")),
        until=_date(params.get("until", "")),
        q=" ".join(params.get("q", "")[:MAX_SEARCH_CHARS].split()),
        school_id=schools[slug] if slug and schools is not None else None,
        page=int(page),
    )


def read_view_string(query: str, policy: Policy, schools: Mapping[str, int] | None) -> QueueFilter:
    """The filter a form's hidden `view` field carries (a query string, as the queue wrote it)."""
    return read_view(dict(parse_qsl(query[:2_000], keep_blank_values=True)), policy, schools)


def view_query(f: QueueFilter, schools: Mapping[str, int] | None = None) -> str:
    """The query string that names this view (not its page), with defaults left out; `schools`
    (slug -> id, as `read_view` takes it) names the view's school."""
    slugs = {sid: slug for slug, sid in (schools or {}).items()}
    values = {
        "status": f.status,
        "q": f.q,
        "category": f.category,
        "severity": f.severity,
        "source": f.source,
        "school": slugs.get(f.school_id, "") if f.school_id is not None else "",
        "since": f.since.isoformat() if f.since else "",
        "until": f.until.isoformat() if f.until else "",
    }
    # Status "" (any) is written: it differs from the default, waiting.
    pairs = [(k, values[k]) for k in FIELDS if values[k] != ("waiting" if k == "status" else "")]
    return urlencode(pairs)
