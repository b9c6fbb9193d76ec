"""Faults, against the real PostgreSQL and Redis: after each, every post is stored exactly once,
no decision or audit entry is lost, and the weekly digest is sent once.

How each fault is made, since some cannot be made literally on a shared machine:
- a worker killed: the real `gatepost worker` process group gets SIGKILL mid-task;
- the database restarted: the shared server must not be restarted, so every backend
  connection to this test's database is ended with `pg_terminate_backend` mid-ingest,
  which is what a restart does to the clients;
- Redis unavailable: the shared Redis must not be stopped, so the workers and the
  scheduler reach it through a local TCP proxy that is closed and reopened; "a minute"
  is a few seconds here (`OUTAGE_SECONDS`), since nothing in Gatepost counts the time;
- a platform answering 429 for ten minutes: a clock the test moves, no real waiting;
- two schedulers: two runs of the same source job started at the same moment.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from unittest import mock

import pytest
from sqlalchemy import create_engine, event, text

from connectors import registry
from connectors.base import Batch, ConnectorError
from connectors.sample import SampleConfig, SampleConnector
from monitor import build, scheduler, tasks
from monitor.jobs.fetch import run_source
from monitor.settings import load_profile, load_settings, source_key
from review_queue import leases
from review_queue.db import Database
from review_queue.models import Source
from tests.monitor.harness import (
    REDIS_HOST,
    REDIS_PORT,
    TcpProxy,
    Worker,
    append_posts,
    assert_each_stored_once,
    assert_nothing_lost,
    delete_keys,
    post_count,
    seed_records,
    wait_for,
    worker_env,
    write_school,
)

# "A minute" of Redis outage, compressed: the code under test never measures it.
OUTAGE_SECONDS = 3.0
# Enough posts that a run takes a few seconds on PostgreSQL, so a fault lands mid-run.
MANY = 6_000


@pytest.fixture
def prefix() -> Iterator[str]:
    value = f"gatepost-test-{uuid.uuid4().hex[:10]}:"
    yield value
    delete_keys(value)


def _source(db: Database, profile: Path) -> tuple[Any, int, Any]:
    loaded = load_profile(profile)
    with db.session_scope() as s:
        _, pairs = build.register_school(s, loaded)
        source, config = pairs[0]
        return loaded, source.id, config


# ------------------------------------------------------------------ a worker killed


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.redis
def test_a_worker_killed_mid_task_loses_and_duplicates_nothing(
    pg_db: Database,
    pg_url: str,
    prefix: str,
    gatepost_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = seed_records(pg_db)
    profile = write_school(tmp_path / "school", MANY)
    # A short visibility timeout: the task of a vanished worker is handed out again soon.
    env = worker_env(
        gatepost_home, pg_url, f"redis://{REDIS_HOST}:{REDIS_PORT}/0", prefix, visibility_timeout=2
    )
    for name in ("GATEPOST_DATABASE_URL", "GATEPOST_BROKER_URL", "GATEPOST_BROKER_KEY_PREFIX"):
        monkeypatch.setenv(name, env[name])
    key = source_key(load_profile(profile).sources[0])

    first = Worker(env, tmp_path / "worker-1.log")
    try:
        assert tasks.enqueue(load_settings(), tasks.RUN_SOURCE, ["", str(profile), key])
        wait_for(lambda: post_count(pg_db) > 0, 30, "the first worker to store a batch")
    finally:
        first.kill()
    at_kill = post_count(pg_db)
    assert 0 < at_kill < MANY, "the kill did not land mid-task"

    second = Worker(env, tmp_path / "worker-2.log")
    try:
        # The unacknowledged task comes back to the new worker, which carries on from the cursor.
        wait_for(lambda: post_count(pg_db) == MANY, 90, "the re-delivered task to finish the run")
    finally:
        second.stop()
    assert_each_stored_once(pg_db, MANY)
    assert_nothing_lost(pg_db, before)


# ------------------------------------------------------------------ the database restarted


def _terminate_backends(pg_url: str, busy_only: bool) -> int:
    """End this test database's backend connections, as a server restart would; return how many."""
    name = pg_url.rsplit("/", 1)[1]
    admin = create_engine(pg_url.rsplit("/", 1)[0] + "/test", isolation_level="AUTOCOMMIT")
    busy = " AND state IN ('active', 'idle in transaction')" if busy_only else ""
    try:
        with admin.connect() as conn:
            ended = conn.execute(
                text(
                    f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :n{busy}"
                ),
                {"n": name},
            ).scalar_one()
    finally:
        admin.dispose()
    return int(ended)


