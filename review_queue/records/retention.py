"""Apply the policy's retention periods: delete what Gatepost no longer needs and count it per table.

The rules, from `[retention]` in policy.toml (a period is counted from the event named):

- a post never flagged (no review item), with its judgement and any revisions seen:
  `unflagged_posts_days` after capture;
- a dismissed item, with its post, judgement, decisions and reports: `dismissed_days` after the
  decision;
- a confirmed item and everything hanging off it: `confirmed_years` (the school's records
  period) after the decision;
- a closed conduct incident, with its letters, meetings, timeline and post links:
  `confirmed_years` after closure; a person record once no incident names them and it is
  older than the records period;
- audit entries: `audit_years` after they were written;
- failed sign-ins and used or expired sign-in links: `signin_records_days`.

What is never deleted here: open and escalated items (a person has not decided yet), and
any item that belongs to an open incident or to a closed one still inside its records
period.  An incident's posts are its evidence, so they live as long as the incident does.

The audit log is hash-chained, so pruning its oldest entries would break the chain at the
first entry kept.  Before pruning, the run appends an `audit.pruned` entry naming the hash
of the last entry it removes; `review_queue.audit.verify_chain` starts from that hash.
The run also appends a `retention.run` entry with the number of rows deleted per table,
never what they held.

This module is not erasure on request (`review_queue.records.privacy`) and not the schedule
(`monitor.jobs.retention`).  Like every state change here, it takes a session and never
commits: a dry run is the same deletes in a transaction that the caller rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Delete, Select, and_, delete, exists, func, or_, select
from sqlalchemy.orm import Session

from classifiers.policy import Retention
from review_queue import audit
from review_queue.models import (
    AuditEntry,
    ConductIncident,
    Decision,
    Escalation,
    IncidentEvent,
    IncidentPost,
    Judgement,
    Letter,
    Meeting,
    Notice,
    OneTimeSignin,
    Person,
    PlatformReport,
    Post,
    PostRevision,
    ReviewItem,
    SafeguardingMark,
    SigninFailure,
    UrgentAlert,
)

# Every table retention deletes from, in the order the rows go (children before parents).
# A table added elsewhere that holds personal data must be added here and to privacy.py;
# tests/review_queue/test_retention.py fails until it is.
TABLES: tuple[str, ...] = (
    "letters",
    "incident_meetings",
    "incident_events",
    "incident_posts",
    "conduct_incidents",
    "people",
    "decisions",
    "platform_reports",
    "safeguarding_marks",
    "urgent_alerts",
    "escalations",
    "notices",
    "review_items",
    "judgements",
    "post_revisions",
    "posts",
    "audit_log",
    "signin_failures",
    "one_time_signins",
)

# Tables retention leaves alone, and why.  Every table is either here or in TABLES.
EXEMPT_TABLES: dict[str, str] = {
    "schools": "the school's own profile: no personal data",
    "sources": "where posts come from and each source's health: ids and status codes only",
    "users": "staff accounts: an admin disables one when someone leaves; the audit log names its id",
    "job_schedules": "when periodic jobs are next due: no personal data",
}

PRUNED_ACTION = audit.PRUNED_ACTION
RUN_ACTION = "retention.run"


def years_before(now: datetime, years: int) -> datetime:
    """The same moment `years` calendar years earlier (29 February becomes 28 February)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


@dataclass(frozen=True)
class Cutoffs:
    """Anything dated before a cutoff is past its period."""

    unflagged: datetime
    dismissed: datetime
    records: datetime
    audit: datetime
    signin: datetime

    @classmethod
    def at(cls, policy: Retention, now: datetime) -> Cutoffs:
        return cls(
            unflagged=now - timedelta(days=policy.unflagged_posts_days),
            dismissed=now - timedelta(days=policy.dismissed_days),
            records=years_before(now, policy.confirmed_years),
            audit=years_before(now, policy.audit_years),
            signin=now - timedelta(days=policy.signin_records_days),
        )


@dataclass
class RetentionResult:
    """Rows deleted per table (every table in TABLES, zeros included)."""

    deleted: dict[str, int]
    audit_pruned_through_id: int | None = None

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


def _count(session: Session, stmt: Delete) -> int:
    return int(session.execute(stmt.execution_options(synchronize_session=False)).rowcount)  # type: ignore[attr-defined]


def _kept_incidents(c: Cutoffs) -> Any:
    """Incidents whose evidence must stay: open ones, and closed ones inside the records period."""
    return or_(
        ConductIncident.status != "closed",
        ConductIncident.closed_at.is_(None),
        ConductIncident.closed_at >= c.records,
    )


def _expired_items(c: Cutoffs) -> Select[Any]:
    decided = func.coalesce(ReviewItem.decided_at, ReviewItem.created_at)
    held_by_incident = exists(
        select(IncidentPost.id)
        .join(ConductIncident, ConductIncident.id == IncidentPost.incident_id)
        .where(IncidentPost.item_id == ReviewItem.id, _kept_incidents(c))
    )
    return select(ReviewItem.id).where(
        or_(
            and_(ReviewItem.status == "dismissed", decided < c.dismissed),
            and_(ReviewItem.status == "confirmed", decided < c.records),
        ),
        ~held_by_incident,
    )


