"""Storage on SQLite and PostgreSQL: idempotent ingest, edits kept, cursor and posts in one transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from connectors.base import Media, Post
from review_queue.db import Database
from review_queue.models import Post as PostRow
from review_queue.models import Source
from review_queue.store import ensure_school, ensure_source, ingest_posts, save_cursor


def post(ext: str, text: str = "Hollybrook is great", kind: str = "sample") -> Post:
    return Post(
        kind=kind,
        external_id=ext,
        url=f"https://example.test/{ext}",
        author_handle="parent_1",
        text=text,
        created_at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
        media=(Media(type="image", url="https://cdn.test/a.jpg"),),
        raw={"id": ext},
    )


def setup_school(db: Database) -> tuple[int, int]:
    with db.session_scope() as s:
        school = ensure_school(s, "hollybrook", "Hollybrook Primary School")
        source = ensure_source(s, school.id, "sample", "sample-abc")
        return school.id, source.id


def count(db: Database) -> int:
    with db.session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(PostRow)) or 0)


def test_ingesting_the_same_batch_twice_stores_nothing_new(any_db: Database) -> None:
    school_id, source_id = setup_school(any_db)
    batch = [post("1"), post("2"), post("2")]
    with any_db.session_scope() as s:
        assert len(ingest_posts(s, school_id, source_id, batch)) == 2
    with any_db.session_scope() as s:
        assert ingest_posts(s, school_id, source_id, batch) == []
    assert count(any_db) == 2


def test_a_post_seen_again_with_new_text_is_marked_edited_and_keeps_what_was_captured(
    any_db: Database,
) -> None:
    school_id, source_id = setup_school(any_db)
    with any_db.session_scope() as s:
        ingest_posts(s, school_id, source_id, [post("1", "original words")])
    with any_db.session_scope() as s:
        ingest_posts(s, school_id, source_id, [post("1", "edited words")])
    with any_db.session_scope() as s:
        row = s.scalars(select(PostRow)).one()
        assert row.text == "original words"
        assert row.edited_at is not None


def test_the_evidence_hash_is_the_sha256_of_the_stored_record(any_db: Database) -> None:
    school_id, source_id = setup_school(any_db)
    with any_db.session_scope() as s:
        (row,) = ingest_posts(s, school_id, source_id, [post("1")])
        assert len(row.evidence_hash) == 64
        assert row.evidence_hash != row.content_hash
        assert row.created_at.tzinfo is not None


def test_hostile_text_is_stored_without_crashing_the_database(any_db: Database) -> None:
    school_id, source_id = setup_school(any_db)
    nasty = "lone \ud800 surrogate, NUL \x00 byte, RTL \u202e override, " + "x" * 50_000
    with any_db.session_scope() as s:
        ingest_posts(s, school_id, source_id, [post("1", nasty)])
    with any_db.session_scope() as s:
        stored = s.scalars(select(PostRow)).one().text
    assert "\x00" not in stored and "\ud800" not in stored
    assert len(stored) <= 20_000


def test_a_failed_transaction_stores_neither_the_posts_nor_the_cursor(any_db: Database) -> None:
    school_id, source_id = setup_school(any_db)
    with pytest.raises(RuntimeError), any_db.session_scope() as s:
        ingest_posts(s, school_id, source_id, [post("1")])
        save_cursor(s, s.get_one(Source, source_id), "cursor-1", 1)
        raise RuntimeError("crash between batch and commit")
    assert count(any_db) == 0
    with any_db.session_scope() as s:
        assert s.get_one(Source, source_id).cursor is None


def test_the_same_external_id_on_two_platforms_is_two_posts(any_db: Database) -> None:
    school_id, source_id = setup_school(any_db)
    with any_db.session_scope() as s:
        ingest_posts(s, school_id, source_id, [post("1", kind="reddit"), post("1", kind="x")])
    assert count(any_db) == 2
