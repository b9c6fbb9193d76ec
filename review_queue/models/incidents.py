"""Conduct incidents along the code of conduct's ladder: people, posts, letters, meetings, timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from review_queue.models.base import Base, utcnow


class Person(Base):
    """A parent or carer (or other person) behind posts, with their handles."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # e.g. "Parent of a pupil in Year 4"
    relationship_to_school: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    handles: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConductIncident(Base):
    """One breach (or run of breaches) of the code, worked along the ladder."""

    __tablename__ = "conduct_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    # The key of the ladder stage reached (policy.toml [incidents]); None before the first letter.
    stage: Mapped[str | None] = mapped_column(String(32))
    # open | closed
    status: Mapped[str] = mapped_column(String(16), default="open")
    police_referred_at: Mapped[datetime | None]
    police_reference: Mapped[str | None] = mapped_column(String(200))
    legal_advice_at: Mapped[datetime | None]
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class IncidentPost(Base):
    __tablename__ = "incident_posts"
    __table_args__ = (UniqueConstraint("incident_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("conduct_incidents.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class Letter(Base):
    """A letter drafted from a template in config/letters/, edited by staff, then marked sent."""

    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("conduct_incidents.id", ondelete="CASCADE"), index=True
    )
    # The template's name, e.g. "meeting_invitation".
    template: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    # What each refreshable placeholder was filled with (casework.letters.REFRESHED), so a
    # later change to the record can replace it in a draft; None for letters drafted before.
    fields: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class Meeting(Base):
    __tablename__ = "incident_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("conduct_incidents.id", ondelete="CASCADE"), index=True
    )
    held_on: Mapped[str] = mapped_column(String(10))  # ISO date: a meeting is on a day
    attendees: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentEvent(Base):
    """One line of an incident's timeline."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("conduct_incidents.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # opened | post | letter | letter_sent | meeting | stage | police | legal | closed | note
    kind: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
