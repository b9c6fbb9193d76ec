"""Source run leases, on SQLite and PostgreSQL: one runner at a time, a fence per batch, Retry-After kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from review_queue import leases
from review_queue.db import Database
from review_queue.store import ensure_school, ensure_source

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def source_id(any_db: Database) -> int:
    with any_db.session_scope() as s:
        school = ensure_school(s, "hollybrook", "Hollybrook Primary School")
        return ensure_source(s, school.id, "sample", "sample-abc").id


def claim(db: Database, source_id: int, owner: str, at: datetime) -> bool:
    with db.session_scope() as s:
        return leases.claim(s, source_id, owner, at)


def test_a_second_runner_cannot_claim_a_source_being_run(any_db: Database, source_id: int) -> None:
    assert claim(any_db, source_id, "scheduler-a", T0)
    assert not claim(any_db, source_id, "scheduler-b", T0 + timedelta(seconds=1))


def test_a_dead_runners_lease_expires_and_its_late_batch_is_fenced_off(
    any_db: Database, source_id: int
) -> None:
    assert claim(any_db, source_id, "a", T0)
    later = T0 + timedelta(seconds=leases.LEASE_SECONDS + 1)
    assert claim(any_db, source_id, "b", later)
    with pytest.raises(leases.LeaseLost), any_db.session_scope() as s:
        leases.renew(s, source_id, "a", later)


def test_a_redelivered_task_takes_over_its_own_lease_at_once(any_db: Database, source_id: int) -> None:
    assert claim(any_db, source_id, "task:1234", T0)
    assert claim(any_db, source_id, "task:1234", T0 + timedelta(seconds=5))


def test_a_released_lease_is_free_and_a_back_off_holds_every_runner(any_db: Database, source_id: int) -> None:
    assert claim(any_db, source_id, "a", T0)
    with any_db.session_scope() as s:
        leases.release(s, source_id, "a")
        leases.back_off(s, source_id, T0 + timedelta(minutes=2), T0)
    assert not claim(any_db, source_id, "b", T0 + timedelta(minutes=1))
    assert claim(any_db, source_id, "b", T0 + timedelta(minutes=2))


def test_a_back_off_longer_than_a_day_is_capped(any_db: Database, source_id: int) -> None:
    with any_db.session_scope() as s:
        leases.back_off(s, source_id, T0 + timedelta(days=30), T0)
    assert claim(any_db, source_id, "a", T0 + leases.MAX_BACKOFF)
