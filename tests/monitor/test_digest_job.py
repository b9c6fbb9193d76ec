"""The digest job sends over real SMTP (STARTTLS + auth), once per week, and retries a failed send."""

from __future__ import annotations

import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from classifiers.policy import read_policy
from config import POLICY_PATH
from monitor.jobs import digest as digest_job
from monitor.settings import Settings, SmtpSettings, parse_profile
from review_queue.db import Database
from tests.fakes.school_data import seed_school
from tests.fakes.smtp import SmtpServer
from tests.tools import need_tool

MONDAY_7 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
PROFILE = parse_profile(
    {
        "school": {"name": "Hollybrook Primary School", "slug": "hollybrook"},
        "contacts": {"headteacher": ["head@hollybrook.example"], "dsl": ["dsl@hollybrook.example"]},
    }
)


def _settings(tmp_path: Path, db: Database, server: SmtpServer, **smtp: object) -> Settings:
    return Settings(
        home=tmp_path,
        database_url=db.url,
        base_url="https://gatepost.hollybrook.example",
        smtp=SmtpSettings(
            host=server.host, port=server.port, from_address="gatepost@hollybrook.example", **smtp
        ),
    )


@pytest.fixture
def seeded(sqlite_db: Database):
    with sqlite_db.session_scope() as s:
        data = seed_school(s, slug="hollybrook", name="Hollybrook Primary School", now=MONDAY_7)
    return sqlite_db, data


def _run(db: Database, settings: Settings, at: datetime, server: SmtpServer | None = None) -> bool:
    with time_machine.travel(at, tick=False):
        return digest_job.send_digest_if_due(
            db,
            settings,
            PROFILE,
            read_policy(POLICY_PATH),
            ssl_context=server.client_context if server else None,
        )


def test_the_digest_arrives_once_over_starttls_with_auth_as_html_and_text(seeded, tmp_path):
    db, data = seeded
    with SmtpServer(starttls=True, users={"gatepost": "s3cret-pass"}) as server:
        settings = _settings(tmp_path, db, server, starttls=True, username="gatepost", password="s3cret-pass")
        assert not _run(db, settings, MONDAY_7 - timedelta(days=1), server)  # Sunday: first sight, not due
        assert not _run(db, settings, MONDAY_7 - timedelta(minutes=1), server)
        assert _run(db, settings, MONDAY_7, server)
        assert not _run(db, settings, MONDAY_7 + timedelta(minutes=1), server)
        assert len(server.messages) == 1
        assert server.tls_used == [True] and server.auth_users == ["gatepost"]
        msg = server.messages[0]
        assert server.envelopes[0][1] == ["head@hollybrook.example", "dsl@hollybrook.example"]
        assert msg.get_content_type() == "multipart/alternative"
        html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
        text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "Weekly digest: Hollybrook Primary School" in html
        assert "https://gatepost.hollybrook.example/queue" in text
        assert 'name="viewport"' in html  # readable on a phone
        for secret in data.secrets:
            assert secret.casefold() not in msg.as_string().casefold()
    _screenshot(html)


def test_a_second_worker_and_a_restart_send_nothing_more(seeded, tmp_path):
    db, _ = seeded
    with SmtpServer() as server:
        settings = _settings(tmp_path, db, server)
        _run(db, settings, MONDAY_7 - timedelta(days=1))
        workers = [Database(db.url) for _ in range(4)]
        barrier = threading.Barrier(len(workers))
        results: list[bool] = []

        def work(w: Database) -> None:
            barrier.wait()
            results.append(
                digest_job.send_digest_if_due(w, settings, PROFILE, read_policy(POLICY_PATH), now=MONDAY_7)
            )

        threads = [threading.Thread(target=work, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == [False, False, False, True]
        restarted = Database(db.url)
        assert not _run(restarted, settings, MONDAY_7 + timedelta(hours=2))
        assert _run(restarted, settings, MONDAY_7 + timedelta(days=7))  # next Monday
        for w in [*workers, restarted]:
            w.dispose()
        assert len(server.messages) == 2


def test_a_failed_send_is_retried_on_the_next_tick(seeded, tmp_path):
    db, _ = seeded
    with SmtpServer(starttls=True, users={"gatepost": "right"}) as server:
        bad = _settings(tmp_path, db, server, starttls=True, username="gatepost", password="wrong")
        _run(db, bad, MONDAY_7 - timedelta(days=1), server)
        assert not _run(db, bad, MONDAY_7, server)
        good = _settings(tmp_path, db, server, starttls=True, username="gatepost", password="right")
        assert _run(db, good, MONDAY_7 + timedelta(minutes=1), server)
        assert len(server.messages) == 1


def _screenshot(html: str) -> None:
    """Render the email as a phone would show it, for a person to look at (test-output/)."""
    need_tool("chromium")
    chromium = "/usr/bin/chromium"
    OUTPUT.mkdir(exist_ok=True)
    page = OUTPUT / "digest-email.html"
    page.write_text(html, encoding="utf-8")
    for name, size in (("digest-email-phone.png", "412,1900"), ("digest-email-desktop.png", "900,1700")):
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--hide-scrollbars",
                f"--screenshot={OUTPUT / name}",
                f"--window-size={size}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        assert (OUTPUT / name).stat().st_size > 10_000