@pytest.mark.postgres
def test_the_database_restarting_mid_ingest_loses_and_duplicates_nothing(
    pg_db: Database, pg_url: str, tmp_path: Path
) -> None:
    before = seed_records(pg_db)
    profile, source_id, config = _source(pg_db, write_school(tmp_path / "school", MANY))

    # The restart lands at a chosen point, not a raced one: once a batch of posts has
    # committed, the next insert of posts ends every connection to this database, its own included.
    state = {"inserted": False, "committed": False, "restarted": False}

    def on_commit(conn: Any) -> None:
        state["committed"] = state["inserted"]

    def before_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith("INSERT INTO POSTS"):
            return
        state["inserted"] = True
        if state["committed"] and not state["restarted"]:
            state["restarted"] = True
            _terminate_backends(pg_url, busy_only=False)

    event.listen(pg_db.engine, "commit", on_commit)
    event.listen(pg_db.engine, "before_cursor_execute", before_execute)
    try:
        outcome: Any = run_source(pg_db, profile, source_id, config).error
    except Exception as exc:  # the connection may die in the run's own bookkeeping, too
        outcome = type(exc).__name__
    finally:
        event.remove(pg_db.engine, "commit", on_commit)
        event.remove(pg_db.engine, "before_cursor_execute", before_execute)
    assert state["restarted"]
    assert 0 < post_count(pg_db) < MANY, "the restart did not land mid-ingest"
    assert outcome is not None, "the run should have seen its connection die"

    # The next runs carry on from the stored cursor; a lease left by a run that died with
    # its connection frees itself once its time is up.
    clock = datetime.now(UTC)
    for _ in range(3):
        clock += timedelta(seconds=leases.LEASE_SECONDS + 1)
        run_source(pg_db, profile, source_id, config, now=lambda c=clock: c)  # type: ignore[misc]
        if post_count(pg_db) == MANY:
            break
    assert_each_stored_once(pg_db, MANY)
    assert_nothing_lost(pg_db, before)


