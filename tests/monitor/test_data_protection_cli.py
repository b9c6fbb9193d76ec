"""`gatepost retention` and `gatepost privacy` as an operator runs them, and the daily schedule."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from monitor.cli import main
from monitor.scheduler import RETENTION_AT, schedule_retention
from review_queue.db import Database
from review_queue.models import AuditEntry, Post
from tests.review_queue import demo_data
from tests.review_queue.demo_data import T0

DSL = "priya.shah@hollybrook.example"


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GATEPOST_DATABASE_URL", url)
    db = Database(url)
    db.upgrade()
    with time_machine.travel(T0, tick=False):
        demo_data.build(db)
    yield db
    db.dispose()


def posts(db: Database) -> int:
    with db.session_scope() as s:
        return s.scalar(select(func.count()).select_from(Post)) or 0


def test_retention_dry_run_prints_counts_per_table_and_deletes_nothing_then_apply_deletes_them(
    demo_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    before = posts(demo_db)
    with time_machine.travel(T0 + timedelta(days=31), tick=False):
        assert main(["retention", "--dry-run"]) == 0
        out = capsys.readouterr().out
        assert "dry run" in out
        assert " posts " in out and "16" in out.split(" posts ")[1].splitlines()[0]
        assert posts(demo_db) == before
        assert main(["retention", "--apply"]) == 0
        assert "applied" in capsys.readouterr().out
    assert posts(demo_db) == before - 16


def test_retention_needs_a_mode(demo_db: Database) -> None:
    with pytest.raises(SystemExit):
        main(["retention"])


def test_privacy_export_writes_a_private_file_and_says_how_much_it_holds(
    demo_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sar.json"
    assert main(["privacy", "export", "--handle", "@angrydad_af", "--by", DSL, "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    bundle = json.loads(out.read_text(encoding="utf-8"))
    assert {p["external_id"] for p in bundle["posts"]} == {"demo-002", "demo-031"}
    err = capsys.readouterr().err
    assert "2 posts" in err and "angrydad" not in err
    html = tmp_path / "sar.html"
    assert (
        main(
            [
                "privacy",
                "export",
                "--handle",
                "angrydad_af",
                "--by",
                DSL,
                "--format",
                "html",
                "--out",
                str(html),
            ]
        )
        == 0
    )
    assert html.read_text(encoding="utf-8").startswith("<!doctype html>")
    with demo_db.session_scope() as s:
        assert (
            s.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "privacy.export")
            )
            == 2
        )


def test_privacy_erase_dry_run_changes_nothing_and_erase_then_removes_the_posts(
    demo_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    before = posts(demo_db)
    assert main(["privacy", "erase", "--handle", "angrydad_af", "--by", DSL, "--dry-run"]) == 0
    assert "dry run" in capsys.readouterr().out
    assert posts(demo_db) == before
    assert main(["privacy", "erase", "--handle", "angrydad_af", "--by", DSL]) == 0
    out = capsys.readouterr().out
    assert "deleted  posts" in out and "angrydad" not in out
    assert posts(demo_db) == before - 2
    # Nothing of the handle is left in SQLite's write-ahead log beside the database either.
    database = Path(demo_db.url.removeprefix("sqlite:///"))
    for leftover in (database, database.with_name(database.name + "-wal")):
        if leftover.exists():
            assert b"angrydad_af" not in leftover.read_bytes(), leftover.name


def test_privacy_refuses_an_unknown_account_and_an_open_incident_in_one_line_without_the_handle(
    demo_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["privacy", "erase", "--handle", "jk_ashby", "--by", "nobody@example.invalid"]) == 1
    assert main(["privacy", "erase", "--handle", "jk_ashby", "--by", DSL]) == 1
    err = capsys.readouterr().err
    assert "no console account" in err and "open incident" in err and "jk_ashby" not in err


def test_the_scheduler_runs_retention_daily_in_the_small_hours() -> None:
    scheduler = BackgroundScheduler(timezone="Europe/London")
    job_id = schedule_retention(scheduler, None)
    job = scheduler.get_job(job_id)
    assert job.func_ref == "monitor.scheduler:retention_job"
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["hour"], fields["minute"]) == tuple(str(x) for x in RETENTION_AT)
    assert fields["day"] == "*"


def test_migrate_reports_the_schema_upgrades_an_empty_database_and_check_then_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GATEPOST_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    assert main(["migrate", "--check"]) == 1
    assert "database schema: empty" in capsys.readouterr().out
    assert main(["migrate"]) == 0
    assert "upgraded to" in capsys.readouterr().out
    assert main(["migrate", "--check"]) == 0


def test_the_scheduled_job_applies_retention_and_audits_the_run(demo_db: Database) -> None:
    from monitor.scheduler import retention_job

    before = posts(demo_db)
    with time_machine.travel(T0 + timedelta(days=31), tick=False):
        retention_job("")
    assert posts(demo_db) == before - 16
    with demo_db.session_scope() as s:
        assert (
            s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "retention.run"))
            == 1
        )


def test_retention_after_gatepost_demo_deletes_exactly_the_posts_the_real_classifier_left_unflagged(
    gatepost_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from monitor.settings import load_settings
    from review_queue.models import Judgement, ReviewItem

    with time_machine.travel(T0, tick=False):
        assert main(["demo", "--no-serve"]) == 0
    db = Database(load_settings().database_url)

    def counts() -> tuple[int, int, int]:
        with db.session_scope() as s:
            return (
                s.scalar(select(func.count()).select_from(Post)) or 0,
                s.scalar(select(func.count()).select_from(Judgement)) or 0,
                s.scalar(select(func.count()).select_from(ReviewItem)) or 0,
            )

    stored, judged, flagged = counts()
    assert stored == judged == 37 and 0 < flagged < stored
    with time_machine.travel(T0 + timedelta(days=29), tick=False):
        assert main(["retention", "--apply"]) == 0
    assert counts() == (stored, judged, flagged)
    with time_machine.travel(T0 + timedelta(days=31), tick=False):
        assert main(["retention", "--apply"]) == 0
    # Only the posts never flagged (and their judgements) went; every queued item stayed.
    assert counts() == (flagged, flagged, flagged)
    out = capsys.readouterr().out
    assert f"  {'posts':<20} {stored - flagged:>8}" in out
    db.dispose()
