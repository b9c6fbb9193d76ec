"""Queue state changes and queries: judgements in, flagged items out, decisions recorded.

Functions take the session first and never commit.  The web handlers and the jobs
both call these, so a form and a JSON endpoint do the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from review_queue.models import Decision, Judgement, Post, ReviewItem, utcnow

ACTIONS = ("dismiss", "confirm", "escalate", "note")
# An item's status after each action ("note" leaves it as it was).
STATUS_AFTER = {"dismiss": "dismissed", "confirm": "confirmed", "escalate": "escalated"}
# A reason shorter than this is not a reason.
MIN_REASON_CHARS = 3


class DecisionError(ValueError):
    """A decision that cannot be recorded as asked (bad action, no reason, unknown category)."""


def record_judgement(
    session: Session,
    post: Post,
    judgement: Mapping[str, Any],
    policy: Mapping[str, Any],
) -> ReviewItem | None:
    """Store a post's judgement; queue it when it carries flags.  Returns the new item, if any."""
    row = session.scalar(select(Judgement).where(Judgement.post_id == post.id))
    if row is None:
        row = Judgement(post_id=post.id)
        session.add(row)
    row.model_version = str(judgement.get("model_version", ""))
    row.flags = list(judgement.get("flags", []))
    row.scores = dict(judgement.get("scores", {}))
    row.severity = str(judgement.get("severity", "none"))
    row.evidence = list(judgement.get("evidence", []))
    row.recognised = list(judgement.get("recognised", []))
    row.judged_at = utcnow()
    if not row.flags:
        return None
    existing = session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))
    if existing is not None:
        return None
    ranks: Mapping[str, int] = policy.get("severities", {})
    item = ReviewItem(
        post_id=post.id,
        school_id=post.school_id,
        status="open",
        severity=row.severity,
        severity_rank=int(ranks.get(row.severity, 0)),
        categories=list(row.flags),
        created_at=utcnow(),
        due_at=_due(policy, row.flags),
    )
    session.add(item)
    session.flush()
    return item


def _due(policy: Mapping[str, Any], flags: Sequence[str]) -> datetime | None:
    hours = [policy["categories"][f].get("sla_hours") for f in flags if f in policy.get("categories", {})]
    hours = [h for h in hours if h]
    return utcnow() + timedelta(hours=min(hours)) if hours else None


def open_items(session: Session, school_id: int | None = None, limit: int = 100) -> list[ReviewItem]:
    """Items awaiting a decision, most severe first, then oldest."""
    q = select(ReviewItem).where(ReviewItem.status == "open")
    if school_id is not None:
        q = q.where(ReviewItem.school_id == school_id)
    q = q.order_by(ReviewItem.severity_rank.desc(), ReviewItem.created_at, ReviewItem.id).limit(limit)
    return list(session.scalars(q))


def status_counts(session: Session, school_id: int | None = None) -> dict[str, int]:
    q = select(ReviewItem.status, func.count()).group_by(ReviewItem.status)
    if school_id is not None:
        q = q.where(ReviewItem.school_id == school_id)
    return {status: n for status, n in session.execute(q).tuples()}


def decide(
    session: Session,
    item: ReviewItem,
    *,
    action: str,
    reason: str,
    categories: Sequence[str],
    user_id: int | None,
    known_categories: Sequence[str],
) -> Decision:
    """Record a reviewer's decision on an item and move it to its new status."""
    if action not in ACTIONS:
        raise DecisionError(f"unknown action {action!r}")
    reason = reason.strip()
    if len(reason) < MIN_REASON_CHARS:
        raise DecisionError("a decision needs a reason")
    cats = [c for c in dict.fromkeys(categories)]
    unknown = [c for c in cats if c not in known_categories]
    if unknown:
        raise DecisionError(f"unknown categories: {', '.join(unknown)}")
    if not cats:
        raise DecisionError("a decision needs a policy category")
    decision = Decision(item_id=item.id, user_id=user_id, action=action, categories=cats, reason=reason)
    session.add(decision)
    if action in STATUS_AFTER:
        item.status = STATUS_AFTER[action]
        item.decided_at = utcnow()
        if action == "confirm":
            item.categories = cats
    session.flush()
    return decision
