"""The queue and the decisions as CSV a DSL can open in a spreadsheet, safely, and audited.

Post text and handles are written by strangers, so every cell that a spreadsheet would
read as a formula (one starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is
neutralised with a leading apostrophe, the usual defence against CSV injection: Excel and
LibreOffice then show it as text and run nothing.  Files are UTF-8 with a byte-order
mark, so that Excel reads accents and emoji correctly.  Every export is written to the
audit log (under each school whose rows it holds), with a count, never the rows.  This is
not the labelled-feedback export (review_queue.feedback), which feeds retraining.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import HTTPException
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.policy import Policy
from review_queue import audit
from review_queue.casework import platform_reports
from review_queue.models import Decision, Post, ReviewItem, School, User, utcnow
from review_queue.queue import QueueFilter, count_items, list_items

# A spreadsheet's worth: past this, the export asks for a narrower view instead of
# building a file nobody can scroll (and the request would hold a worker for long).
MAX_ROWS = 20_000
# Excel's limit for one cell; a longer post is cut, and says so.
MAX_CELL_CHARS = 32_000
# What a spreadsheet takes for the start of a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A value as CSV cell text that no spreadsheet will evaluate."""
    text = "" if value is None else str(value)
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS] + " [cut]"
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _when(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S") if dt else ""


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[object]]


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in table.header])
    writer.writerows([safe_cell(v) for v in row] for row in table.rows)
    return "\ufeff" + out.getvalue()


def csv_response(table: Table, stem: str) -> Response:
    return Response(
        to_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{stem}-{utcnow():%Y-%m-%d}.csv"'},
    )


def _emails(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {
        uid: email for uid, email in session.execute(select(User.id, User.email).where(User.id.in_(wanted)))
    }


def _school_names(session: Session) -> dict[int, str]:
    return {sid: name for sid, name in session.execute(select(School.id, School.name))}


def _audit(
    session: Session, user: User, action: str, object_id: str, counts: Mapping[int | None, int], **detail: Any
) -> None:
    """One entry per school whose rows left the console, so each school's DSL sees it in their log."""
    for school_id, n in (counts or {user.school_id: 0}).items():
        audit.record(
            session,
            user=user,
            action=action,
            object_type="export",
            object_id=object_id,
            school_id=school_id,
            detail={"rows": n, **detail},
        )


def _too_many(n: int) -> HTTPException:
    return HTTPException(
        status_code=400,
        detail=f"{n} rows match; an export holds at most {MAX_ROWS}. Narrow the view (status, dates).",
    )


def _count_by_school(school_ids: Sequence[int]) -> dict[int | None, int]:
    counts: dict[int | None, int] = {}
    for sid in school_ids:
        counts[sid] = counts.get(sid, 0) + 1
    return counts


def queue_csv(session: Session, user: User, f: QueueFilter, policy: Policy) -> Table:
    """Every item of this queue view (all pages), one row each, in the queue's order."""
    known = policy.labels()
    n = count_items(session, user.school_id, f, known)
    if n > MAX_ROWS:
        raise _too_many(n)
    items = list_items(session, user.school_id, replace(f, page=1, limit=MAX_ROWS), known)
    every_school = user.school_id is None
    names = _school_names(session) if every_school else {}
    emails = _emails(session, (i.assigned_to_id for i in items))
    header = [
        "Item",
        *(["School"] if every_school else []),
        "Status",
        "Severity",
        "Categories",
        "Where",
        "Account",
        "Post text",
        "Address",
        "Posted (UTC)",
        "Flagged (UTC)",
        "Deadline (UTC)",
        "Decided (UTC)",
        "Assigned to",
    ]
    rows: list[list[object]] = [
        [
            i.id,
            *([names.get(i.school_id, "")] if every_school else []),
            i.status,
            i.severity,
            ", ".join(i.categories or []),
            platform_reports.PLATFORMS[platform_reports.platform_for(i.post)].name,
            i.post.author_handle,
            i.post.text,
            i.post.url,
            _when(i.post.created_at),
            _when(i.created_at),
            _when(i.due_at),
            _when(i.decided_at),
            emails.get(i.assigned_to_id or 0, ""),
        ]
        for i in items
    ]
    _audit(
        session,
        user,
        "export.queue_csv",
        f.status or "all",
        _count_by_school([i.school_id for i in items]),
        status=f.status or "all",
    )
    return Table(header, rows)


def decisions_csv(
    session: Session, user: User, since: date | None, until: date | None, school_id: int | None
) -> Table:
    """Every decision recorded in the period (UTC days), oldest first, with the post it was about."""
    q = (
        select(Decision, ReviewItem, Post)
        .join(ReviewItem, ReviewItem.id == Decision.item_id)
        .join(Post, Post.id == ReviewItem.post_id)
        .order_by(Decision.id)
        .limit(MAX_ROWS + 1)
    )
    scope = user.school_id if user.school_id is not None else school_id
    if scope is not None:
        q = q.where(ReviewItem.school_id == scope)
    if since:
        q = q.where(Decision.created_at >= datetime.combine(since, time.min, UTC))
    if until:
        q = q.where(Decision.created_at < datetime.combine(until + timedelta(days=1), time.min, UTC))
    found = [(d, i, p) for d, i, p in session.execute(q)]
    if len(found) > MAX_ROWS:
        raise _too_many(len(found))
    every_school = user.school_id is None
    names = _school_names(session) if every_school else {}
    emails = _emails(session, (d.user_id for d, _i, _p in found))
    header = [
        "Decision",
        "Item",
        *(["School"] if every_school else []),
        "Decided (UTC)",
        "By",
        "Action",
        "Categories",
        "Reason",
        "Where",
        "Account",
        "Post text",
        "Address",
        "Item status now",
    ]
    rows: list[list[object]] = [
        [
            d.id,
            i.id,
            *([names.get(i.school_id, "")] if every_school else []),
            _when(d.created_at),
            emails.get(d.user_id or 0, "(removed account)"),
            d.action,
            ", ".join(d.categories or []),
            d.reason,
            platform_reports.PLATFORMS[platform_reports.platform_for(p)].name,
            p.author_handle,
            p.text,
            p.url,
            i.status,
        ]
        for d, i, p in found
    ]
    _audit(
        session,
        user,
        "export.decisions_csv",
        "decisions",
        _count_by_school([i.school_id for _d, i, _p in found]),
        since=since.isoformat() if since else "",
        until=until.isoformat() if until else "",
    )
    return Table(header, rows)
