"""The runner with the real connectors against every fake platform: the right posts, retries, health."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from monitor import build
from monitor.jobs.fetch import fetch_school, run_source
from monitor.retry import RetryPolicy
from monitor.settings import load_profile
from review_queue.models import Post, Source
from tests.monitor.sources_harness import platforms


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def fakes():
    with platforms() as p:
        yield p


def stored(db) -> list[tuple[str, str]]:
    with db.session_scope() as s:
        return [(p.kind, p.external_id) for p in s.scalars(select(Post))]


def test_one_fetch_stores_exactly_the_posts_that_refer_to_the_school_from_every_source(
    fakes, any_db, tmp_path
):
    wanted = fakes.seed()
    profile = load_profile(fakes.profile(tmp_path))
    results = fetch_school(any_db, profile, env=fakes.env())
    assert all(r.ok for r in results), [(r.kind, r.error) for r in results]
    assert sorted(stored(any_db)) == sorted(wanted)
    again = fetch_school(any_db, profile, env=fakes.env())
    assert all(r.ok for r in again) and sum(r.stored for r in again) == 0
    assert sorted(stored(any_db)) == sorted(wanted)


def one_source(db, fakes, tmp_path: Path, kind: str):
    profile = load_profile(fakes.profile(tmp_path))
    with db.session_scope() as s:
        _, pairs = build.register_school(s, profile)
        source_id, config = next((src.id, cfg) for src, cfg in pairs if cfg.kind == kind)
    return profile, source_id, config


def health(db, source_id):
    with db.session_scope() as s:
        src = s.get_one(Source, source_id)
        s.expunge(src)
        return src


def test_a_server_error_is_retried_after_a_jittered_backoff_and_the_run_succeeds(fakes, sqlite_db, tmp_path):
    fakes.seed()
    profile, sid, cfg = one_source(sqlite_db, fakes, tmp_path, "x")
    fakes.x.fail("/2/tweets/search", status=503)
    sleeps = Sleeps()
    result = run_source(
        sqlite_db, profile, sid, cfg, env=fakes.env(), sleep=sleeps, retry=RetryPolicy(base_delay=2.0)
    )
    assert result.ok and result.stored == 1
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= 2.0


def test_a_short_retry_after_is_waited_out_exactly(fakes, sqlite_db, tmp_path):
    fakes.seed()
    profile, sid, cfg = one_source(sqlite_db, fakes, tmp_path, "reddit")
    fakes.reddit.fail("/r/all/search", status=429, headers={"Retry-After": "7"})
    sleeps = Sleeps()
    result = run_source(sqlite_db, profile, sid, cfg, env=fakes.env(), sleep=sleeps)
    assert result.ok and result.stored == 2
    assert sleeps == [7.0]


def test_a_long_retry_after_is_not_slept_through_but_backs_the_source_off(fakes, sqlite_db, tmp_path):
    fakes.seed()
    profile, sid, cfg = one_source(sqlite_db, fakes, tmp_path, "reddit")
    fakes.reddit.fail("/r/all/search", status=429, headers={"Retry-After": "900"})
    sleeps = Sleeps()
    result = run_source(sqlite_db, profile, sid, cfg, env=fakes.env(), sleep=sleeps)
    assert not result.ok and not result.permanent and sleeps == []
    src = health(sqlite_db, sid)
    assert src.backoff_until is not None and src.consecutive_failures == 1 and "429" in src.last_error


def test_retries_stop_after_the_policy_limit_and_the_source_shows_as_failing(fakes, sqlite_db, tmp_path):
    fakes.seed()
    profile, sid, cfg = one_source(sqlite_db, fakes, tmp_path, "mastodon")
    for _ in range(5):
        fakes.mastodon.fail("/api/v1/timelines/tag", status=500)
    sleeps = Sleeps()
    result = run_source(
        sqlite_db, profile, sid, cfg, env=fakes.env(), sleep=sleeps, retry=RetryPolicy(retries=2)
    )
    assert not result.ok and len(sleeps) == 2
    src = health(sqlite_db, sid)
    assert not src.failing_permanently and src.last_error and "500" in src.last_error


def test_a_permanent_failure_is_not_retried_and_does_not_stop_the_other_sources(fakes, sqlite_db, tmp_path):
    wanted = fakes.seed()
    fakes.reddit.banned.add("ashbyfields")
    profile = load_profile(fakes.profile(tmp_path))
    results = fetch_school(sqlite_db, profile, env=fakes.env())
    by_kind = {r.kind: r for r in results}
    assert by_kind["reddit"].permanent and "403" in (by_kind["reddit"].error or "")
    assert all(r.ok for k, r in by_kind.items() if k != "reddit")
    assert sorted(stored(sqlite_db)) == sorted(w for w in wanted if w[0] != "reddit")


def test_x_reads_spent_today_are_recorded_on_the_source(fakes, sqlite_db, tmp_path):
    fakes.seed()
    profile, sid, cfg = one_source(sqlite_db, fakes, tmp_path, "x")
    run_source(sqlite_db, profile, sid, cfg, env=fakes.env())
    assert health(sqlite_db, sid).reads_today == fakes.x.reads == 1
