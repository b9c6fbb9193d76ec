"""Every source, and the re-check of flagged posts, is a scheduler job kept in the database."""

from __future__ import annotations

from datetime import timedelta

from monitor import build
from monitor.scheduler import RECHECK_EVERY_MINUTES, make_scheduler, schedule_rechecks, schedule_sources
from monitor.settings import load_settings
from tests.monitor.sources_harness import platforms


def test_source_and_recheck_jobs_survive_a_restart_with_one_instance_and_coalesced_misfires(tmp_path):
    settings = load_settings()
    db = build.database(settings)
    db.upgrade()
    with platforms() as fakes:
        profile = fakes.profile(tmp_path)
        first = make_scheduler(settings, blocking=False)
        ids = schedule_sources(first, None, [profile]) + schedule_rechecks(first, None, [profile])
        first.start(paused=True)
        first.shutdown(wait=False)

        restarted = make_scheduler(settings, blocking=False)
        restarted.start(paused=True)
        try:
            jobs = {job.id: job for job in restarted.get_jobs()}
        finally:
            restarted.shutdown(wait=False)
    assert set(ids) == set(jobs) and len(ids) == 6
    for job_id in ids:
        job = jobs[job_id]
        assert job.max_instances == 1 and job.coalesce is True
    kinds = sorted(i.split(":")[2].split("-")[0] for i in ids if i.startswith("source:"))
    assert kinds == ["bluesky", "mastodon", "reddit", "rss", "x"]
    recheck = next(j for i, j in jobs.items() if i.startswith("recheck:"))
    assert recheck.trigger.interval == timedelta(minutes=RECHECK_EVERY_MINUTES)
    db.dispose()
