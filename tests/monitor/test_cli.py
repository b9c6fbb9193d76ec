"""The CLI as a user runs it: demo, fetch, classify and export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.cli import main
from monitor.settings import load_settings
from review_queue.db import Database
from review_queue.models import Post, ReviewItem, Source

GATEPOST = [sys.executable, "-m", "monitor.cli"]


def counts(home: Path) -> tuple[int, int]:
    db = Database(load_settings(env={"GATEPOST_HOME": str(home)}).database_url)
    with db.session_scope() as s:
        posts = s.scalar(select(func.count()).select_from(Post)) or 0
        items = s.scalar(select(func.count()).select_from(ReviewItem)) or 0
    db.dispose()
    return posts, items


def test_demo_no_serve_fills_the_queue_and_running_it_again_adds_no_duplicate(
    gatepost_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--no-serve"]) == 0
    out = capsys.readouterr().out
    assert "Hollybrook Primary School" in out
    posts, items = counts(gatepost_home)
    # The demo file has 40 lines; three only name the garden centre or the road.
    assert posts == 37
    assert items >= 10
    assert main(["demo", "--no-serve"]) == 0
    assert counts(gatepost_home) == (posts, items)


def test_demo_from_the_installed_console_script_exits_cleanly(gatepost_home: Path) -> None:
    exe = Path(sys.executable).with_name("gatepost")
    done = subprocess.run([str(exe), "demo", "--no-serve"], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    assert "items waiting for review" in done.stdout
    # Post text never reaches the logs or the terminal.
    assert "useless cow" not in done.stdout + done.stderr


def write_profile(tmp_path: Path, sources: str) -> Path:
    path = tmp_path / "school.toml"
    path.write_text(
        '[school]\nname = "Hollybrook Primary School"\naliases = ["Hollybrook"]\n'
        'exclude = ["Hollybrook Garden Centre"]\n' + sources,
        encoding="utf-8",
    )
    return path


def test_fetch_prints_counts_per_source_and_exits_nonzero_when_one_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gatepost_home: Path
) -> None:
    good = tmp_path / "posts.jsonl"
    good.write_text(
        json.dumps({"id": "a", "text": "Hollybrook nativity was lovely"})
        + "\n"
        + json.dumps({"id": "b", "text": "Hollybrook Garden Centre sale"})
        + "\n"
    )
    profile = write_profile(
        tmp_path,
        f'[[sources]]\nkind = "sample"\npath = "{good}"\n\n'
        '[[sources]]\nkind = "sample"\npath = "missing.jsonl"\n',
    )
    assert main(["fetch", "--once", "--school", str(profile)]) == 1
    out = capsys.readouterr().out
    assert "1 new of" in out and "FAILED (permanent)" in out
    posts, _ = counts(gatepost_home)
    assert posts == 1
    db = Database(load_settings().database_url)
    with db.session_scope() as s:
        health = {src.failing_permanently: src for src in s.scalars(select(Source))}
        assert health[True].last_error and "missing.jsonl" in health[True].last_error
        assert health[False].last_success_at is not None and health[False].posts_stored == 1
    db.dispose()


def test_classify_writes_one_line_per_input_and_an_error_line_for_bad_json(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"id": 1, "text": "I know where Mr Okafor parks and he'll regret it"})
        + "\n"
        + "{not json\n"
        + json.dumps({"id": 3, "text": "Lovely harvest festival at Hollybrook today"})
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    assert main(["classify", "--in", str(src), "--out", str(out)]) == 1
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == 3
    assert lines[0]["id"] == 1 and "threat" in lines[0]["flags"]
    assert set(lines[0]) >= {"id", "flags", "scores", "severity", "evidence"}
    ev = lines[0]["evidence"][0]
    assert 0 <= ev["start"] < ev["end"] and ev["why"]
    assert "error" in lines[1] and lines[1]["line"] == 2
    assert lines[2]["flags"] == []


def test_export_lists_every_captured_post_with_flags_and_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--no-serve"]) == 0
    capsys.readouterr()
    out = tmp_path / "export.jsonl"
    out.write_text("an older file anyone could read\n")
    out.chmod(0o644)
    assert main(["export", "posts", "--format", "jsonl", "--out", str(out)]) == 0
    assert out.stat().st_mode & 0o777 == 0o600  # personal data: its owner only, whatever was there
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(rows) == 37
    from review_queue.db import Database
    from review_queue.models import AuditEntry

    db = Database(load_settings().database_url)
    with db.session_scope() as s:
        assert s.scalars(select(AuditEntry.action).where(AuditEntry.action == "export.posts")).all()
    db.dispose()
    statuses = {r["status"] for r in rows}
    assert "open" in statuses and "not flagged" in statuses
    assert all(len(r["evidence_hash"]) == 64 for r in rows)


def test_init_creates_the_database_and_an_example_profile_that_validates(gatepost_home: Path) -> None:
    assert main(["init"]) == 0
    from monitor.settings import load_profile

    profile = load_profile(gatepost_home / "school.toml")
    assert profile.sources[0].kind == "rss"
    assert (gatepost_home / "gatepost.db").exists()


def test_classify_honours_a_face_count_given_in_the_input_line(tmp_path: Path) -> None:
    # Policy: a parent's photo of their own child alone is not a breach; one of several children is.
    text = "My son in his new uniform on his first day at Hollybrook!"
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(
            json.dumps(
                {
                    "id": faces,
                    "text": text,
                    "media": [{"type": "image", "url": "https://cdn.test/a.jpg", "face_count": faces}],
                }
            )
            + "\n"
            for faces in (1, 4)
        )
    )
    out = tmp_path / "out.jsonl"
    assert main(["classify", "--in", str(src), "--out", str(out)]) == 0
    flags = {r["id"]: r["flags"] for r in map(json.loads, out.read_text().splitlines())}
    assert "pupil_image" not in flags[1]
    assert "pupil_image" in flags[4]


def test_a_schools_own_threshold_in_its_policy_file_changes_what_classify_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config import POLICY_PATH

    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "text": "Lovely harvest festival at Hollybrook today"}) + "\n")
    out = tmp_path / "out.jsonl"
    assert main(["classify", "--in", str(src), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["flags"] == []
    # The school's copy of the policy makes security as sensitive as it can be.
    policy = tmp_path / "policy.toml"
    policy.write_text(
        POLICY_PATH.read_text(encoding="utf-8").replace(
            "[categories.security]\n", "[categories.security]\nthreshold = 0.0\n"
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("GATEPOST_POLICY", str(policy))
    assert main(["classify", "--in", str(src), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["flags"] == ["security"]


def test_a_policy_file_with_a_bad_value_stops_start_up_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from config import POLICY_PATH

    policy = tmp_path / "policy.toml"
    policy.write_text(
        POLICY_PATH.read_text(encoding="utf-8").replace('severity = "urgent"', 'severity = "panic"', 1),
        encoding="utf-8",
    )
    monkeypatch.setenv("GATEPOST_POLICY", str(policy))
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "text": "hello"}) + "\n")
    assert main(["classify", "--in", str(src), "--out", str(tmp_path / "o.jsonl")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "categories.threat.severity" in err and "policy.toml" in err


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # A typo'd key in a category, and a retention period written as text: both refused
        # before anything runs, with the file, the key and the fix on one line.
        (
            ('severity = "urgent"', 'severity = "urgent"\ncolour = "red"'),
            "unknown key 'categories.threat.colour'",
        ),
        (("dismissed_days = 90", 'dismissed_days = "90"'), "key 'retention.dismissed_days' is invalid"),
    ],
)
def test_a_policy_file_with_an_unknown_key_or_a_bad_retention_section_stops_start_up_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    gatepost_home: Path,
    change: tuple[str, str],
    expected: str,
) -> None:
    from config import POLICY_PATH

    policy = tmp_path / "policy.toml"
    text = POLICY_PATH.read_text(encoding="utf-8")
    assert change[0] in text
    policy.write_text(text.replace(*change, 1), encoding="utf-8")
    monkeypatch.setenv("GATEPOST_POLICY", str(policy))
    assert main(["retention", "--dry-run"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err and str(policy) in err and "fix:" in err


def test_the_embedded_database_and_its_wal_are_readable_by_their_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEPOST_HOME", str(tmp_path))
    monkeypatch.delenv("GATEPOST_DATABASE_URL", raising=False)
    old = os.umask(0o022)
    try:
        assert main(["demo", "--no-serve"]) == 0
    finally:
        os.umask(old)
    files = sorted(tmp_path.glob("gatepost.db*"))
    assert files and all(f.stat().st_mode & 0o777 == 0o600 for f in files), [
        (f.name, oct(f.stat().st_mode & 0o777)) for f in files
    ]
