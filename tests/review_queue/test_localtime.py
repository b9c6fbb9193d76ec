"""Every time a person reads is in the school's zone, named as it was then: GMT in winter, BST in summer."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from classifiers.policy import Policy, read_policy
from review_queue import alerts
from review_queue.casework import incidents
from review_queue.db import Database
from review_queue.localtime import local_date, local_time
from review_queue.models import ReviewItem
from review_queue.oversight.digest import build_digest, render_digest
from review_queue.queue import decide, record_judgement
from review_queue.store import ingest_posts
from review_queue.web import create_app
from tests.fakes.school_data import seed_school
from tests.review_queue.conftest import Cast, PostIn, console_config, signin

# 08:30 UTC on a summer and a winter morning.
SUMMER = datetime(2026, 7, 14, 8, 30, tzinfo=UTC)
WINTER = datetime(2026, 1, 14, 8, 30, tzinfo=UTC)


def test_one_function_writes_a_time_in_the_zone_with_its_name_at_that_moment():
    assert local_time(SUMMER, "Europe/London") == "14 Jul 2026, 09:30 BST"
    assert local_time(WINTER, "Europe/London") == "14 Jan 2026, 08:30 GMT"
    assert local_time(SUMMER, "Europe/Dublin") == "14 Jul 2026, 09:30 IST"
    # Late on a summer evening in UTC is already the next day in the school.
    assert local_date(datetime(2026, 7, 14, 23, 30, tzinfo=UTC), "Europe/London") == "15 Jul 2026"
    # A naive time is taken to be UTC, never the server's own zone.
    assert local_time(datetime(2026, 7, 14, 8, 30), "Europe/London") == "14 Jul 2026, 09:30 BST"


def test_the_urgent_alert_and_the_digest_say_bst_in_summer_and_gmt_in_winter(sqlite_db: Database, policy):
    alert = alerts.ClaimedAlert(
        alert_id=1,
        item_id=7,
        school_slug="hollybrook",
        school_name="Hollybrook Primary School",
        categories=("threat",),
        severity="urgent",
        flagged_at=SUMMER,
    )
    message = alerts.compose(
        alert,
        policy=read_policy(),
        base_url="https://g.example",
        timezone="Europe/London",
        out_of_hours=False,
    )
    assert "Tue 14 Jul 2026, 09:30 BST" in message.text
    with sqlite_db.session_scope() as s:
        school = seed_school(s, slug="hollybrook", name="Hollybrook Primary School", now=SUMMER).school_id
        for now, when in ((SUMMER, "09:30 BST"), (WINTER, "08:30 GMT")):
            digest = build_digest(
                s, school, now, timezone="Europe/London", base_url="https://g.example", policy=policy
            )
            _subject, html, text = render_digest(digest)
            assert when in text and when in html
            assert "08:30 BST" not in text  # never UTC with the local name stuck on


def _summer_item(db: Database, school_id: int, policy: Policy) -> int:
    post = PostIn(
        kind="x",
        external_id="summer-1",
        url="https://x.example.test/status/summer-1",
        author_handle="@angry_parent",
        text="Mrs Carter is a useless liar and everyone knows it",
        created_at=SUMMER,
    )
    with db.session_scope() as s:
        (row,) = ingest_posts(s, school_id, None, [post])
        judgement = {
            "model_version": "test-model-1",
            "flags": ["abuse"],
            "scores": {"abuse": 0.9},
            "severity": "medium",
            "evidence": [{"category": "abuse", "start": 0, "end": 9, "why": "insult"}],
        }
        item = record_judgement(s, row, judgement, policy)
        assert item is not None
        return item.id


def test_the_console_and_the_evidence_pack_show_the_schools_time_not_utc(
    db: Database, school_id: int, policy, cast: Cast, make_item
):
    summer = _summer_item(db, school_id, policy)
    winter = make_item()  # posted 20 Nov 2026, 08:30 UTC
    with db.session_scope() as s:
        for item_id in (summer, winter):
            decide(
                s,
                s.get(ReviewItem, item_id),
                action="confirm",
                reason="abusive",
                categories=["abuse"],
                user_id=cast.dsl.id,
                known_categories=list(policy.categories),
            )
        inc = incidents.open_incident(s, school_id=school_id, item_ids=[summer, winter], user_id=cast.dsl.id)
        inc_id = inc.id
    app = create_app(db, console_config(policy, timezones={"hollybrook": "Europe/London"}))
    with TestClient(app, follow_redirects=False) as client:
        signin(client, cast.dsl.email)
        item_page = client.get(f"/items/{summer}").text
        assert "14 Jul 2026, 09:30 BST" in item_page
        assert "20 Nov 2026, 08:30 GMT" in client.get(f"/items/{winter}").text
        pack = client.get(f"/incidents/{inc_id}/evidence.html").text
        assert "14 July 2026 09:30:00 BST" in pack and "20 November 2026 08:30:00 GMT" in pack
        for page in (item_page, pack, client.get("/queue").text, client.get("/incidents").text):
            assert not re.search(r"\bUTC\b", page)
