"""Escalations (an item handed up to a named account for its decision) and emails owed about items."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from review_queue.models.base import Base, utcnow


class Escalation(Base):
    """One escalation of a queue item to a named account (a DSL, the headteacher), and how it ended.

    The item's status says whether it is still escalated; this row says to whom, by
    whom, and how it ended.  The reasons are in the item's decisions.
    """

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # open | decided | handed_back | passed_on (escalated again, to someone else).  Stored.
    outcome: Mapped[str] = mapped_column(String(16), default="open")
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Notice(Base):
    """An email owed to one account about one item: claimed by a worker, sent once, retried until sent.

    It carries no text of its own: the email says only that an item awaits the account,
    with a link (see review_queue.notices).
    """

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_unsent", "sent_at", "claimed_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # escalated | handed_back.  Stored.
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
    # A status code or reason, never an address or content.
    last_error: Mapped[str | None] = mapped_column(Text)
