"""Once-per-period jobs: when a weekly job is next due, and claiming a run with a conditional UPDATE.

A run is claimed by moving `JobSchedule.next_due_at` forward *only if it is still the
value this worker read* and is due.  Whoever's UPDATE changes the row owns the run; a
second worker, or the same one after a restart, finds nothing due (healthchecks'
`sendreports` does the same).  The caller commits the claim before doing the work, and
gives it back with `release` if the work failed, so it is retried rather than lost.

This module does not know what the job sends; nothing here commits.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from review_queue.models import JobSchedule

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Weekly:
    """A local wall-clock time on one weekday, e.g. Mondays 07:00 Europe/London."""

    weekday: str = "mon"
    at: time = time(7, 0)
    timezone: str = "Europe/London"

    def next_after(self, now: datetime) -> datetime:
        """The first occurrence strictly after `now`, in UTC; correct across clock changes."""
        tz = ZoneInfo(self.timezone)
        local_now = now.astimezone(tz)
        target = WEEKDAYS.index(self.weekday)
        day: date = local_now.date() + timedelta(days=(target - local_now.weekday()) % 7)
        for _ in range(3):
            # Building from the wall-clock date each time keeps 07:00 at 07:00 across BST/GMT.
            candidate = datetime.combine(day, self.at, tzinfo=tz).astimezone(UTC)
            if candidate > now:
                return candidate
            day += timedelta(days=7)
        raise AssertionError("unreachable: a week ahead is always after now")

    def occurs_at(self, moment: datetime) -> bool:
        """Whether `moment` is one of this rule's times (a due time set under another rule is not)."""
        return self.next_after(moment - timedelta(microseconds=1)) == moment


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def ensure_job(session: Session, name: str, first_due: datetime) -> JobSchedule:
    """The job's schedule row, creating it due at `first_due` if this is its first sight.

    Two workers starting together may both try to insert; the loser's insert fails on
    the unique name inside a savepoint and it reads the winner's row.
    """
    row = session.scalar(select(JobSchedule).where(JobSchedule.name == name))
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = JobSchedule(name=name, next_due_at=first_due)
            session.add(row)
    except IntegrityError:
        row = session.scalar(select(JobSchedule).where(JobSchedule.name == name))
        assert row is not None
    return row


def follow_rule(session: Session, name: str, rule: Weekly, now: datetime) -> datetime | None:
    """Move the job's due time to `rule`'s next time if it was set under another rule; the new time or None.

    The due time is stored when it is set, so without this a changed day, hour or time zone
    in settings would wait for one more run at the old time.  A run that was due under the
    old rule and not yet sent is not sent at the old time: it moves to the new one.  The
    UPDATE is conditional, like a claim, so two workers agree.
    """
    row = session.scalar(select(JobSchedule).where(JobSchedule.name == name))
    if row is None or rule.occurs_at(row.next_due_at):
        return None
    due = rule.next_after(now)
    session.execute(
        update(JobSchedule)
        .where(JobSchedule.name == name, JobSchedule.next_due_at == row.next_due_at)
        .values(next_due_at=due)
        .execution_options(synchronize_session=False)
    )
    session.expire(row)
    return due


def next_due(session: Session, name: str) -> datetime | None:
    """When the job is next due, or None if it has never been seen."""
    return session.scalar(select(JobSchedule.next_due_at).where(JobSchedule.name == name))


@dataclass(frozen=True)
class Claim:
    """A claimed run: the due time it was for and the one it moved to (for `release`)."""

    name: str
    due_at: datetime
    next_due_at: datetime


def claim_due(session: Session, name: str, now: datetime, rule: Weekly) -> Claim | None:
    """Claim the job's run if it is due, moving its due time to the next period; else None.

    After an outage of several weeks the job runs once, not once per missed week: the
    next due time is computed from `now`, not from the missed one.
    """
    row = session.scalar(select(JobSchedule).where(JobSchedule.name == name))
    if row is None or row.next_due_at > now:
        return None
    due = row.next_due_at
    next_due = rule.next_after(now)
    result = session.execute(
        update(JobSchedule)
        .where(JobSchedule.name == name, JobSchedule.next_due_at == due)
        .values(next_due_at=next_due, last_claimed_at=now, last_claimed_by=worker_id())
        .execution_options(synchronize_session=False)
    )
    session.expire(row)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None  # another worker moved it first
    return Claim(name=name, due_at=due, next_due_at=next_due)


def release(session: Session, claim: Claim, error: str) -> bool:
    """Give a failed run back so the next tick retries it; False if the row moved meanwhile."""
    result = session.execute(
        update(JobSchedule)
        .where(JobSchedule.name == claim.name, JobSchedule.next_due_at == claim.next_due_at)
        .values(next_due_at=claim.due_at, last_error=error[:200])
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def mark_sent(session: Session, claim: Claim, at: datetime) -> None:
    session.execute(
        update(JobSchedule)
        .where(JobSchedule.name == claim.name)
        .values(last_sent_at=at, last_error=None)
        .execution_options(synchronize_session=False)
    )
