"""Judge stored posts that have no judgement yet and queue the flagged ones.

Judging is separate from fetching, so a classifier failure never loses a captured
post: the post stays unjudged and the next run picks it up.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from classifiers.base import media_from_json
from classifiers.policy import Policy
from review_queue.db import Database
from review_queue.models import Judgement, Post, School
from review_queue.queue import record_judgement

log = logging.getLogger(__name__)

# Posts judged per transaction: the model works fastest on batches.
BATCH_SIZE = 500


def classify_pending(db: Database, school_slug: str, classifier: Any, policy: Policy) -> tuple[int, int]:
    """Judge every unjudged post of a school.  Returns (posts judged, items queued)."""
    judged = queued = 0
    while True:
        with db.session_scope() as session:
            school = session.scalar(select(School).where(School.slug == school_slug))
            if school is None:
                return judged, queued
            posts = list(
                session.scalars(
                    select(Post)
                    .outerjoin(Judgement, Judgement.post_id == Post.id)
                    .where(Post.school_id == school.id, Judgement.id.is_(None))
                    .order_by(Post.id)
                    .limit(BATCH_SIZE)
                )
            )
            if not posts:
                return judged, queued
            results = classifier.classify_many([(p.text, media_from_json(p.media)) for p in posts])
            for post, result in zip(posts, results, strict=True):
                if record_judgement(session, post, result.to_json(), policy) is not None:
                    queued += 1
            judged += len(posts)
        log.info("judged %d posts for %s (%d queued so far)", len(posts), school_slug, queued)
