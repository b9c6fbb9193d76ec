"""Records that make periodic and one-off sends happen exactly once across workers and restarts.

`JobSchedule` keeps a periodic job's next due time (the weekly digest); a worker claims
a run by moving that time forward with a conditional UPDATE, so a second worker or a
restarted one finds nothing due.  `UrgentAlert` is one row per urgent review item; its
lease is claimed the same way.  Neither holds post text or addresses.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from review_queue.models.base import Base, utcnow


class JobSchedule(Base):
    """A job that must run once per period, e.g. ``digest:hollybrook``, and when it is next due."""

    __tablename__ = "job_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "<job>:<school slug>"; stored, never rename a job.
    name: Mapped[str] = mapped_column(String(120), unique=True)
    next_due_at: Mapped[datetime]
    last_claimed_at: Mapped[datetime | None]
    # hostname:pid of the worker that claimed the last run; for operators, not for logic.
    last_claimed_by: Mapped[str | None] = mapped_column(String(200))
    last_sent_at: Mapped[datetime | None]
    # A status code or exception class, never message content.
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UrgentAlert(Base):
    """The one alert owed for an urgent review item: claimed, then sent (or retried)."""

    __tablename__ = "urgent_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A worker owns the alert until this time; after it, another may take it over.
    claimed_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
    # True when it went to the out-of-hours contacts.
    out_of_hours: Mapped[bool] = mapped_column(default=False)
    # How many addresses it went to, and whether the webhook took it; never the addresses.
    recipients: Mapped[int] = mapped_column(default=0)
    webhook_ok: Mapped[bool | None]
    last_error: Mapped[str | None] = mapped_column(Text)
