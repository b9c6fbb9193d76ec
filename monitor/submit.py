"""Staff submissions into the queue: build the Post (connectors.manual), store it with provenance, judge it.

One function, called by `gatepost submit` and by the console's submission page, so
both do exactly the same thing.  The screenshot's bytes are read by OCR in memory
and not stored (see `connectors.media`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select

from classifiers.policy import Policy
from connectors.manual import OcrUnavailable, build_submission
from monitor.jobs.classify import classify_pending
from review_queue.db import Database
from review_queue.models import Post, ReviewItem
from review_queue.store import ensure_school, ingest_posts
from review_queue.submissions import SubmissionRefused

__all__ = ["SubmissionRefused", "SubmitResult", "submit"]


@dataclasses.dataclass(frozen=True)
class SubmitResult:
    post_id: int
    new: bool  # False when the same submission was already stored
    item_id: int | None  # the review item, when the post was flagged
    severity: str | None


def submit(
    db: Database,
    school_slug: str,
    school_name: str,
    classifier: Any,
    policy: Policy,
    *,
    submitted_by: str,
    where_from: str,
    text: str = "",
    url: str = "",
    screenshot: bytes | None = None,
    author_handle: str = "",
) -> SubmitResult:
    """Store and judge one staff submission.  Raises SubmissionRefused for unusable input.

    The post is stored before it is judged: if judging fails, the submission is kept
    and the next classify run picks it up.
    """
    try:
        sub = build_submission(
            submitted_by=submitted_by,
            where_from=where_from,
            text=text,
            url=url,
            screenshot=screenshot,
            author_handle=author_handle,
        )
    except ValueError as exc:
        raise SubmissionRefused(str(exc)) from exc
    except OcrUnavailable as exc:
        raise SubmissionRefused("the screenshot could not be read; paste the text instead") from exc
    with db.session_scope() as session:
        school = ensure_school(session, school_slug, school_name)
        new = ingest_posts(session, school.id, None, [sub.post], provenance=sub.provenance)
        post = session.scalar(
            select(Post).where(
                Post.school_id == school.id, Post.kind == "manual", Post.external_id == sub.post.external_id
            )
        )
        assert post is not None
        post_id = post.id
    classify_pending(db, school_slug, classifier, policy)
    with db.session_scope() as session:
        item = session.scalar(select(ReviewItem).where(ReviewItem.post_id == post_id))
        return SubmitResult(post_id, bool(new), item.id if item else None, item.severity if item else None)
