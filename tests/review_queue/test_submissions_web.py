"""The console's submission page: a screenshot becomes a queue item with provenance; the sources page."""

from __future__ import annotations

import functools
import io
import json

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from monitor import build
from monitor.submit import submit
from review_queue.models import Post, ReviewItem, Source, User
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
        sha = post.provenance["screenshot"]["sha256"]
    page = console.get(r.headers["location"]).text
    assert "Staff submission from Year 4 WhatsApp" in page
    assert "A screenshot, its text read by OCR (tesseract " in page
    assert f"PNG, 1000 × 220 px, {len(shot)} bytes, SHA-256 {sha} (the image itself was not kept)" in page


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


def test_a_whatsapp_submission_keeps_its_provenance_on_the_item_in_the_pack_and_for_the_subject(
    console, cast, db, policy
):
    from review_queue.records.privacy import export_subject, render_html

    signin(console, cast.dsl.email)
    r = send(
        console,
        where_from="Year 4 parents WhatsApp",
        author="jk_ashby",
        text="I know where Mr Okafor parks and he will regret it",
    )
    assert r.status_code == 303
    item = r.headers["location"]
    page = console.get(item).text
    assert "Staff submission from Year 4 parents WhatsApp" in page and "Other website" not in page
    assert f"{cast.dsl.email}</bdi>," in page and "Pasted text" in page
    assert "jk_ashby" in page and "none given (a closed group has no public address)" in page
    token = csrf(console, item)
    console.post(
        f"{item}/decide",
        data={"csrf": token, "action": "confirm", "categories": "threat", "reason": "A threat."},
    )
    r = console.post("/incidents", data={"csrf": token, "item_id": item.rsplit("/", 1)[1]})
    pack = console.get(r.headers["location"] + "/evidence.html").text
    assert "Submitted by staff from</th><td>Year 4 parents WhatsApp" in pack
    assert f"Submitted by</th><td>{cast.dsl.email}" in pack and "Pasted text" in pack
    assert "Judged by</th><td>model " in pack

    with db.session_scope() as s:
        bundle = export_subject(s, "jk_ashby", by=s.get(User, cast.dsl.id), key=b"k" * 32)
    (post,) = bundle["posts"]
    assert post["submission"]["where_from"] == "Year 4 parents WhatsApp"
    assert post["submission"]["submitted_by_role"] == "dsl" and post["submission"]["how"] == "Pasted text"
    # Staff are named by role in a subject access export, in the raw record too.
    assert cast.dsl.email not in json.dumps(bundle)
    assert "Sent in by staff from</dt><dd>Year 4 parents WhatsApp" in render_html(bundle)
