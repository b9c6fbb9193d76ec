"""Console accounts and their roles, one-time sign-in links, and failed sign-ins kept for throttling."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from review_queue.models.base import Base, utcnow

# Stored: never rename one.
ROLES: tuple[str, ...] = ("admin", "dsl", "reviewer", "headteacher", "governor", "trust")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    # None for trust-wide accounts (admin, trust); otherwise the one school they serve.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped to end every session of the account at once (sign-out, disable, enable).
    session_epoch: Mapped[int] = mapped_column(default=0)


class OneTimeSignin(Base):
    """A sign-in link that works once, before it expires.  Only the token's hash is stored."""

    __tablename__ = "one_time_signins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class SigninFailure(Base):
    """One failed sign-in, counted per account and per address to throttle guessing."""

    __tablename__ = "signin_failures"
    __table_args__ = (
        Index("ix_signin_failures_email_at", "email", "at"),
        Index("ix_signin_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower-cased as typed: throttles guesses at accounts that do not exist too.
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
