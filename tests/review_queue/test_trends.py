"""The governors' trends: suppression, numbers that match the database, and no personal data anywhere."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from classifiers.policy import read_policy
from config import POLICY_PATH
from review_queue.db import Database
from review_queue.models import ConductIncident, Judgement, PlatformReport, Post, ReviewItem
from review_queue.oversight import termly
from review_queue.oversight.trends import (
    HIDDEN_TEXT,
    SMALL_TEXT,
    SUPPRESS_BELOW,
    Count,
    PeriodTrends,
    breakdown,
    part_of,
    school_trends,
    shown,
    trust_trends,
)
from tests.fakes.school_data import Seeded, seed_school
from tests.tools import need_tool

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
TZ = "Europe/London"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


@pytest.fixture
def policy():
    return read_policy(POLICY_PATH)


@pytest.fixture
def two_schools(sqlite_db: Database) -> tuple[Database, Seeded, Seeded]:
    with sqlite_db.session_scope() as s:
        big = seed_school(s, slug="hollybrook", name="Hollybrook Primary School", now=NOW)
        small = seed_school(s, slug="ashby-vale", name="Ashby Vale Infants", now=NOW, per_week=(0, 3), seed=3)
    return sqlite_db, big, small


def test_a_count_from_one_to_four_is_shown_as_fewer_than_five_and_zero_as_zero():
    assert shown(4) == Count(None, "fewer than 5")
    assert shown(1).suppressed
    assert shown(0) == Count(0, "0")
    assert shown(5) == Count(5, "5")


def test_a_lone_small_cell_takes_its_smallest_neighbour_with_it():
    cells = breakdown([3, 40, 7, 12], 62)
    assert cells is not None
    assert [c.text for c in cells] == [SMALL_TEXT, "40", HIDDEN_TEXT, "12"]
    # Two small cells protect each other when their sum leaves each one open...
    assert [c.text for c in breakdown([1, 2, 30], 33) or []] == [SMALL_TEXT, SMALL_TEXT, "30"]
    # ...but 4 + 4 = 8 could only be two fours, so the next smallest goes too.
    assert [c.text for c in breakdown([4, 4, 30, 9], 47) or []] == [SMALL_TEXT, SMALL_TEXT, "30", HIDDEN_TEXT]
    # A zero is shown: it names nobody, and the empty weeks read as none.
    assert [c.text for c in breakdown([0, 30], 30) or []] == ["0", "30"]


def test_a_breakdown_that_cannot_be_protected_is_left_out():
    # 4 + 4 and nothing else to hide: either way each 4 could be worked out.
    assert breakdown([4, 4, 0, 0], 8) is None
    # A hidden 5 beside a 1 and a total of 6 leaves the 1 as the only possibility.
    assert breakdown([1, 5, 0], 6) is None
    # Under a total of fewer than 5 nothing is broken down.
    assert breakdown([1, 2], 3) is None


def test_a_count_within_a_total_hides_itself_when_the_remainder_is_small():
    # 9 of 12 reports removed: "3 not removed" would follow, so the 9 is hidden.
    assert part_of(9, 12) == (Count(None, HIDDEN_TEXT), Count(12, "12"))
    # 5 of 6: hidden it could only be 5 (at least 5, at most 6 - 1), so the 6 goes too.
    assert part_of(5, 6) == (Count(None, HIDDEN_TEXT), Count(None, HIDDEN_TEXT))
    assert part_of(3, 20) == (Count(None, SMALL_TEXT), Count(20, "20"))
    assert part_of(12, 12) == (Count(12, "12"), Count(12, "12"))


def _all_counts(p: PeriodTrends) -> list[Count]:
    out = list(p.headline().values())
    for rows in (p.by_category, p.by_source, p.by_week, p.incidents_by_stage):
        out += [c for _, c in rows or []]
    return out


def test_no_number_from_one_to_four_leaves_the_trends(two_schools, policy):
    db, _, _ = two_schools
    with db.session_scope() as s:
        trust = trust_trends(s, NOW, timezone=TZ, policy=policy)
    counts = [c for st in trust.schools for c in _all_counts(st.term)] + [
        c for r in trust.rows for c in r.cells
    ]
    counts += [c for st in trust.schools if st.year for r in st.year.rows for c in r.cells]
    assert any(c.suppressed for c in counts), "the small school should have suppressed cells"
    for c in counts:
        assert c.value is None or c.value == 0 or c.value >= SUPPRESS_BELOW
        assert c.text in (SMALL_TEXT, HIDDEN_TEXT) or int(c.text) == 0 or int(c.text) >= SUPPRESS_BELOW


def test_the_numbers_match_the_database(two_schools, policy):
    db, big, _ = two_schools
    with db.session_scope() as s:
        t = school_trends(s, big.school_id, "Hollybrook", NOW, timezone=TZ, policy=policy).term
        start = datetime(2026, 9, 1, tzinfo=UTC) - timedelta(hours=1)  # 00:00 BST
        in_term = (ReviewItem.school_id == big.school_id, ReviewItem.created_at >= start)
        assert t.raw["flags"] == s.scalar(select(func.count()).select_from(ReviewItem).where(*in_term))
        assert t.flags.value == t.raw["flags"]
        decided = s.scalar(
            select(func.count())
            .select_from(ReviewItem)
            .where(
                ReviewItem.school_id == big.school_id,
                ReviewItem.decided_at >= start,
                ReviewItem.decided_at < NOW,
            )
        )
        assert t.raw["decisions"] == decided
        reports = list(
            s.scalars(
                select(PlatformReport.outcome)
                .join(ReviewItem, ReviewItem.id == PlatformReport.item_id)
                .where(
                    ReviewItem.school_id == big.school_id,
                    PlatformReport.reported_at >= start,
                    PlatformReport.reported_at < NOW,
                )
            )
        )
        assert t.raw["reports_made"] == len(reports)
        assert t.raw["posts_removed"] == reports.count("removed")
        assert t.raw["incidents"] == s.scalar(
            select(func.count())
            .select_from(ConductIncident)
            .where(ConductIncident.school_id == big.school_id, ConductIncident.opened_at >= start)
        )
        crit = [
            r
            for (r,) in s.execute(
                select(Judgement.recognised)
                .join(Post, Post.id == Judgement.post_id)
                .where(Post.school_id == big.school_id, Judgement.judged_at >= start)
            )
            if "criticism" in r
        ]
        assert t.raw["criticism_recognised"] == len(crit)
        # Each category's bar is the number of term items carrying it.
        cats = [c for (c,) in s.execute(select(ReviewItem.categories).where(*in_term))]
        threat = sum("threat" in c for c in cats)
        assert t.by_category is not None and t.by_week is not None
        assert (
            dict(t.by_category)["Threat or intimidation"] == shown(threat)
            or dict(t.by_category)["Threat or intimidation"].text == HIDDEN_TEXT
        )
        # The weekly bars add up to the term total when none is hidden.
        weekly = [c.value for _, c in t.by_week]
        if all(v is not None for v in weekly):
            assert sum(weekly) == t.raw["flags"]  # type: ignore[arg-type]


@pytest.mark.needs("pango", "pdftotext")
def test_the_termly_report_is_a_pdf_with_the_suppressed_wording(two_schools, policy, tmp_path):
    db, _, _ = two_schools
    with db.session_scope() as s:
        trust = trust_trends(s, NOW, timezone=TZ, policy=policy)
    html = termly.render_html(trust, NOW, TZ)
    pdf = termly.render_pdf(html)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "termly.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "fewer than 5" in text
    assert "Ashby Vale Infants" in text and "Hollybrook Primary School" in text
    assert "<svg" in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "termly-trust.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(path), str(OUTPUT / "termly-trust")], check=True)
    assert (OUTPUT / "termly-trust-1.png").exists()


def _secret_hits(secrets: list[str], texts: dict[str, str]) -> list[tuple[str, str]]:
    hits = []
    for where, body in texts.items():
        folded = re.sub(r"\s+", " ", body).casefold()
        for secret in secrets:
            if secret.casefold() in folded:
                hits.append((where, secret))
    return hits


@pytest.mark.needs("pango", "pdftotext")
def test_no_governor_visible_page_or_file_holds_a_handle_name_or_post_text(two_schools, policy, tmp_path):
    from fastapi.testclient import TestClient

    from review_queue import accounts
    from review_queue.web.app import create_app
    from review_queue.web.config import ConsoleConfig
    from review_queue.web.routes.governors import TEMPLATE_DIR, make_router

    db, big, small = two_schools
    with db.session_scope() as s:
        accounts.add_user(
            s, "governor@hollybrook.example", "governor", "correct horse battery", big.school_id
        )
        accounts.add_user(s, "trust@trust.example", "trust", "correct horse battery", None)
    app = create_app(
        db,
        ConsoleConfig(secret_key="k" * 32, policy=policy),
        extra_routers=[make_router(TZ)],
        extra_template_dirs=[TEMPLATE_DIR],
    )
    secrets = sorted(set(big.secrets + small.secrets))
    # The scan itself works: it finds what is in the database.
    assert _secret_hits(secrets, {"db": big.posts[0].text + big.posts[0].author_handle})
    seen: dict[str, str] = {}
    for email in ("governor@hollybrook.example", "trust@trust.example"):
        client = TestClient(app, base_url="http://127.0.0.1:8000")
        page = client.get("/signin").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        r = client.post(
            "/signin",
            data={"email": email, "password": "correct horse battery", "next": "/trends", "csrf": csrf},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text[:300]
        for path in ("/", "/trends", "/trends/termly.html", "/trends/trends.css"):
            r = client.get(path)
            assert r.status_code == 200, (email, path, r.status_code)
            seen[f"{email} {path}"] = r.text
        r = client.get("/trends/termly.pdf")
        assert r.headers["content-type"] == "application/pdf"
        pdf = tmp_path / "t.pdf"
        pdf.write_bytes(r.content)
        seen[f"{email} termly.pdf"] = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        # Governors are refused the queue and items, where the posts are.
        assert client.get("/queue", follow_redirects=False).status_code == 403
        item = big.items[0].id
        assert client.get(f"/items/{item}", follow_redirects=False).status_code == 403
    _screenshot_dashboard(seen["trust@trust.example /trends"], seen["trust@trust.example /trends/trends.css"])
    assert "Trends: Hollybrook Primary School" in seen["governor@hollybrook.example /trends"]
    assert "Ashby Vale Infants" not in seen["governor@hollybrook.example /trends"]
    assert "All schools" in seen["trust@trust.example /trends"]
    assert _secret_hits(secrets, seen) == []
    # And no link to any item or incident.
    for where, body in seen.items():
        assert not re.search(r"/(items|incidents|people)/\d", body), where


def _screenshot_dashboard(html: str, trends_css: str) -> None:
    """The trust's dashboard as a person would see it, for looking at (test-output/)."""

    need_tool("chromium")
    chromium = "/usr/bin/chromium"
    from review_queue.web.app import HERE

    console_css = (HERE / "static" / "console.css").read_text(encoding="utf-8")
    page = html.replace('<link rel="stylesheet" href="/static/console.css">', f"<style>{console_css}</style>")
    page = page.replace('<link rel="stylesheet" href="/trends/trends.css">', f"<style>{trends_css}</style>")
    OUTPUT.mkdir(exist_ok=True)
    (OUTPUT / "trends-dashboard.html").write_text(page, encoding="utf-8")
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
            "--window-size=1200,3000",
            f"--screenshot={OUTPUT / 'trends-dashboard.png'}",
            (OUTPUT / "trends-dashboard.html").as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