# ------------------------------------------------------------------ Redis unavailable


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.redis
def test_redis_unavailable_for_a_minute_loses_and_duplicates_nothing(
    pg_db: Database,
    pg_url: str,
    prefix: str,
    gatepost_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = seed_records(pg_db)
    school = tmp_path / "school"
    profile = write_school(school, 300)
    key = source_key(load_profile(profile).sources[0])
    proxy = TcpProxy()
    proxy.start()
    env = worker_env(gatepost_home, pg_url, proxy.url, prefix, visibility_timeout=5)
    for name in ("GATEPOST_DATABASE_URL", "GATEPOST_BROKER_URL", "GATEPOST_BROKER_KEY_PREFIX"):
        monkeypatch.setenv(name, env[name])
    worker = Worker(env, tmp_path / "worker.log")
    try:
        scheduler.source_job("", str(profile), key)
        wait_for(lambda: post_count(pg_db) == 300, 30, "the first run")

        with proxy.outage(OUTAGE_SECONDS):
            append_posts(school / "posts.jsonl", 300, 300)
            # The scheduler's tick during the outage fails fast instead of hanging...
            assert tasks.enqueue(load_settings(), tasks.RUN_SOURCE, ["", str(profile), key]) is False
            scheduler.source_job("", str(profile), key)
        assert worker.proc.poll() is None, "the worker must ride out the outage"

        # ...and the next tick, once Redis is back, brings in what was posted meanwhile.
        wait_for(
            lambda: tasks.enqueue(load_settings(), tasks.RUN_SOURCE, ["", str(profile), key]),
            30,
            "the broker to come back",
            interval=0.5,
        )
        wait_for(lambda: post_count(pg_db) == 600, 60, "the worker to reconnect and run the source")
    finally:
        worker.stop()
        proxy.stop()
    assert_each_stored_once(pg_db, 600)
    assert_nothing_lost(pg_db, before)


# ------------------------------------------------------------------ a platform answering 429


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class RateLimitedPlatform(SampleConnector):
    """The sample posts behind a platform that answers 429 (Retry-After: 120) until `open_at`."""

    clock: ClassVar[FakeClock]
    open_at: ClassVar[datetime]
    requests: ClassVar[list[datetime]] = []

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        self.requests.append(self.clock())
        if self.clock() < self.open_at:
            raise ConnectorError("sample: 429 rate limited", retry_after=120)
        yield from super().fetch(cursor)


def test_a_platform_answering_429_for_ten_minutes_is_left_alone_then_caught_up(
    any_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = seed_records(any_db)
    profile, source_id, config = _source(any_db, write_school(tmp_path / "school", 500))
    clock = FakeClock()
    monkeypatch.setattr(RateLimitedPlatform, "clock", clock, raising=False)
    monkeypatch.setattr(RateLimitedPlatform, "open_at", clock.now + timedelta(minutes=10), raising=False)
    monkeypatch.setattr(RateLimitedPlatform, "requests", [])
    monkeypatch.setitem(registry.CONNECTORS, "sample", (RateLimitedPlatform, SampleConfig))

    results = []
    for _minute in range(11):  # the source's one-minute interval, until the platform opens again
        results.append(run_source(any_db, profile, source_id, config, now=clock))
        clock.now += timedelta(minutes=1)

    # Retry-After is honoured: one request per two minutes while limited, not one a minute.
    assert len(RateLimitedPlatform.requests) == 6
    assert sum(r.skipped for r in results) == 5
    assert [r.error is not None for r in results if not r.skipped] == [True] * 5 + [False]
    with any_db.session_scope() as s:
        source = s.get_one(Source, source_id)
        assert source.consecutive_failures == 0 and source.last_error is not None
    assert_each_stored_once(any_db, 500)
    assert_nothing_lost(any_db, before)


# ------------------------------------------------------------------ two schedulers


class NothingFlagged:
    """A classifier that flags nothing, so the source job's judging step is quick and certain."""

    class _Result:
        def to_json(self) -> dict[str, Any]:
            return {"model_version": "none", "flags": [], "severity": "none"}

    def classify_many(self, items: list[Any]) -> list[Any]:
        return [self._Result() for _ in items]


class HeldPlatform(SampleConnector):
    """Holds its first fetch open until the test lets go, so two runs overlap for certain."""

    entered: ClassVar[threading.Event]
    release: ClassVar[threading.Event]
    fetches: ClassVar[list[str | None]]

    def fetch(self, cursor: str | None) -> Iterator[Batch]:
        self.fetches.append(cursor)
        self.entered.set()
        assert self.release.wait(30)
        yield from super().fetch(cursor)


@pytest.mark.postgres
def test_two_schedulers_started_by_mistake_never_run_a_source_twice(
    pg_db: Database, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = seed_records(pg_db)
    monkeypatch.setenv("GATEPOST_DATABASE_URL", pg_url)
    profile = write_school(tmp_path / "school", 1_000)
    key = source_key(load_profile(profile).sources[0])
    monkeypatch.setattr(HeldPlatform, "entered", threading.Event(), raising=False)
    monkeypatch.setattr(HeldPlatform, "release", threading.Event(), raising=False)
    monkeypatch.setattr(HeldPlatform, "fetches", [], raising=False)
    monkeypatch.setitem(registry.CONNECTORS, "sample", (HeldPlatform, SampleConfig))

    with mock.patch.object(build, "classifier", autospec=True, return_value=NothingFlagged()):
        # Scheduler A's job is mid-fetch when scheduler B's copy of the same job fires.
        first = threading.Thread(target=scheduler.source_job, args=("", str(profile), key))
        first.start()
        assert HeldPlatform.entered.wait(30)
        scheduler.source_job("", str(profile), key)  # B: finds the lease held and returns
        assert HeldPlatform.fetches == [None], "the second scheduler fetched the source too"
        HeldPlatform.release.set()
        first.join(60)
        # The lease is given back at the end of a run: the next interval runs normally.
        scheduler.source_job("", str(profile), key)

    assert HeldPlatform.fetches == [None, "1000"]
    assert_each_stored_once(pg_db, 1_000)
    assert_nothing_lost(pg_db, before)
