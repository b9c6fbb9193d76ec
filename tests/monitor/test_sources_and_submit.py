"""`gatepost sources` tells the truth about each source; `gatepost submit` makes a screenshot a queue item."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from monitor.cli import main
from monitor.settings import load_settings
from review_queue.db import Database
from review_queue.models import Post, ReviewItem
from tests.monitor.sources_harness import platforms


@pytest.fixture
def fakes(monkeypatch):
    with platforms() as p:
        for name, value in p.env().items():
            monkeypatch.setenv(name, value)
        yield p


def section(out: str, kind: str) -> str:
    lines = out.splitlines()
    # Each source's first line starts with its name, which starts with its kind ("  x search ...").
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  {kind} "))
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if lines[i].startswith("  ") and not lines[i].startswith("    ")
        ),
        len(lines),
    )
    return "\n".join(lines[start:end])


def test_sources_shows_success_errors_cursor_counts_and_x_reads(fakes, tmp_path, capsys):
    fakes.seed()
    fakes.mastodon.fail("/api/v1/timelines/tag", status=401)  # a revoked token: permanent
    profile = fakes.profile(tmp_path)
    assert main(["fetch", "--once", "--no-classify", "--school", str(profile)]) == 1
    capsys.readouterr()
    assert main(["sources", "--school", str(profile)]) == 0
    out = capsys.readouterr().out
    x = section(out, "x")
    assert " ok" in x and "X reads today  1" in x and "posts stored  1" in x and '"since_id"' in x
    reddit = section(out, "reddit")
    assert "posts stored  2" in reddit and "last success  20" in reddit
    masto = section(out, "mastodon")
    assert "failing permanently" in masto and "401" in masto and "posts stored  0" in masto
    assert "staff are liars" not in out  # post text never shows here


def render_screenshot(lines: list[str]) -> bytes:
    img = Image.new("RGB", (1000, 100 + 70 * len(lines)), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=36)
    for i, line in enumerate(lines):
        draw.text((30, 30 + 70 * i), line, fill="black", font=font)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.needs("tesseract")
def test_a_submitted_screenshot_becomes_a_classified_queue_item_with_provenance(
    tmp_path, capsys, gatepost_home
):
    profile = tmp_path / "school.toml"
    profile.write_text(
        '[school]\nname = "Hollybrook Primary School"\naliases = ["Hollybrook"]\n', encoding="utf-8"
    )
    shot = tmp_path / "shot.png"
    shot.write_bytes(
        render_screenshot(["I know where Mr Okafor parks", "and he will regret it", "Hollybrook"])
    )
    args = [
        "submit",
        "--school",
        str(profile),
        "--by",
        "dsl@hollybrook.example",
        "--from",
        "Year 4 WhatsApp",
        "--author",
        "jk_ashby",
        "--screenshot",
        str(shot),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "stored; queued as item" in out
    assert main(args) == 0
    assert "already stored" in capsys.readouterr().out
    db = Database(load_settings().database_url)
    with db.session_scope() as s:
        (post,) = s.scalars(select(Post)).all()
        assert post.kind == "manual" and "okafor" in post.text.lower() and post.author_handle == "jk_ashby"
        assert post.provenance["submitted_by"] == "dsl@hollybrook.example"
        assert post.provenance["where_from"] == "Year 4 WhatsApp"
        assert post.provenance["screenshot"]["sha256"] and post.provenance["method"] == "screenshot"
        item = s.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))
        assert item is not None and "threat" in item.categories
    db.dispose()


def test_a_submission_without_where_it_came_from_is_refused(tmp_path, capsys):
    profile = tmp_path / "school.toml"
    profile.write_text('[school]\nname = "Hollybrook Primary School"\n', encoding="utf-8")
    assert main(["submit", "--school", str(profile), "--by", "x", "--from", " ", "--text", "hi"]) == 2
    assert "where it came from" in capsys.readouterr().err


def test_a_submitted_file_that_is_not_an_image_is_refused(tmp_path, capsys):
    profile = tmp_path / "school.toml"
    profile.write_text('[school]\nname = "Hollybrook Primary School"\n', encoding="utf-8")
    bad = tmp_path / "shot.png"
    bad.write_bytes(b"GIF89a not really")
    assert (
        main(["submit", "--school", str(profile), "--by", "x", "--from", "y", "--screenshot", str(bad)]) == 2
    )
    assert "PNG or JPEG" in capsys.readouterr().err
