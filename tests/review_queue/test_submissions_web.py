"""The console's submission page: a screenshot becomes a queue item with provenance; the sources page."""

from __future__ import annotations

import functools
import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from monitor import build
from monitor.submit import submit
from review_queue.models import Post, ReviewItem, Source
from review_queue.web import create_app
from review_queue.web.routes import submissions
from tests.review_queue.conftest import console_config, csrf, signin


def screenshot(lines: list[str]) -> bytes:
    img = Image.new("RGB", (1000, 80 + 70 * len(lines)), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=36)
    for i, line in enumerate(lines):
        draw.text((30, 30 + 70 * i), line, fill="black", font=font)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def console(db, policy, cast):
    submit_fn = functools.partial(submit, db, classifier=build.classifier(None), policy=policy)

    def bound(slug, name, **kw):
        return submit_fn(slug, name, **kw)

    app = create_app(db, console_config(policy), extra_routers=[submissions.make_router(bound)])
    with TestClient(app, follow_redirects=False) as client:
        yield client


def send(client, files=None, **fields):
    token = csrf(client, "/submit")
    return client.post("/submit", data={"csrf": token, **fields}, files=files or {})


@pytest.mark.needs("tesseract")
def test_a_screenshot_submitted_through_the_console_becomes_a_queue_item_with_provenance(console, cast, db):
    signin(console, cast.reviewer.email)
    shot = screenshot(["I know where Mr Okafor parks", "and he will regret it"])
    r = send(console, files={"screenshot": ("shot.png", shot, "image/png")}, where_from="Year 4 WhatsApp")
    assert r.status_code == 303 and r.headers["location"].startswith("/items/")
    with db.session_scope() as s:
        post = s.scalars(select(Post)).one()
        assert post.kind == "manual" and "okafor" in post.text.lower()
        assert post.provenance["submitted_by"] == cast.reviewer.email
        assert post.provenance["where_from"] == "Year 4 WhatsApp"
        item = s.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))
        assert item is not None and r.headers["location"] == f"/items/{item.id}"


def test_a_submission_that_is_not_an_image_is_refused_with_a_400(console, cast, db):
    signin(console, cast.dsl.email)
    r = send(console, files={"screenshot": ("x.png", b"GIF89a....", "image/png")}, where_from="email")
    assert r.status_code == 400 and "PNG or JPEG" in r.text
    with db.session_scope() as s:
        assert s.scalars(select(Post)).all() == []


def test_a_governor_cannot_submit_and_someone_signed_out_is_sent_to_sign_in(console, cast):
    assert console.get("/submit").status_code == 303
    signin(console, cast.governor.email)
    assert console.get("/submit").status_code == 403


def test_the_sources_page_shows_health_to_the_dsl_only(console, cast, db, school_id):
    with db.session_scope() as s:
        s.add(
            Source(
                school_id=school_id,
                kind="x",
                key="x-abc",
                cursor='{"since_id":"9"}',
                posts_stored=4,
                last_error="x recent search: HTTP 503",
                consecutive_failures=2,
            )
        )
    signin(console, cast.reviewer.email)
    assert console.get("/sources").status_code == 403
    console.cookies.clear()
    signin(console, cast.dsl.email)
    page = console.get("/sources").text
    assert "x-abc" in page and "failing" in page and "HTTP 503" in page and "since_id" in page


def test_where_from_and_the_link_are_capped(console, cast, db):
    signin(console, cast.reviewer.email)
    r = send(console, where_from="w" * 1000, text="Hollybrook gate code is 1234")
    assert r.status_code == 400 and "at most 300" in r.text
    r = send(
        console,
        where_from="Year 4 WhatsApp",
        text="Hollybrook gate code is 1234",
        url="https://x.test/" + "a" * 3000,
    )
    assert r.status_code == 400 and "at most 2000" in r.text
    with db.session_scope() as s:
        assert s.scalars(select(Post)).first() is None
