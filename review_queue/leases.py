"""Source run leases: at most one runner fetches a source at a time, across processes and machines.

A runner claims a source with a conditional UPDATE that succeeds only when no one else
holds an unexpired lease (or the lease is already the claimant's own: a re-delivered
Celery task carries the same owner token as the attempt that died).  Each stored batch
renews the lease in the same transaction as its posts and cursor, and that renewal is
also a fence: if the lease has passed to someone else meanwhile, the renewal matches no
row and the batch is rolled back instead of stored.  `APScheduler`'s `max_instances=1`
only covers one process; this covers two schedulers started by mistake and many workers.

A source the platform told to wait (429 with Retry-After) keeps `backoff_until`, and no
lease is granted before it.  Nothing here commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from review_queue.models import Source

# A lease outlives a whole run's time budget (120 s) with room to spare, so a live runner
# never loses it between batches; a dead runner's lease frees itself after this long.
LEASE_SECONDS = 300
# The longest Retry-After honoured: a platform asking for more is still retried daily.
MAX_BACKOFF = timedelta(hours=24)


class LeaseLost(Exception):
    """The runner's lease passed to another runner; its current batch must not be stored."""


def claim(
    session: Session, source_id: int, owner: str, now: datetime, seconds: float = LEASE_SECONDS
) -> bool:
    """Take the lease for `owner` until now + `seconds`; False if another holds it or it backs off."""
    result = session.execute(
        update(Source)
        .where(
            Source.id == source_id,
            or_(Source.lease_until.is_(None), Source.lease_until <= now, Source.lease_owner == owner),
            or_(Source.backoff_until.is_(None), Source.backoff_until <= now),
        )
        .values(lease_owner=owner, lease_until=now + timedelta(seconds=seconds))
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def renew(
    session: Session, source_id: int, owner: str, now: datetime, seconds: float = LEASE_SECONDS
) -> None:
    """Extend `owner`'s lease; raise `LeaseLost` (so the transaction rolls back) if it is not theirs."""
    result = session.execute(
        update(Source)
        .where(Source.id == source_id, Source.lease_owner == owner)
        .values(lease_until=now + timedelta(seconds=seconds))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise LeaseLost(f"source {source_id}: lease passed to another runner")


def release(session: Session, source_id: int, owner: str) -> None:
    """Give the lease back so the next run need not wait for it to expire."""
    session.execute(
        update(Source)
        .where(Source.id == source_id, Source.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )


def back_off(session: Session, source_id: int, until: datetime, now: datetime) -> None:
    """Hold the source's runs until `until` (capped at `MAX_BACKOFF` from now)."""
    session.execute(
        update(Source)
        .where(Source.id == source_id)
        .values(backoff_until=min(until, now + MAX_BACKOFF))
        .execution_options(synchronize_session=False)
    )