def delete_incidents(session: Session, incident_ids: Select[Any], counts: dict[str, int]) -> None:
    """Delete incidents and everything that hangs off them (not their items, nor their person)."""
    ids = list(session.scalars(incident_ids))
    for chunk in _chunks(ids):
        for model, table in (
            (Letter, "letters"),
            (Meeting, "incident_meetings"),
            (IncidentEvent, "incident_events"),
            (IncidentPost, "incident_posts"),
        ):
            counts[table] += _count(session, delete(model).where(model.incident_id.in_(chunk)))
        counts["conduct_incidents"] += _count(
            session, delete(ConductIncident).where(ConductIncident.id.in_(chunk))
        )


def delete_items(session: Session, item_ids: list[int], counts: dict[str, int]) -> None:
    """Delete review items with everything that hangs off them, then their posts and judgements."""
    for chunk in _chunks(item_ids):
        post_ids = list(session.scalars(select(ReviewItem.post_id).where(ReviewItem.id.in_(chunk))))
        for model, table in (
            (Decision, "decisions"),
            (PlatformReport, "platform_reports"),
            (SafeguardingMark, "safeguarding_marks"),
            (UrgentAlert, "urgent_alerts"),
            (Escalation, "escalations"),
            (Notice, "notices"),
            (IncidentPost, "incident_posts"),
        ):
            counts[table] += _count(session, delete(model).where(model.item_id.in_(chunk)))
        counts["review_items"] += _count(session, delete(ReviewItem).where(ReviewItem.id.in_(chunk)))
        delete_posts(session, post_ids, counts)


def delete_posts(session: Session, post_ids: list[int], counts: dict[str, int]) -> None:
    """Delete posts with their judgements and revisions.  The caller has already removed any review item."""
    for chunk in _chunks(post_ids):
        counts["judgements"] += _count(session, delete(Judgement).where(Judgement.post_id.in_(chunk)))
        counts["post_revisions"] += _count(
            session, delete(PostRevision).where(PostRevision.post_id.in_(chunk))
        )
        counts["posts"] += _count(session, delete(Post).where(Post.id.in_(chunk)))


# Ids per DELETE ... IN (...): well under SQLite's bound-parameter limit.
CHUNK = 500


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def apply_retention(session: Session, policy: Retention, now: datetime) -> RetentionResult:
    """Delete everything past its period as of `now`, audit the run, and return the counts.

    `policy` is the policy's `[retention]` section (`Policy.retention`), validated when it was read.

    Never commits.  Safe to run twice: the second run finds nothing more to delete.
    """
    c = Cutoffs.at(policy, now)
    counts = dict.fromkeys(TABLES, 0)

    # 1. Closed incidents past the records period (their items are then free to go below).
    delete_incidents(
        session,
        select(ConductIncident.id).where(
            ConductIncident.status == "closed", ConductIncident.closed_at < c.records
        ),
        counts,
    )
    # 2. People no incident names any more, once older than the records period.
    named = select(ConductIncident.id).where(ConductIncident.person_id == Person.id)
    counts["people"] += _count(session, delete(Person).where(~exists(named), Person.created_at < c.records))
    # 3. Dismissed and confirmed items past their periods, unless an incident still holds them.
    delete_items(session, list(session.scalars(_expired_items(c))), counts)
    # 4. Posts never flagged.
    unflagged = select(Post.id).where(
        Post.captured_at < c.unflagged,
        ~exists(select(ReviewItem.id).where(ReviewItem.post_id == Post.id)),
    )
    delete_posts(session, list(session.scalars(unflagged)), counts)
    # 5. Sign-in records.
    counts["signin_failures"] += _count(session, delete(SigninFailure).where(SigninFailure.at < c.signin))
    counts["one_time_signins"] += _count(
        session, delete(OneTimeSignin).where(OneTimeSignin.expires_at < c.signin)
    )
    # 6. The audit log last, so that this run's own entries are the newest and always kept.
    pruned_through = session.scalar(select(func.max(AuditEntry.id)).where(AuditEntry.at < c.audit))
    if pruned_through is not None:
        anchor = session.scalar(select(AuditEntry.entry_hash).where(AuditEntry.id == pruned_through))
        entries = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.id <= pruned_through)
        )
        # Appended before the delete: the chain then continues from the last pruned entry.
        audit.record(
            session,
            user=None,
            action=PRUNED_ACTION,
            object_type="audit_log",
            object_id=pruned_through,
            detail={"through_id": pruned_through, "anchor_hash": anchor, "entries": entries},
        )
        counts["audit_log"] += _count(session, delete(AuditEntry).where(AuditEntry.id <= pruned_through))
    audit.record(
        session,
        user=None,
        action=RUN_ACTION,
        object_type="retention",
        object_id=now.date().isoformat(),
        detail={"deleted": {k: v for k, v in counts.items() if v}},
    )
    session.flush()
    return RetentionResult(deleted=counts, audit_pruned_through_id=pruned_through)
