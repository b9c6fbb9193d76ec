"""A trust in real headless Chromium: governors and the trust land on their trends, an admin tells
schools apart and acts for one, and every time reads in the school's zone (GMT in winter, BST in summer)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from classifiers.policy import Policy
from monitor import build
from monitor.submit import submit
from review_queue import accounts
from review_queue.casework import incidents
from review_queue.db import Database
from review_queue.models import AuditEntry, Post, ReviewItem, School
from review_queue.oversight.terms import term_containing
from review_queue.permissions import Permission
from review_queue.queue import decide, record_judgement
from review_queue.store import ensure_source, ingest_posts
from review_queue.web import NavEntry, create_app
from review_queue.web.routes import governors, submissions
from tests.browser.conftest import shot
from tests.fakes.school_data import seed_school
from tests.review_queue.conftest import PASSWORD, Cast, ItemFactory, PostIn, console_config

pytestmark = pytest.mark.browser

ADMIN = "ada.admin@trust.test"
TRUST = "tom.trust@trust.test"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def app(db: Database, policy: Policy) -> FastAPI:
    """The console as `gatepost serve` builds it for a trust: trends, submit and sources included."""
    submit_fn = functools.partial(submit, db, classifier=build.classifier(None), policy=policy)

    def bound(slug: str, name: str, **kw: Any) -> Any:
        return submit_fn(slug, name, **kw)

    return create_app(
        db,
        console_config(policy, timezones={"hollybrook": "Europe/London", "ashby-vale": "Europe/London"}),
        extra_routers=[governors.make_router(), submissions.make_router(bound)],
        extra_nav=[
            NavEntry("Trends", "/trends", Permission.SEE_TRENDS),
            NavEntry("Submit", "/submit", Permission.SUBMIT),
            NavEntry("Sources", "/sources", Permission.SEE_SOURCES),
        ],
        extra_template_dirs=[governors.TEMPLATE_DIR],
    )


@pytest.fixture
def trust(db: Database, school_id: int, cast: Cast, make_item: ItemFactory, policy: Policy) -> int:
    """Two schools, each with an incident and a source, and the trust's own two accounts; Ashby Vale's id."""
    item = make_item(text="Mrs Carter is a useless liar and everyone knows it")
    with db.session_scope() as s:
        accounts.add_user(s, ADMIN, "admin", PASSWORD)
        accounts.add_user(s, TRUST, "trust", PASSWORD)
        other = seed_school(s, slug="ashby-vale", name="Ashby Vale Infants", now=datetime.now(UTC), weeks=6)
        decide(
            s,
            s.get(ReviewItem, item),
            action="confirm",
            reason="abusive",
            categories=["abuse"],
            user_id=cast.dsl.id,
            known_categories=list(policy.categories),
        )
        incidents.open_incident(s, school_id=school_id, item_ids=[item], user_id=cast.dsl.id)
        ensure_source(s, school_id, "rss", "rss-hollybrook-news")
        ensure_source(s, other.school_id, "reddit", "reddit-ashby")
        return other.school_id


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/signin")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def both_widths(page: Any, name: str) -> None:
    """Screenshots at desktop and phone width; the page's content must not be wider than a phone."""
    page.set_viewport_size(DESKTOP)
    shot(page, f"trust-{name}-1280")
    page.set_viewport_size(PHONE)
    shot(page, f"trust-{name}-390")
    # The content, not the shared header bar (whose phone layout is another change's).
    width = page.evaluate("document.querySelector('main').scrollWidth")
    page.set_viewport_size(DESKTOP)
    assert width <= PHONE["width"], f"{name} is {width} px wide on a phone"


def test_governors_and_the_trust_land_on_their_trends_and_the_trust_narrows_to_one_school(
    browser: Any, live_server: str, cast: Cast, trust: int
) -> None:
    governor = browser.new_context(viewport=DESKTOP, locale="en-GB").new_page()
    sign_in(governor, live_server, cast.governor.email)
    governor.wait_for_url(f"{live_server}/trends")
    assert governor.locator("h1").inner_text() == "Trends: Hollybrook Primary School"
    assert "Welcome" not in governor.content()
    # One section per period: in autumn the year so far is the term, so it is not repeated.
    sections = governor.locator("section.trends h2").all_inner_texts()
    assert len(sections) == len(set(sections)) == 1
    if term_containing(datetime.now(UTC).date()).name.startswith("Autumn"):
        assert governor.locator("text=The academic year so far is this term").count() == 1
        assert governor.locator("table.year").count() == 0
    else:
        assert governor.locator("table.year").count() == 1
    governors_figures = governor.locator(".kpi .n").all_inner_texts()
    both_widths(governor, "governor-trends")

    page = browser.new_context(viewport=DESKTOP, locale="en-GB").new_page()
    sign_in(page, live_server, TRUST)
    page.wait_for_url(f"{live_server}/trends")
    assert page.locator("h1").inner_text() == "Trends: All schools in the trust"
    header = page.locator("table.side").first.locator("tr").first.inner_text()
    assert "Ashby Vale Infants" in header and "Hollybrook Primary School" in header
    both_widths(page, "trust-trends")
    page.select_option("select[name=school]", "hollybrook")
    page.click("form.filters button")
    page.wait_for_url(f"{live_server}/trends?school=hollybrook")
    assert page.locator("h1").inner_text() == "Trends: Hollybrook Primary School"
    assert "Ashby Vale" not in page.locator("section.trends").inner_text().replace(
        page.locator("select[name=school]").inner_text(), ""
    )
    # The trust sees a school exactly as its governors do.
    assert page.locator(".kpi .n").all_inner_texts() == governors_figures
    assert page.locator("a[href='/trends/termly.pdf?school=hollybrook']").count() == 1
    both_widths(page, "trust-one-school")


