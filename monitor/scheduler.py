"""The scheduler: each source at its interval, plus the periodic jobs, with jobs kept in the database.

APScheduler's SQLAlchemy job store keeps the jobs beside Gatepost's tables, so a
restart picks up where it was.  Every job runs one instance at a time and coalesces
missed runs into one.  Jobs are referenced by name and take only strings, because the
job store pickles their arguments.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from monitor import build
from monitor.settings import Settings, load_profile, load_settings, source_key

log = logging.getLogger(__name__)

# A run that starts this late (the machine slept, the scheduler was down) still runs once.
MISFIRE_GRACE_SECONDS = 15 * 60
# Sources run in parallel threads; two cores gain little from more.
WORKER_THREADS = 4


def make_scheduler(settings: Settings, *, blocking: bool = True) -> Any:
    cls = BlockingScheduler if blocking else BackgroundScheduler
    url = settings.database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return cls(
        jobstores={"default": SQLAlchemyJobStore(url=url, tablename="apscheduler_jobs")},
        executors={"default": ThreadPoolExecutor(WORKER_THREADS)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
        timezone=settings.timezone,
    )


def source_job(settings_file: str | None, profile_path: str, key: str) -> None:
    """Run one source of one school, then judge what it brought in (on a worker, in scale-out mode)."""
    from monitor.jobs.classify import classify_pending
    from monitor.jobs.fetch import run_source

    settings = load_settings(settings_file or None)
    if settings.broker_url:
        from monitor.tasks import RUN_SOURCE, enqueue

        enqueue(settings, RUN_SOURCE, [settings_file or "", profile_path, key])
        return
    with build.job(settings_file, profile_path) as job:
        with job.db.session_scope() as session:
            _, pairs = build.register_school(session, job.school)
            match = [(s.id, c) for s, c in pairs if s.key == key]
        if not match:
            log.warning("source %s is no longer in %s; skipping", key, profile_path)
            return
        run_source(job.db, job.school, *match[0])
        classify_pending(job.db, job.school.slug, build.classifier(job.school, settings), job.policy)


def schedule_sources(scheduler: Any, settings_file: str | None, profiles: Sequence[Path]) -> list[str]:
    """Add (or replace) one interval job per configured source; return their ids."""
    ids = []
    for path in profiles:
        profile = load_profile(path)
        for config in profile.sources:
            key = source_key(config)
            job_id = f"source:{profile.slug}:{key}"
            scheduler.add_job(
                "monitor.scheduler:source_job",
                trigger="interval",
                minutes=config.interval_minutes,
                args=[settings_file or "", str(Path(path).resolve()), key],
                id=job_id,
                name=job_id,
                replace_existing=True,
                next_run_time=_now(scheduler),  # first run now, then every interval
            )
            ids.append(job_id)
    return ids


# Retention runs daily in the small hours (local time), when nobody is reviewing.
RETENTION_AT = (2, 30)


def retention_job(settings_file: str | None) -> None:
    """Delete what is past its retention period (monitor.jobs.retention); idempotent."""
    from monitor.jobs.retention import run_retention

    with build.job(settings_file) as job:
        run_retention(job.db, job.policy.retention, apply=True)


def schedule_retention(scheduler: Any, settings_file: str | None) -> str:
    """Add (or replace) the daily retention job; return its id."""
    scheduler.add_job(
        "monitor.scheduler:retention_job",
        trigger="cron",
        hour=RETENTION_AT[0],
        minute=RETENTION_AT[1],
        args=[settings_file or ""],
        id="retention",
        name="retention",
        replace_existing=True,
    )
    return "retention"


# Urgent alerts must go within a minute of capture: checking every 20 seconds keeps the
# worst case (capture just after a check) well inside it, for one indexed SELECT a tick.
ALERTS_EVERY_SECONDS = 20
# The digest's due time is in the database, so a check a minute costs one SELECT and
# sends at 07:00, not "some time after".
DIGEST_CHECK_EVERY_SECONDS = 60


def schedule_alerts_and_digests(
    scheduler: Any, settings_file: str | None, profiles: Sequence[Path]
) -> list[str]:
    """Add (or replace) each school's urgent-alert, notice and weekly-digest checks; return their ids."""
    ids = []
    for path in profiles:
        profile = load_profile(path)
        for kind, func, seconds in (
            ("alerts", "monitor.jobs.alerts:alerts_job", ALERTS_EVERY_SECONDS),
            # Emails owed about escalated and handed-back items, as promptly as alerts.
            ("notices", "monitor.jobs.notices:notices_job", ALERTS_EVERY_SECONDS),
            ("digest", "monitor.jobs.digest:digest_job", DIGEST_CHECK_EVERY_SECONDS),
        ):
            job_id = f"{kind}:{profile.slug}"
            scheduler.add_job(
                func,
                trigger="interval",
                seconds=seconds,
                args=[settings_file or "", str(Path(path).resolve())],
                id=job_id,
                name=job_id,
                replace_existing=True,
                next_run_time=_now(scheduler),
            )
            ids.append(job_id)
    return ids


# Flagged posts are re-checked for edits and deletions this often: often enough to catch
# a post deleted the morning after, rarely enough to stay cheap (X charges per read).
RECHECK_EVERY_MINUTES = 6 * 60


def recheck_job(settings_file: str | None, profile_path: str) -> None:
    """Re-check one school's flagged posts for edits and deletions (monitor.jobs.recheck)."""
    from monitor.jobs.recheck import recheck_school

    with build.job(settings_file, profile_path) as job:
        recheck_school(job.db, job.school)


def schedule_rechecks(scheduler: Any, settings_file: str | None, profiles: Sequence[Path]) -> list[str]:
    """Add (or replace) each school's re-check of flagged posts; return their ids."""
    ids = []
    for path in profiles:
        profile = load_profile(path)
        job_id = f"recheck:{profile.slug}"
        scheduler.add_job(
            "monitor.scheduler:recheck_job",
            trigger="interval",
            minutes=RECHECK_EVERY_MINUTES,
            args=[settings_file or "", str(Path(path).resolve())],
            id=job_id,
            name=job_id,
            replace_existing=True,
        )
        ids.append(job_id)
    return ids


def _now(scheduler: Any) -> datetime:
    return datetime.now(scheduler.timezone)


def run_forever(settings: Settings, profiles: Sequence[Path], settings_file: str | None = None) -> int:
    """`gatepost run`: schedule everything and block until SIGTERM or Ctrl-C."""
    if not profiles:
        from monitor.settings import StartupError

        raise StartupError(
            "no school profile given; fix: pass --school FILE or list `schools` in settings.toml"
        )
    scheduler = make_scheduler(settings)
    ids = schedule_sources(scheduler, settings_file or os.environ.get("GATEPOST_SETTINGS"), profiles)
    ids.append(schedule_retention(scheduler, settings_file or os.environ.get("GATEPOST_SETTINGS")))
    ids += schedule_alerts_and_digests(
        scheduler, settings_file or os.environ.get("GATEPOST_SETTINGS"), profiles
    )
    ids += schedule_rechecks(scheduler, settings_file or os.environ.get("GATEPOST_SETTINGS"), profiles)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    print(f"gatepost: scheduling {len(ids)} jobs; Ctrl-C to stop", flush=True)
    scheduler.start()
    return 0
