"""Report-abuse drafts made for confirmed items, and what became of each report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from review_queue.models.base import Base, utcnow


class PlatformReport(Base):
    """A draft the DSL copies into a platform's report form, then the reference and outcome."""

    __tablename__ = "platform_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"), index=True)
    # reddit | x | meta | tiktok | bluesky | mastodon | web   (stored: never rename)
    platform: Mapped[str] = mapped_column(String(16))
    rules: Mapped[list[Any]] = mapped_column(default=list)
    body: Mapped[str] = mapped_column(Text)
    staff_targeted: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Filled in by the DSL once the report is made on the platform.
    reported_at: Mapped[datetime | None]
    reference: Mapped[str | None] = mapped_column(String(200))
    # pending | removed | restricted | refused | no_response
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    outcome_at: Mapped[datetime | None]


class SafeguardingMark(Base):
    """A DSL's mark that an item's image may be indecent imagery of a child.

    Once marked, the console never shows the image (not even blurred), makes no platform
    draft, and points to the IWF or CEOP.  Only the URL and metadata are ever kept.
    """

    __tablename__ = "safeguarding_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"), unique=True)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime] = mapped_column(default=utcnow)
