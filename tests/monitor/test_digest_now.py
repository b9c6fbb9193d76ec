"""Trying the digest: `gatepost digest --send-now` to a real SMTP server, schedule changes, previews."""

from __future__ import annotations

import os
import stat
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from classifiers.policy import read_policy
from config import POLICY_PATH
from monitor.cli import main
from monitor.jobs import digest as digest_job
from monitor.settings import DigestSettings, Settings, SmtpSettings, parse_profile
from review_queue.db import Database
from review_queue.models import JobSchedule
from tests.fakes.school_data import seed_school
from tests.fakes.smtp import SmtpServer

PROFILE_TOML = """
[school]
name = "Hollybrook Primary School"
slug = "hollybrook"

[contacts]
headteacher = ["head@hollybrook.example"]
dsl = ["dsl@hollybrook.example"]
"""
# Monday 23 November 2026, 07:00 GMT.
MONDAY_7 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


@pytest.fixture
def cli_school(gatepost_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Database]:
    """A school with a term of data, its profile, and the CLI pointed at its database."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GATEPOST_DATABASE_URL", url)
    db = Database(url)
    db.upgrade()
    with db.session_scope() as s:
        seed_school(s, slug="hollybrook", name="Hollybrook Primary School", now=datetime.now(UTC))
    profile = tmp_path / "hollybrook.toml"
    profile.write_text(PROFILE_TOML, encoding="utf-8")
    return profile, db


def _schedule_rows(db: Database) -> list[tuple[str, datetime]]:
    with db.session_scope() as s:
        return [(r.name, r.next_due_at) for r in s.scalars(select(JobSchedule))]


def test_send_now_delivers_this_weeks_digest_to_the_given_address_and_leaves_the_schedule_alone(
    cli_school, monkeypatch, capsys
):
    profile, db = cli_school
    with SmtpServer() as server:
        monkeypatch.setenv("GATEPOST_SMTP_HOST", server.host)
        monkeypatch.setenv("GATEPOST_SMTP_PORT", str(server.port))
        monkeypatch.setenv("GATEPOST_SMTP_FROM", "gatepost@hollybrook.example")
        args = ["digest", "--send-now", "--to", "someone@school.example", "--school", str(profile)]
        assert main(args) == 0
        assert "sent now to 1 address(es)" in capsys.readouterr().out
        assert len(server.messages) == 1
        assert server.envelopes[0] == ("gatepost@hollybrook.example", ["someone@school.example"])
        msg = server.messages[0]
        assert msg["To"] == "someone@school.example"
        assert "Weekly digest: Hollybrook Primary School" in msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
        # The scheduled digest is untouched: never seen, so nothing was claimed or moved.
        assert _schedule_rows(db) == []
        # And the weekly run still says when it will go, rather than "not due (or already sent)".
        assert main(["digest", "--school", str(profile)]) == 0
        out = capsys.readouterr().out
        assert "not due: next on Mon" in out and ("GMT" in out or "BST" in out)
        assert len(server.messages) == 1


def test_send_now_says_so_when_the_mail_server_refuses(cli_school, monkeypatch, capsys):
    profile, _ = cli_school
    with SmtpServer() as server:
        port = server.port
    monkeypatch.setenv("GATEPOST_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("GATEPOST_SMTP_PORT", str(port))  # nothing listens there any more
    assert main(["digest", "--send-now", "--to", "someone@school.example", "--school", str(profile)]) == 1
    assert "not sent" in capsys.readouterr().err


def test_to_without_send_now_is_refused_in_one_line(cli_school, capsys):
    profile, _ = cli_school
    assert main(["digest", "--to", "someone@school.example", "--school", str(profile)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "fix:" in err


def test_preview_without_out_writes_a_private_file_in_the_temp_folder_not_here(
    cli_school, tmp_path, monkeypatch, capsys
):
    profile, _ = cli_school
    here = tmp_path / "where-the-operator-is"
    here.mkdir()
    monkeypatch.chdir(here)
    assert main(["digest", "--preview", "--school", str(profile)]) == 0
    assert list(here.iterdir()) == []
    out = capsys.readouterr().out
    path = Path(out.split("written to ", 1)[1].split(" (", 1)[0])
    try:
        assert path.parent == Path(tempfile.gettempdir())
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert "Weekly digest: Hollybrook Primary School" in path.read_text(encoding="utf-8")
    finally:
        path.unlink()


def _settings(tmp_path: Path, db: Database, server: SmtpServer, weekday: str) -> Settings:
    return Settings(
        home=tmp_path,
        database_url=db.url,
        smtp=SmtpSettings(host=server.host, port=server.port, from_address="gatepost@hollybrook.example"),
        digest=DigestSettings(weekday=weekday),  # type: ignore[arg-type]
    )


def test_a_changed_digest_day_takes_effect_at_the_next_run(sqlite_db, tmp_path):
    with sqlite_db.session_scope() as s:
        seed_school(s, slug="hollybrook", name="Hollybrook Primary School", now=MONDAY_7)
    profile = parse_profile(
        {
            "school": {"name": "Hollybrook Primary School", "slug": "hollybrook"},
            "contacts": {"headteacher": ["head@hollybrook.example"]},
        }
    )
    policy = read_policy(POLICY_PATH)

    def run(settings: Settings, at: datetime) -> bool:
        with time_machine.travel(at, tick=False):
            return digest_job.send_digest_if_due(sqlite_db, settings, profile, policy)

    with SmtpServer() as server:
        monday = _settings(tmp_path, sqlite_db, server, "mon")
        assert not run(monday, MONDAY_7 - timedelta(days=1))
        assert run(monday, MONDAY_7)
        # On Tuesday the head asks for Thursdays instead.
        thursday = _settings(tmp_path, sqlite_db, server, "thu")
        assert not run(thursday, MONDAY_7 + timedelta(days=1))
        assert _schedule_rows(sqlite_db) == [("digest:hollybrook", MONDAY_7 + timedelta(days=3))]
        assert run(thursday, MONDAY_7 + timedelta(days=3))
        # ... and the old Monday does not come round again.
        assert not run(thursday, MONDAY_7 + timedelta(days=7))
        assert len(server.messages) == 2


def test_the_digest_time_follows_the_schools_own_time_zone(sqlite_db, tmp_path):
    """A school in New York gets its digest at 07:00 New York time, whatever the deployment's zone."""
    with sqlite_db.session_scope() as s:
        seed_school(s, slug="hollybrook", name="Hollybrook Primary School", now=MONDAY_7)
    profile = parse_profile(
        {
            "school": {
                "name": "Hollybrook Primary School",
                "slug": "hollybrook",
                "timezone": "America/New_York",
            },
            "contacts": {"headteacher": ["head@hollybrook.example"]},
        }
    )
    with SmtpServer() as server:
        settings = _settings(tmp_path, sqlite_db, server, "mon")
        with time_machine.travel(MONDAY_7 - timedelta(days=1), tick=False):
            digest_job.send_digest_if_due(sqlite_db, settings, profile, read_policy(POLICY_PATH))
    # 07:00 in New York in November is 12:00 UTC.
    assert _schedule_rows(sqlite_db) == [("digest:hollybrook", MONDAY_7 + timedelta(hours=5))]
