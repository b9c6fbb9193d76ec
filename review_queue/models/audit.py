"""The append-only, hash-chained audit log: every view of personal data and every decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from review_queue.models.base import Base, utcnow


class AuditEntry(Base):
    """One audited event.  `entry_hash` covers this row's fields and the previous row's hash.

    Ids, never post text: `detail` holds ids, categories and actions only.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # No foreign key: the log outlives the accounts it names.
    user_id: Mapped[int | None]
    user_email: Mapped[str] = mapped_column(String(254), default="")
    school_id: Mapped[int | None]
    # e.g. view.item, view.incident, decide, report.record, letter.draft
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Unique: two writers racing for the same predecessor cannot fork the chain.
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)
