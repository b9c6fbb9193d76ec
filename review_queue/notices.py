"""Emails owed to one account about one item (escalated or handed back to them): owe, claim, word.

A `Notice` row is written in the same transaction as the escalation that owes it, so an
escalation is never recorded without its email being owed.  A worker takes, sends and
records notices as `review_queue.outbox` says (one worker sends each; a failed send is
retried, never dropped).  A notice for an account that has since been disabled is closed
unsent.

What a notice says is deliberately thin, like an urgent alert: that an item awaits the
account, and a console link.  No post text, no handle, no category, not even who
escalated it or why: all of that stays in Gatepost, behind a sign-in.  This module sends
nothing and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from review_queue import outbox
from review_queue.models import Notice, School, User

# What a notice is about.  Stored: never rename one.
ESCALATED = "escalated"
HANDED_BACK = "handed_back"
KINDS = (ESCALATED, HANDED_BACK)
# Where the console shows one item; the console owns this route.
ITEM_PATH = "/items/{id}"
# Recorded on a notice closed unsent because its account was disabled meanwhile.
DISABLED = "account disabled"


@dataclass(frozen=True)
class ClaimedNotice:
    """A notice this worker now owns: plain data, safe to use after the session closes."""

    notice_id: int
    item_id: int
    kind: str
    to: str
    school_name: str


@dataclass(frozen=True)
class NoticeMessage:
    subject: str
    text: str


def owe(session: Session, *, school_id: int, item_id: int, user_id: int, kind: str) -> Notice:
    """Owe `user_id` an email about `item_id`; the notices job sends it."""
    if kind not in KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    notice = Notice(school_id=school_id, item_id=item_id, user_id=user_id, kind=kind)
    session.add(notice)
    session.flush()
    return notice


def claim_notices(session: Session, now: datetime, school_id: int | None = None) -> list[ClaimedNotice]:
    """Take every unsent notice whose lease is free; returns only those this worker won.

    The caller commits straight after, then sends, then records the outcome.
    """
    q = (
        select(Notice.id, Notice.claimed_until, User.disabled)
        .join(User, User.id == Notice.user_id)
        .where(outbox.unsent_and_free(Notice, now))
        .order_by(Notice.id)
    )
    if school_id is not None:
        q = q.where(Notice.school_id == school_id)
    won: list[int] = []
    for notice_id, seen_until, disabled in session.execute(q).all():
        if disabled:
            # Nobody to tell: whoever escalated sees the item still waiting.
            session.execute(
                update(Notice)
                .where(Notice.id == notice_id, Notice.sent_at.is_(None))
                .values(sent_at=now, last_error=DISABLED, claimed_until=None)
                .execution_options(synchronize_session=False)
            )
            continue
        if outbox.take(session, Notice, notice_id, seen_until, now):
            won.append(notice_id)
    if not won:
        return []
    rows = session.execute(
        select(Notice.id, Notice.item_id, Notice.kind, User.email, School.name)
        .join(User, User.id == Notice.user_id)
        .join(School, School.id == Notice.school_id)
        .where(Notice.id.in_(won))
        .order_by(Notice.id)
    )
    return [ClaimedNotice(n, i, kind, to, school) for n, i, kind, to, school in rows]


def mark_sent(session: Session, notice_id: int, now: datetime) -> None:
    session.execute(
        update(Notice)
        .where(Notice.id == notice_id)
        .values(sent_at=now, claimed_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )


def mark_failed(session: Session, notice_id: int, now: datetime, error: str) -> None:
    """Record why it failed (a code, not content) and free it to be retried shortly."""
    outbox.give_back(session, Notice, notice_id, now, error)


def compose(notice: ClaimedNotice, *, base_url: str) -> NoticeMessage:
    """The notice's words: that an item awaits the reader, and a link.  Nothing from the post."""
    link = base_url.rstrip("/") + ITEM_PATH.format(id=notice.item_id)
    if notice.kind == HANDED_BACK:
        subject = f"[Gatepost] An item was handed back to you at {notice.school_name}"
        first = f"An item you escalated at {notice.school_name} has been handed back to you, with a note."
    else:
        subject = f"[Gatepost] An item was escalated to you at {notice.school_name}"
        first = f"An item in Gatepost has been escalated to you for a decision at {notice.school_name}."
    lines = [
        first,
        "",
        f"Open it in Gatepost (sign-in required): {link}",
        "",
        "This message deliberately carries no post text or names; they stay in Gatepost.",
    ]
    return NoticeMessage(subject=subject, text="\n".join(lines) + "\n")
