"""Urgent alerts owed for review items: which are owed, claiming one, and what it may say.

Each urgent item gets one `UrgentAlert` row, which a worker takes, sends and records as
`review_queue.outbox` says: one worker sends it, a failed send is retried, never dropped.

What an alert says is deliberately thin (category, severity, time, console link): no
post text, no handle, no URL of the post.  This module sends nothing and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from classifiers.policy import Policy
from review_queue import outbox
from review_queue.localtime import local_time
from review_queue.models import ReviewItem, School, UrgentAlert

# The severity whose flags alert at once (policy.toml marks threat, pupil_image, security).
URGENT = "urgent"
# Items in these states still need someone; a decided item needs no alert.
ALERTABLE_STATUSES = ("open", "escalated")
# Where the console shows one item; the console owns this route.
ITEM_PATH = "/items/{id}"


@dataclass(frozen=True)
class ClaimedAlert:
    """An alert this worker now owns: plain data, safe to use after the session closes."""

    alert_id: int
    item_id: int
    school_slug: str
    school_name: str
    categories: tuple[str, ...]
    severity: str
    flagged_at: datetime
    # True once a webhook post has succeeded, so a retry for the email does not repeat it.
    webhook_done: bool = False


@dataclass(frozen=True)
class AlertMessage:
    subject: str
    text: str
    webhook: dict[str, Any]


def open_owed_alerts(session: Session, school_id: int | None = None) -> int:
    """Create the alert row for every urgent item that has none yet; returns how many were added.

    An item is urgent when its severity is: a judgement's severity is the highest of its
    categories' severities in policy.toml, so any urgent category makes it urgent.  The
    filter is in SQL because this runs every minute over a queue that only grows.
    Concurrent callers may race to insert; the unique item id settles it.
    """
    q = (
        select(ReviewItem.id, ReviewItem.school_id)
        .outerjoin(UrgentAlert, UrgentAlert.item_id == ReviewItem.id)
        .where(
            UrgentAlert.id.is_(None),
            ReviewItem.severity == URGENT,
            ReviewItem.status.in_(ALERTABLE_STATUSES),
        )
    )
    if school_id is not None:
        q = q.where(ReviewItem.school_id == school_id)
    added = 0
    for item_id, item_school in session.execute(q):
        try:
            with session.begin_nested():
                session.add(UrgentAlert(item_id=item_id, school_id=item_school))
            added += 1
        except IntegrityError:
            pass  # another worker added it first
    return added


def claim_alerts(session: Session, now: datetime, school_id: int | None = None) -> list[ClaimedAlert]:
    """Take every unsent alert whose lease is free; returns only those this worker won.

    The caller commits straight after, then sends, then records the outcome.
    """
    q = (
        select(UrgentAlert.id, UrgentAlert.claimed_until)
        .where(outbox.unsent_and_free(UrgentAlert, now))
        .order_by(UrgentAlert.id)
    )
    if school_id is not None:
        q = q.where(UrgentAlert.school_id == school_id)
    won = [a for a, seen in session.execute(q).all() if outbox.take(session, UrgentAlert, a, seen, now)]
    if not won:
        return []
    rows = session.execute(
        select(
            UrgentAlert.id,
            ReviewItem.id,
            School.slug,
            School.name,
            ReviewItem.categories,
            ReviewItem.severity,
            ReviewItem.created_at,
            UrgentAlert.webhook_ok,
        )
        .join(ReviewItem, ReviewItem.id == UrgentAlert.item_id)
        .join(School, School.id == UrgentAlert.school_id)
        .where(UrgentAlert.id.in_(won))
        .order_by(UrgentAlert.id)
    )
    return [
        ClaimedAlert(a, i, slug, name, tuple(cats or ()), sev, created, bool(hook))
        for a, i, slug, name, cats, sev, created, hook in rows
    ]


def mark_sent(
    session: Session,
    alert_id: int,
    now: datetime,
    *,
    recipients: int,
    out_of_hours: bool,
    webhook_ok: bool | None,
) -> None:
    session.execute(
        update(UrgentAlert)
        .where(UrgentAlert.id == alert_id)
        .values(
            sent_at=now,
            recipients=recipients,
            out_of_hours=out_of_hours,
            webhook_ok=webhook_ok,
            last_error=None,
            claimed_until=None,
        )
        .execution_options(synchronize_session=False)
    )


def mark_failed(
    session: Session, alert_id: int, now: datetime, error: str, *, webhook_ok: bool | None = None
) -> None:
    """Record why it failed (a code, not content) and free it to be retried shortly."""
    extra = {} if webhook_ok is None else {"webhook_ok": webhook_ok}
    outbox.give_back(session, UrgentAlert, alert_id, now, error, **extra)


def compose(
    alert: ClaimedAlert,
    *,
    policy: Policy,
    base_url: str,
    timezone: str,
    out_of_hours: bool,
) -> AlertMessage:
    """The alert's words: category (as the policy labels it), severity, time and a console link.
    Nothing from the post."""
    when = local_time(alert.flagged_at, timezone, "%a %d %b %Y, %H:%M")
    labels = [policy.label(c) for c in alert.categories] or ["Urgent flag"]
    link = base_url.rstrip("/") + ITEM_PATH.format(id=alert.item_id)
    subject = f"[Gatepost] URGENT: {', '.join(labels)} flagged, {alert.school_name}"
    lines = [
        f"An urgent flag needs the safeguarding lead at {alert.school_name}.",
        "",
        f"Category: {', '.join(labels)}",
        f"Severity: {alert.severity}",
        f"Flagged:  {when}",
        "",
        f"Open it in Gatepost (sign-in required): {link}",
        "",
        "This alert deliberately carries no post text or names; they stay in Gatepost.",
    ]
    if out_of_hours:
        lines.append("You are receiving this as the out-of-hours contact.")
    webhook = {
        "text": f"URGENT {', '.join(labels)} flag at {alert.school_name}, {when}. Open in Gatepost: {link}",
        "school": alert.school_slug,
        "categories": list(alert.categories),
        "severity": alert.severity,
        "flagged_at": alert.flagged_at.isoformat(),
        "link": link,
    }
    return AlertMessage(subject=subject, text="\n".join(lines) + "\n", webhook=webhook)
