"""A fetch killed with SIGKILL mid-run loses nothing: the next run stores every post exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.settings import load_settings
from review_queue.db import Database
from review_queue.models import Post, Source
from tests.fakes.reddit import CLIENT_ID, CLIENT_SECRET, FakeReddit
from tests.fakes.x import BEARER, FakeX

POSTS = 250


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def fetch_process(profile: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    code = "import sys; from monitor.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen(
        [sys.executable, "-c", code, "fetch", "--once", "--no-classify", "--school", str(profile)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def seed_x(fake: FakeX) -> set[str]:
    return {fake.add_tweet(f"Hollybrook post number {i}")["id"] for i in range(POSTS)}


def seed_reddit(fake: FakeReddit) -> set[str]:
    now = time.time()
    return {fake.add_submission(f"Hollybrook thread {i}", created=now - i)["name"] for i in range(POSTS)}


CASES = {
    # kind: (fake, seed, source section, secrets, "is a later page" test)
    "x": (
        FakeX,
        seed_x,
        'kind = "x"\ndaily_read_budget = 1000',
        {"GATEPOST_X_BEARER_TOKEN": BEARER},
        lambda r: r.arg("next_token") is not None,
    ),
    "reddit": (
        FakeReddit,
        seed_reddit,
        'kind = "reddit"\ninclude_comments = false',
        {"GATEPOST_REDDIT_CLIENT_ID": CLIENT_ID, "GATEPOST_REDDIT_CLIENT_SECRET": CLIENT_SECRET},
        lambda r: r.arg("after") is not None,
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_fetch_killed_mid_run_loses_nothing_and_stores_nothing_twice(kind, tmp_path, gatepost_home):
    fake_cls, seed, section, secrets, later_page = CASES[kind]
    with fake_cls() as fake:
        expected = seed(fake)
        profile = tmp_path / "school.toml"
        profile.write_text(
            '[school]\nname = "Hollybrook Primary School"\naliases = ["Hollybrook"]\n'
            "allow_private_hosts = true\n\n"  # the fake platform listens on 127.0.0.1
            f'[[sources]]\n{section}\napi_base = "{fake.base}"\n',
            encoding="utf-8",
        )
        env = {**os.environ, **secrets}
        # The second page hangs, so the process is killed with page one stored and page two in flight.
        fake.fail("/", delay=15, when=later_page)
        proc = fetch_process(profile, env)
        try:
            wait_for(lambda: any(later_page(r) for r in fake.log), 60, "the second page to be requested")
            db = Database(load_settings().database_url)
            with db.session_scope() as s:
                stored_before_kill = s.scalar(select(func.count()).select_from(Post))
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == -signal.SIGKILL
        assert 0 < stored_before_kill < POSTS

        fake.faults.clear()
        # The dead process still holds the source's lease; the next run comes once it has
        # expired (review_queue.leases.LEASE_SECONDS).  Let that time pass.
        with db.session_scope() as s:
            source = s.scalars(select(Source)).one()
            assert source.lease_owner is not None
            source.lease_until = datetime.now(UTC) - timedelta(seconds=1)
        again = fetch_process(profile, env)
        _out, err = again.communicate(timeout=120)
        assert again.returncode == 0, err.decode()[-2000:]

        with db.session_scope() as s:
            ids = list(s.scalars(select(Post.external_id)))
            source = s.scalars(select(Source)).one()
            assert len(ids) == len(set(ids)) == POSTS
            assert set(ids) == expected
            assert source.posts_stored == POSTS
        db.dispose()
