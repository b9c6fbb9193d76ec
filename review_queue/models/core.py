"""The core tables: schools, their sources, captured posts, judgements, queue items and decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from review_queue.models.base import Base, utcnow


class School(Base):
    """One school profile.  A trust runs many; `slug` is stable and used in URLs."""

    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Source(Base):
    """A `[[sources]]` entry of a school's profile, with its cursor and health."""

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("school_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    # kind plus a short hash of the source's identifying settings: stable across edits
    # of interval_minutes and across reordering of the profile.
    key: Mapped[str] = mapped_column(String(80))
    cursor: Mapped[str | None] = mapped_column(Text)
    last_run_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error_at: Mapped[datetime | None]
    # An id or status code, never post text.
    last_error: Mapped[str | None] = mapped_column(Text)
    failing_permanently: Mapped[bool] = mapped_column(default=False)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    posts_stored: Mapped[int] = mapped_column(default=0)
    reads_day: Mapped[str | None] = mapped_column(String(10))
    reads_today: Mapped[int] = mapped_column(default=0)
    # A run of this source is owned by `lease_owner` until `lease_until`, claimed with a
    # conditional UPDATE, so two schedulers or a re-delivered task never run it twice at once.
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
    # The platform said "not before" (429 Retry-After): no run is attempted until then.
    backoff_until: Mapped[datetime | None]
    # Records that could not be stored (not parseable, not storable), passed over so the
    # source goes on: how many, and the latest one's id and reason (never post text).
    set_aside_count: Mapped[int] = mapped_column(default=0)
    last_set_aside: Mapped[str | None] = mapped_column(Text)
    last_set_aside_at: Mapped[datetime | None]


class Post(Base):
    """A captured public post (or a staff submission), kept as evidence."""

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("school_id", "kind", "external_id"),
        Index("ix_posts_school_captured", "school_id", "captured_at"),
        # The author's other posts beside an item, newest first.
        Index("ix_posts_author", "school_id", "author_handle", "created_at"),
        # Thread context: the replies to a post, and a reply's siblings.
        Index("ix_posts_parent", "school_id", "parent_external_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(200))
    parent_external_id: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text, default="")
    author_handle: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    captured_at: Mapped[datetime] = mapped_column(default=utcnow)
    media: Mapped[list[Any]] = mapped_column(default=list)
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # sha256 of the text and media: tells an edit from a re-read.
    content_hash: Mapped[str] = mapped_column(String(64))
    # sha256 of the canonical stored record, quoted in reports and evidence packs.
    evidence_hash: Mapped[str] = mapped_column(String(64))
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    # Staff submissions: who sent it in and where it came from.
    provenance: Mapped[dict[str, Any] | None] = mapped_column(default=None)

    judgement: Mapped[Judgement | None] = relationship(back_populates="post", uselist=False)


class Judgement(Base):
    """The classifier's verdict on a post: flags, scores, severity and evidence spans."""

    __tablename__ = "judgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), unique=True)
    model_version: Mapped[str] = mapped_column(String(80))
    flags: Mapped[list[Any]] = mapped_column(default=list)
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    severity: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    recognised: Mapped[list[Any]] = mapped_column(default=list)
    judged_at: Mapped[datetime] = mapped_column(default=utcnow)

    post: Mapped[Post] = relationship(back_populates="judgement")


class ReviewItem(Base):
    """A flagged post waiting for, or carrying, a human decision."""

    __tablename__ = "review_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    # open | confirmed | dismissed | escalated
    status: Mapped[str] = mapped_column(String(16), default="open")
    severity: Mapped[str] = mapped_column(String(16))
    severity_rank: Mapped[int]
    # The flagged categories; a reviewer's confirmation may change them.
    categories: Mapped[list[Any]] = mapped_column(default=list)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]

    post: Mapped[Post] = relationship()
    decisions: Mapped[list[Decision]] = relationship(back_populates="item", order_by="Decision.id")


# The queue list's order (most severe first, then oldest), so a page is a LIMIT read
# straight off the index whatever the number of decided items behind it.
Index(
    "ix_items_queue",
    ReviewItem.school_id,
    ReviewItem.status,
    ReviewItem.severity_rank.desc(),
    ReviewItem.created_at,
    ReviewItem.id,
)


class Decision(Base):
    """One reviewer action on an item, with its reason.  Kept as labelled feedback."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # dismiss | confirm | escalate | note
    action: Mapped[str] = mapped_column(String(16))
    categories: Mapped[list[Any]] = mapped_column(default=list)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[ReviewItem] = relationship(back_populates="decisions")
