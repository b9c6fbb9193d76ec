"""Taking an owed message (an urgent alert, a notice) so that exactly one worker sends it.

A row owed a message has `sent_at` (empty until sent), a lease `claimed_until` and a
count of `attempts`.  A worker takes a row by a conditional UPDATE that matches only
while the lease is still what the worker read: of two workers racing, the loser's UPDATE
changes nothing, so two workers never both send.  A failed send gives the lease back
with a short retry delay: a message is retried until it is sent, never dropped.  If a
worker dies between handing a message to SMTP and recording it, the lease runs out and
the message is sent again: for a threat, twice is better than never.

This module sends nothing and never commits; `alerts` and `notices` say what is owed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, update
from sqlalchemy.orm import Session

from review_queue.models import Notice, UrgentAlert

# A worker has this long to send before another may take the message over.
CLAIM_LEASE = timedelta(minutes=5)
# After a failed send, wait this long before trying again (the jobs tick every minute or faster).
RETRY_AFTER = timedelta(minutes=1)

Owed = type[UrgentAlert] | type[Notice]


def unsent_and_free(model: Owed, now: datetime) -> ColumnElement[bool]:
    """Rows not yet sent whose lease is free (never taken, or run out)."""
    return and_(model.sent_at.is_(None), or_(model.claimed_until.is_(None), model.claimed_until <= now))


def take(session: Session, model: Owed, row_id: int, seen_until: datetime | None, now: datetime) -> bool:
    """Lease one row to this worker; False if another worker changed its lease since it was read."""
    still = model.claimed_until.is_(None) if seen_until is None else model.claimed_until == seen_until
    result = session.execute(
        update(model)
        .where(model.id == row_id, model.sent_at.is_(None), still)
        .values(claimed_until=now + CLAIM_LEASE, attempts=model.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def give_back(
    session: Session, model: Owed, row_id: int, now: datetime, error: str, **values: object
) -> None:
    """Record why a send failed (a code, not content) and free the row to be retried shortly."""
    session.execute(
        update(model)
        .where(model.id == row_id, model.sent_at.is_(None))
        .values(claimed_until=now + RETRY_AFTER, last_error=error[:200], **values)
        .execution_options(synchronize_session=False)
    )