def test_an_admin_tells_schools_apart_and_submits_and_reads_sources_for_a_chosen_school(
    page: Any, live_server: str, db: Database, school_id: int, trust: int
) -> None:
    sign_in(page, live_server, ADMIN)
    page.wait_for_url(f"{live_server}/queue")

    page.goto(f"{live_server}/incidents")
    assert page.locator("table.queue th", has_text="School").count() == 1
    schools = set(page.locator("table.queue tbody tr td:nth-child(2)").all_inner_texts())
    assert schools == {"Ashby Vale Infants", "Hollybrook Primary School"}
    page.select_option("select[name=school]", "ashby-vale")
    page.click("form.filters button")
    page.wait_for_url("**/incidents?status=open&school=ashby-vale")
    assert set(page.locator("table.queue tbody tr td:nth-child(2)").all_inner_texts()) == {
        "Ashby Vale Infants"
    }
    page.click("text=All")
    page.wait_for_url("**/incidents?status=&school=ashby-vale")
    both_widths(page, "admin-incidents")

    page.click("nav >> text=Sources")
    page.wait_for_url(f"{live_server}/sources")
    assert page.locator("text=not attached to a school").count() == 0
    rows = page.locator("table.queue tbody tr").all_inner_texts()
    assert any("Hollybrook Primary School" in r and "rss-hollybrook-news" in r for r in rows)
    assert any("Ashby Vale Infants" in r and "reddit-ashby" in r for r in rows)
    page.select_option("select[name=school]", "hollybrook")
    page.click("form.filters button")
    page.wait_for_url(f"{live_server}/sources?school=hollybrook")
    assert page.locator("h1").inner_text() == "Sources: Hollybrook Primary School"
    assert page.locator("text=reddit-ashby").count() == 0
    both_widths(page, "admin-sources")

    page.click("nav >> text=Submit")
    page.wait_for_url(f"{live_server}/submit")
    assert page.locator("text=not attached to a school").count() == 0
    assert page.locator("textarea[name=text]").count() == 0  # choose the school first
    page.select_option("select[name=school]", "ashby-vale")
    page.click("text=Use this school")
    page.wait_for_url(f"{live_server}/submit?school=ashby-vale")
    assert "Submitting for Ashby Vale Infants" in page.locator("main").inner_text()
    both_widths(page, "admin-submit")
    page.fill("input[name=where_from]", "Year 2 parents WhatsApp")
    page.fill("textarea[name=text]", "Ashby Vale's head is a useless liar, everyone should complain.")
    page.click("button:text('Submit')")
    # Flagged, it opens as an item in Ashby Vale's queue; not flagged, the page says it was stored.
    page.wait_for_function(
        "() => location.pathname.startsWith('/items/')"
        " || document.querySelector('h1').textContent === 'Submitted'"
    )

    with db.session_scope() as s:
        post = s.scalar(select(Post).where(Post.kind == "manual").order_by(Post.id.desc()))
        assert post is not None and post.school_id == trust
        assert post.provenance["submitted_by"] == ADMIN
        hollybrook = s.scalar(select(School.id).where(School.slug == "hollybrook"))
        acts = {
            (e.school_id, (e.detail or {}).get("page"))
            for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "act_for_school"))
        }
        assert acts == {(hollybrook, "sources"), (trust, "submit")}
        submitted = s.scalar(select(AuditEntry).where(AuditEntry.action == "post.submit"))
        assert submitted is not None and submitted.school_id == trust
        assert (submitted.detail or {}).get("acting_for") == "ashby-vale"


def test_times_read_in_the_schools_zone_bst_in_summer_and_gmt_in_winter(
    page: Any,
    live_server: str,
    db: Database,
    school_id: int,
    cast: Cast,
    policy: Policy,
    make_item: ItemFactory,
) -> None:
    winter = make_item()  # posted 20 Nov 2026, 08:30 UTC
    summer_post = PostIn(
        kind="x",
        external_id="summer",
        url="https://x.example.test/status/summer",
        author_handle="@angry_parent",
        text="Mrs Carter is a useless liar and everyone knows it",
        created_at=datetime(2026, 7, 14, 8, 30, tzinfo=UTC),
    )
    with db.session_scope() as s:
        (row,) = ingest_posts(s, school_id, None, [summer_post])
        judged = {"model_version": "t", "flags": ["abuse"], "scores": {"abuse": 0.9}, "severity": "medium"}
        summer_item = record_judgement(s, row, {**judged, "evidence": []}, policy)
        assert summer_item is not None
        summer = summer_item.id
    sign_in(page, live_server, cast.dsl.email)
    page.wait_for_url(f"{live_server}/queue")
    assert "UTC" not in page.locator("main").inner_text()
    page.goto(f"{live_server}/items/{summer}")
    assert page.locator("text=14 Jul 2026, 09:30 BST").count() >= 1
    assert "UTC" not in page.locator("main").inner_text()
    both_widths(page, "item-summer-time")
    page.goto(f"{live_server}/items/{winter}")
    assert page.locator("text=20 Nov 2026, 08:30 GMT").count() >= 1
