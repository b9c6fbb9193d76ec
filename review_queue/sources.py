"""What `gatepost sources` and the admin console show about each source: plain data, read-only.

The truth about a source is its row: the last success, the last error (an id or a
status, never post text), the cursor, posts stored, X reads spent today, and whether
it is failing permanently or backing off.  Nothing here commits.

A source's row outlives its `[[sources]]` entry (its cursor is kept in case it comes
back), so `current_and_older` splits the rows into those the profile lists now, named
as the profile names them, and the older ones.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from review_queue.models import School, Source, utcnow


@dataclasses.dataclass(frozen=True)
class SourceHealth:
    key: str
    kind: str
    status: str  # ok | failing | failing permanently | backing off | never run
    last_run_at: datetime | None
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    cursor: str | None
    posts_stored: int
    reads_today: int | None  # X only: posts read today against the daily budget
    backoff_until: datetime | None
    set_aside_count: int = 0  # records passed over because they could not be stored
    last_set_aside: str | None = None  # the latest one's id and reason
    last_set_aside_at: datetime | None = None
    # What people call it ("rss news.example.com/feed.xml"), from the profile; "" for a row
    # whose source the profile no longer lists.
    name: str = ""


def source_health(session: Session, school_slug: str, now: datetime | None = None) -> list[SourceHealth]:
    """One row per source of the school, in key order."""
    now = now or utcnow()
    today = now.date().isoformat()
    rows = session.scalars(
        select(Source)
        .join(School, School.id == Source.school_id)
        .where(School.slug == school_slug)
        .order_by(Source.key)
    )
    out = []
    for s in rows:
        if s.failing_permanently:
            status = "failing permanently"
        elif s.backoff_until is not None and s.backoff_until > now:
            status = "backing off"
        elif s.consecutive_failures:
            status = "failing"
        elif s.last_success_at is None:
            status = "never run"
        else:
            status = "ok"
        out.append(
            SourceHealth(
                key=s.key,
                kind=s.kind,
                status=status,
                last_run_at=s.last_run_at,
                last_success_at=s.last_success_at,
                last_error_at=s.last_error_at,
                last_error=s.last_error,
                consecutive_failures=s.consecutive_failures,
                cursor=s.cursor,
                posts_stored=s.posts_stored,
                reads_today=(s.reads_today if s.reads_day == today else 0) if s.kind == "x" else None,
                backoff_until=s.backoff_until,
                set_aside_count=s.set_aside_count,
                last_set_aside=s.last_set_aside,
                last_set_aside_at=s.last_set_aside_at,
            )
        )
    return out


def current_and_older(
    rows: Sequence[SourceHealth], names: Mapping[str, str]
) -> tuple[list[SourceHealth], list[SourceHealth]]:
    """The rows the profile lists now (`names`: key -> name, in the profile's order), each
    named, in that order; and the older rows, whose sources the profile no longer lists."""
    by_key = {h.key: h for h in rows}
    current = [dataclasses.replace(by_key[key], name=name) for key, name in names.items() if key in by_key]
    older = [h for h in rows if h.key not in names]
    return current, older
