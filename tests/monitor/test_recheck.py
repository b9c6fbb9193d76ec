"""Flagged posts are re-checked on their platform: edits and deletions are recorded, the capture is kept."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from monitor.jobs.fetch import fetch_school
from monitor.jobs.recheck import recheck_school
from monitor.settings import load_profile
from review_queue.models import Post, PostRevision, ReviewItem
from tests.monitor.sources_harness import platforms


@pytest.fixture
def fakes():
    with platforms() as p:
        yield p


def flag_all(db) -> None:
    with db.session_scope() as s:
        for post in s.scalars(select(Post)):
            s.add(ReviewItem(post_id=post.id, school_id=post.school_id, severity="high", severity_rank=3))


def test_an_edit_and_a_deletion_are_recorded_and_what_was_captured_is_kept(fakes, any_db, tmp_path):
    thread = fakes.reddit.add_submission("Hollybrook head is a liar", created=time.time())
    tweet = fakes.x.add_tweet("Hollybrook teacher should be sacked")
    status = fakes.mastodon.add_status("<p>#Hollybrook staff are useless</p>", tags=("Hollybrook",))
    profile = load_profile(fakes.profile(tmp_path))
    assert all(r.ok for r in fetch_school(any_db, profile, env=fakes.env()))
    flag_all(any_db)

    thread["selftext"] = "edited: I was angry"
    fakes.x.tweets.remove(tweet)
    status["content"] = "<p>#Hollybrook staff are useless. EDIT: sorry</p>"

    counts = recheck_school(any_db, profile, env=fakes.env())
    assert counts["edited"] == 2 and counts["deleted"] == 1 and counts["failed"] == 0

    with any_db.session_scope() as s:
        posts = {p.kind: p for p in s.scalars(select(Post))}
        assert posts["reddit"].text == "Hollybrook head is a liar" and posts["reddit"].edited_at is not None
        assert posts["x"].deleted_at is not None and posts["x"].text == "Hollybrook teacher should be sacked"
        revisions = {(r.post_id, r.change): r for r in s.scalars(select(PostRevision))}
        edit = revisions[(posts["reddit"].id, "edited")]
        assert "edited: I was angry" in edit.text and len(edit.evidence_hash) == 64
        assert (posts["x"].id, "deleted") in revisions
        assert "EDIT: sorry" in revisions[(posts["mastodon"].id, "edited")].text

    again = recheck_school(any_db, profile, env=fakes.env())
    assert again["edited"] == 0 and again["deleted"] == 0
    with any_db.session_scope() as s:
        assert len(s.scalars(select(PostRevision)).all()) == 3


def test_unflagged_posts_are_not_looked_up(fakes, sqlite_db, tmp_path):
    fakes.x.add_tweet("Hollybrook nice day")
    profile = load_profile(fakes.profile(tmp_path))
    fetch_school(sqlite_db, profile, env=fakes.env())
    before = len(fakes.x.log)
    assert recheck_school(sqlite_db, profile, env=fakes.env())["checked"] == 0
    assert len(fakes.x.log) == before
