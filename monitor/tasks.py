"""Scale-out mode: the Celery app whose tasks run one source, or judge one school's new posts, on a worker.

When `broker_url` is set the scheduler only enqueues (`enqueue`) and `gatepost worker`
processes on any number of machines do the work.  Tasks take only strings (the settings
file, a profile path, a source key), so a task means the same on every machine.

Delivery is at least once: `acks_late` and `reject_on_worker_lost` hand a task whose
worker died to another worker, and Redis hands out again a task unacknowledged after
the visibility timeout.  Doing a task twice is harmless: posts are stored idempotently,
each batch's cursor moves in the batch's own transaction, and a source run holds a lease
(`review_queue.leases`) whose owner is the task id, so a re-delivered task may take over
its own dead attempt's lease at once while any other run of that source waits.

This module does not decide when things run (`monitor.scheduler` does) nor how posts
are stored or judged (`monitor.jobs`).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init
from kombu.exceptions import OperationalError
from sqlalchemy.exc import DBAPIError

from monitor import build
from monitor.settings import Settings, StartupError, load_profile, load_settings
from review_queue.db import Database

log = logging.getLogger(__name__)

# One queue for everything: source runs are short (bounded by the run budget) and
# classification batches are small, so neither starves the other.
QUEUE = "gatepost"
# A worker takes one task at a time beyond those it is running: with acks_late a
# prefetched task would otherwise wait behind a long one on a busy worker.
PREFETCH_MULTIPLIER = 1
# The longest a vanished worker's task waits, past its visibility timeout, to be handed out again.
RESTORE_INTERVAL_SECONDS = 10
# When the broker is down the scheduler gives up enqueueing after these tries (about a
# second) rather than stall its other jobs; the source's next interval enqueues it again.
ENQUEUE_RETRY_POLICY = {"max_retries": 3, "interval_start": 0.0, "interval_step": 0.2, "interval_max": 0.5}
# A classify task that lost a race or its database connection tries again this often.
CLASSIFY_MAX_RETRIES = 5
CLASSIFY_RETRY_SECONDS = 5

RUN_SOURCE = "gatepost.run_source"
CLASSIFY_SCHOOL = "gatepost.classify_school"

app = Celery("gatepost", set_as_current=False)
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=PREFETCH_MULTIPLIER,
    task_default_queue=QUEUE,
    task_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)


def configure(settings: Settings) -> Celery:
    """Point the app at the settings' broker; the same call in the scheduler and the worker."""
    if not settings.broker_url:
        raise StartupError(
            "settings: key 'broker_url' is not set; fix: set GATEPOST_BROKER_URL (e.g. redis://127.0.0.1:6379/0)"
        )
    app.conf.broker_url = settings.broker_url
    app.conf.broker_transport_options = _transport_options(settings)
    return app


def _transport_options(settings: Settings) -> dict[str, Any]:
    return {
        "visibility_timeout": settings.broker_visibility_timeout,
        "global_keyprefix": settings.broker_key_prefix,
        # kombu sweeps for tasks of vanished workers every interval x throttle seconds
        # (10 x 10 by default), so a killed worker's task could wait 100 s beyond its
        # visibility timeout.  Sweep on every tick, and tick no slower than the timeout.
        "unacked_restore_throttle": 1,
        "unacked_restore_interval": max(1, min(RESTORE_INTERVAL_SECONDS, settings.broker_visibility_timeout)),
    }


def enqueue(settings: Settings, task: str, args: list[str]) -> bool:
    """Send a task; False (logged, not raised) if the broker cannot be reached."""
    celery = configure(settings)
    try:
        # A connection per enqueue, not the app's pool: a few tasks a minute, and a pooled
        # connection would outlive a change of broker settings.
        with celery.connection_for_write(
            settings.broker_url, transport_options=_transport_options(settings)
        ) as conn:
            celery.send_task(task, args=args, connection=conn, retry=True, retry_policy=ENQUEUE_RETRY_POLICY)
    except OperationalError as exc:
        log.warning("broker unreachable (%s); %s not enqueued, its next run will", type(exc).__name__, task)
        return False
    return True


# ------------------------------------------------------------------ worker side

_databases: dict[str, Database] = {}


@worker_process_init.connect  # type: ignore[untyped-decorator]
def _forget_parent_engines(**_: Any) -> None:
    # A forked pool process must not share the parent's database connections.
    _databases.clear()


def _database(settings: Settings) -> Database:
    db = _databases.get(settings.database_url)
    if db is None:
        db = _databases[settings.database_url] = build.database(settings)
    return db


@app.task(name=RUN_SOURCE, bind=True)  # type: ignore[untyped-decorator]
def run_source_task(self: Any, settings_file: str, profile_path: str, key: str) -> dict[str, Any]:
    """Run one source of one school, then enqueue judging what it brought in."""
    from monitor.jobs.fetch import run_source

    settings = load_settings(settings_file or None)
    profile = load_profile(profile_path)
    db = _database(settings)
    with db.session_scope() as session:
        _, pairs = build.register_school(session, profile)
        match = [(s.id, c) for s, c in pairs if s.key == key]
    if not match:
        log.warning("source %s is no longer in %s; skipping", key, profile_path)
        return {"key": key, "skipped": True}
    result = run_source(db, profile, *match[0], owner=f"task:{self.request.id}")
    if not result.skipped:
        enqueue(settings, CLASSIFY_SCHOOL, [settings_file, profile_path])
    return {
        "key": key,
        "stored": result.stored,
        "seen": result.seen,
        "skipped": result.skipped,
        "error": result.error,
    }


@app.task(  # type: ignore[untyped-decorator]
    name=CLASSIFY_SCHOOL,
    autoretry_for=(DBAPIError,),
    max_retries=CLASSIFY_MAX_RETRIES,
    default_retry_delay=CLASSIFY_RETRY_SECONDS,
)
def classify_school_task(settings_file: str, profile_path: str) -> dict[str, int]:
    """Judge a school's unjudged posts.  Two at once are safe: a judgement is unique per post."""
    from monitor.jobs.classify import classify_pending

    settings = load_settings(settings_file or None)
    profile = load_profile(profile_path)
    judged, queued = classify_pending(
        _database(settings), profile.slug, build.classifier(profile, settings), build.policy(settings)
    )
    return {"judged": judged, "queued": queued}


def run_worker(settings: Settings, concurrency: int | None = None) -> int:
    """`gatepost worker`: take tasks from the broker until SIGTERM (finishing the current ones)."""
    configure(settings)
    argv = [
        "worker",
        f"--loglevel={settings.log_level}",
        f"--queues={QUEUE}",
        f"--hostname=gatepost-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
    ]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    app.worker_main(argv)
    return 0
