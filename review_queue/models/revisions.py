"""Later versions of captured posts: edits and deletions seen when flagged posts are re-checked.

The post row keeps what was first captured (that is the evidence); each revision is a
separate row with its own hash, so a report can show "posted as X, edited to Y at T,
deleted at U" and every version stands up on its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from review_queue.models.base import Base, utcnow


class PostRevision(Base):
    """One change seen on a captured post: an edit (with the new content) or a deletion."""

    __tablename__ = "post_revisions"
    __table_args__ = (Index("ix_post_revisions_post", "post_id", "seen_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    # edited | deleted
    change: Mapped[str] = mapped_column(String(16))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(Text, default="")
    media: Mapped[list[Any]] = mapped_column(default=list)
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    # sha256 of this revision's canonical record, like Post.evidence_hash.
    evidence_hash: Mapped[str] = mapped_column(String(64))
