"""Record what a re-check of a captured post found: an edit or a deletion, keeping what was captured.

The post row is never overwritten: it is the evidence as first captured.  An edit adds
a `PostRevision` with the new content and sets `Post.edited_at`; a deletion adds a
"deleted" revision and sets `Post.deleted_at`.  Seeing the same version again adds
nothing.  Nothing here commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from review_queue.models import Post, PostRevision, ReviewItem
from review_queue.store import NotStorable, PostLike, content_hash, evidence_hash, storable
from review_queue.store import _media_json as media_json


def flagged_to_recheck(
    session: Session, source_id: int, now: datetime, max_age: timedelta, limit: int
) -> list[Post]:
    """Flagged posts of a source, captured within `max_age`, not yet seen deleted; oldest check first."""
    return list(
        session.scalars(
            select(Post)
            .join(ReviewItem, ReviewItem.post_id == Post.id)
            .where(Post.source_id == source_id, Post.deleted_at.is_(None), Post.captured_at >= now - max_age)
            .order_by(Post.id)
            .limit(limit)
        )
    )


def record_recheck(session: Session, post: Post, current: PostLike | None, now: datetime) -> str | None:
    """Apply one re-check result to `post`; return "edited", "deleted" or None (unchanged)."""
    if current is None:
        if post.deleted_at is not None:
            return None
        post.deleted_at = now
        record: dict[str, Any] = {"post": post.external_id, "change": "deleted", "seen_at": now.isoformat()}
        session.add(
            PostRevision(
                post_id=post.id,
                change="deleted",
                seen_at=now,
                content_hash=post.content_hash,
                evidence_hash=evidence_hash(record),
            )
        )
        return "deleted"
    text = storable(current.text)
    media = storable(media_json(current.media))
    try:
        raw = storable(current.raw)
    except NotStorable as exc:
        raw = {"not_kept": str(exc)}  # the edit is still evidence; its payload could not be kept
    chash = content_hash(text, media)
    latest = session.scalar(
        select(PostRevision)
        .where(PostRevision.post_id == post.id, PostRevision.change == "edited")
        .order_by(PostRevision.id.desc())
        .limit(1)
    )
    if chash == (latest.content_hash if latest else post.content_hash):
        return None
    record = {
        "post": post.external_id,
        "change": "edited",
        "seen_at": now.isoformat(),
        "text": text,
        "media": media,
    }
    session.add(
        PostRevision(
            post_id=post.id,
            change="edited",
            seen_at=now,
            text=text,
            media=media,
            raw=raw,
            content_hash=chash,
            evidence_hash=evidence_hash(record),
        )
    )
    post.edited_at = now
    return "edited"
