"""`gatepost digest --preview` and `gatepost report termly` write their files from the database."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.cli import main
from review_queue.db import Database
from tests.fakes.school_data import seed_school

PROFILE = """
[school]
name = "Hollybrook Primary School"
slug = "hollybrook"

[contacts]
headteacher = ["head@hollybrook.example"]
"""


@pytest.fixture
def home(gatepost_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GATEPOST_DATABASE_URL", url)
    db = Database(url)
    db.upgrade()
    with db.session_scope() as s:
        data = seed_school(s, slug="hollybrook", name="Hollybrook Primary School", now=datetime.now(UTC))
    db.dispose()
    profile = tmp_path / "hollybrook.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    return profile, data.secrets


def test_digest_preview_writes_the_email_without_sending(home, tmp_path, capsys):
    profile, secrets = home
    out = tmp_path / "digest.html"
    assert main(["digest", "--preview", "--school", str(profile), "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "Weekly digest: Hollybrook Primary School" in html
    assert not [s for s in secrets if s.casefold() in html.casefold()]
    assert "digest preview written" in capsys.readouterr().out


@pytest.mark.needs("pango", "pdftotext")
def test_report_termly_writes_a_pdf_with_no_personal_data(home, tmp_path):
    profile, secrets = home
    out = tmp_path / "termly.pdf"
    assert main(["report", "termly", "--school", str(profile), "--out", str(out)]) == 0
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "termly report for governors" in text
    assert not [s for s in secrets if s.casefold() in text.casefold()]


def test_report_termly_refuses_an_unknown_format_in_one_line(home, tmp_path, capsys):
    profile, _ = home
    assert main(["report", "termly", "--school", str(profile), "--out", str(tmp_path / "x.docx")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "fix:" in err
