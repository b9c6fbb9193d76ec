"""Human decisions as labelled feedback for retraining the classifier.

Each decided item becomes one example: the post's text, what the model flagged, and
what the reviewer decided (dismissed = not a breach; confirmed with categories, which
may differ from the model's).  A dismissal as "criticism, not misconduct" is labelled
["criticism"]: the classifier's recognised, never-flagged category, which it learns to
tell from the flags.  `classifiers/` reads the JSONL this writes; it never
imports review_queue.  This is an export, not a training routine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from review_queue.models import Decision, ReviewItem

# The classifier's categories that are recognised and never flagged (classifiers.base
# NON_FLAG_CATEGORIES, which review_queue does not import): a dismissal may name them.
NON_FLAG_LABELS = ("criticism",)


def labelled_feedback(session: Session, school_id: int | None = None) -> Iterator[dict[str, Any]]:
    """One example per dismissed or confirmed item, from its latest deciding decision."""
    q = select(ReviewItem).where(ReviewItem.status.in_(("dismissed", "confirmed"))).order_by(ReviewItem.id)
    if school_id is not None:
        q = q.where(ReviewItem.school_id == school_id)
    for item in session.scalars(q):
        decision = session.scalar(
            select(Decision)
            .where(Decision.item_id == item.id, Decision.action.in_(("dismiss", "confirm")))
            .order_by(Decision.id.desc())
            .limit(1)
        )
        if decision is None:
            continue
        j = item.post.judgement
        model_flags = sorted(j.flags) if j else []
        if decision.action == "dismiss":
            human = sorted(c for c in decision.categories if c in NON_FLAG_LABELS)
        else:
            human = sorted(decision.categories)
        yield {
            "id": f"{item.post.kind}:{item.post.external_id}",
            "text": item.post.text,
            "media": list(item.post.media or []),
            "decided_at": (item.decided_at or decision.created_at).isoformat(),
            "model_flags": model_flags,
            "model_version": j.model_version if j else "",
            "label": human,
            "decision": decision.action,
            # dismissed = a false positive; corrected = confirmed with other categories.
            "kind": "false_positive"
            if decision.action == "dismiss"
            else ("agreed" if human == model_flags else "corrected"),
        }
