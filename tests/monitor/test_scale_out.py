"""Scale-out mode with real `gatepost worker` processes on the real Redis and a fresh PostgreSQL database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor import scheduler, tasks
from monitor.settings import StartupError, load_profile, load_settings, source_key
from review_queue.db import Database
from tests.monitor.harness import (
    REDIS_HOST,
    REDIS_PORT,
    Worker,
    assert_each_stored_once,
    delete_keys,
    post_count,
    wait_for,
    worker_env,
    write_school,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

BROKER = f"redis://{REDIS_HOST}:{REDIS_PORT}/0"


@pytest.fixture
def prefix() -> Iterator[str]:
    """A Redis key prefix of this test's own; its keys are deleted afterwards."""
    value = f"gatepost-test-{uuid.uuid4().hex[:10]}:"
    yield value
    delete_keys(value)


@pytest.fixture
def scale_env(
    pg_db: Database, pg_url: str, prefix: str, gatepost_home: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """This process (the scheduler side) and its workers share settings through the environment."""
    env = worker_env(gatepost_home, pg_url, BROKER, prefix)
    for name in ("GATEPOST_DATABASE_URL", "GATEPOST_BROKER_URL", "GATEPOST_BROKER_KEY_PREFIX"):
        monkeypatch.setenv(name, env[name])
    return env


def test_the_scheduler_enqueues_and_a_worker_stores_every_post_once(
    pg_db: Database, scale_env: dict[str, str], tmp_path: Path
) -> None:
    profile = write_school(tmp_path / "school", 450)
    key = source_key(load_profile(profile).sources[0])
    worker = Worker(scale_env, tmp_path / "worker.log")
    try:
        # The scheduler's job, in scale-out mode, only enqueues; the worker does the run.
        scheduler.source_job("", str(profile), key)
        wait_for(lambda: post_count(pg_db) == 450, 30, "the worker to store the posts")
        # A second run (the next interval) brings nothing new and duplicates nothing.
        scheduler.source_job("", str(profile), key)
        scheduler.source_job("", str(profile), key)
        wait_for(
            lambda: (
                "gatepost.classify_school" in worker.output()
                and worker.output().count("gatepost.run_source") >= 6
            ),
            30,
            "the worker to take the later runs",
        )
        assert_each_stored_once(pg_db, 450)
    finally:
        worker.stop()
    assert "Hollybrook update" not in worker.output(), "post text must never be logged"


def test_without_a_broker_the_worker_refuses_to_start_with_one_line() -> None:
    with pytest.raises(StartupError, match=r"broker_url.*fix: set GATEPOST_BROKER_URL"):
        tasks.configure(load_settings())


def test_enqueueing_with_the_broker_down_reports_failure_instead_of_hanging(
    monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    import socket

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens here
    monkeypatch.setenv("GATEPOST_BROKER_URL", f"redis://127.0.0.1:{port}/0")
    monkeypatch.setenv("GATEPOST_BROKER_KEY_PREFIX", prefix)
    assert tasks.enqueue(load_settings(), tasks.RUN_SOURCE, ["", "school.toml", "sample-x"]) is False
