"""Store what connectors capture: schools, sources, idempotent post ingest and cursors.

`ingest_posts` is idempotent by (school, source kind, external id): storing the same
batch twice stores nothing new.  A post seen again with different content is recorded
as edited; what was first captured is kept.  The caller stores a batch and its cursor
in one transaction (`save_cursor` in the same session), so a crash at any point loses
nothing and duplicates nothing.  Nothing here commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from review_queue.models import Post, School, Source, utcnow

# Lookups of existing external ids go in chunks: SQLite caps bound parameters.
LOOKUP_CHUNK = 500


class PostLike(Protocol):
    """The shape of `connectors.base.Post`, without importing connectors."""

    @property
    def kind(self) -> str: ...
    @property
    def external_id(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def author_handle(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def media(self) -> Sequence[Any]: ...
    @property
    def raw(self) -> dict[str, Any]: ...
    @property
    def parent_external_id(self) -> str | None: ...


def ensure_school(session: Session, slug: str, name: str) -> School:
    school = session.scalar(select(School).where(School.slug == slug))
    if school is None:
        school = School(slug=slug, name=name)
        session.add(school)
        session.flush()
    elif school.name != name:
        school.name = name
    return school


def ensure_source(session: Session, school_id: int, kind: str, key: str) -> Source:
    source = session.scalar(select(Source).where(Source.school_id == school_id, Source.key == key))
    if source is None:
        source = Source(school_id=school_id, kind=kind, key=key)
        session.add(source)
        session.flush()
    return source


def _media_json(media: Sequence[Any]) -> list[dict[str, Any]]:
    return [m.to_json() if hasattr(m, "to_json") else dict(m) for m in media]


def content_hash(text: str, media: list[dict[str, Any]]) -> str:
    payload = json.dumps({"text": text, "media": media}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def evidence_hash(record: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of what was stored: quoted in reports and evidence packs."""
    payload = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def _clean(text: str) -> str:
    # Lone surrogates cannot be stored by PostgreSQL or encoded as UTF-8; NUL neither.
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, ensure_ascii=False).encode("utf-8", "replace"))


def ingest_posts(
    session: Session,
    school_id: int,
    source_id: int | None,
    posts: Iterable[PostLike],
    provenance: dict[str, Any] | None = None,
) -> list[Post]:
    """Store the posts not stored before; return the new rows (flushed, with ids)."""
    by_key: dict[tuple[str, str], PostLike] = {}
    for p in posts:
        by_key.setdefault((p.kind, p.external_id), p)  # the same post twice in one batch
    if not by_key:
        return []
    existing: dict[tuple[str, str], Post] = {}
    keys = list(by_key)
    for i in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[i : i + LOOKUP_CHUNK]
        ids = {ext for _, ext in chunk}
        for row in session.scalars(
            select(Post).where(Post.school_id == school_id, Post.external_id.in_(ids))
        ):
            existing[(row.kind, row.external_id)] = row
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for key, p in by_key.items():
        text = _clean(p.text)
        media = _jsonable(_media_json(p.media))
        chash = content_hash(text, media)
        seen = existing.get(key)
        if seen is not None:
            if seen.content_hash != chash and seen.edited_at is None:
                seen.edited_at = now
            continue
        created = p.created_at if p.created_at.tzinfo else p.created_at.replace(tzinfo=UTC)
        record = {
            "kind": p.kind,
            "external_id": p.external_id,
            "url": _clean(p.url),
            "author_handle": _clean(p.author_handle),
            "text": text,
            "created_at": created.isoformat(),
            "captured_at": now.isoformat(),
            "media": media,
        }
        rows.append(
            {
                "school_id": school_id,
                "source_id": source_id,
                "kind": p.kind,
                "external_id": p.external_id,
                "parent_external_id": p.parent_external_id,
                "url": record["url"],
                "author_handle": record["author_handle"],
                "text": text,
                "created_at": created,
                "captured_at": now,
                "media": media,
                "raw": _jsonable(p.raw),
                "content_hash": chash,
                "evidence_hash": evidence_hash(record),
                "provenance": provenance,
            }
        )
    if not rows:
        return []
    # One multi-row INSERT ... RETURNING for the batch (SQLAlchemy's ORM bulk insert), not
    # one unit-of-work INSERT per post: several times faster, and the rows come back as
    # ORM objects with their ids, in the session, as before.
    inserted = session.scalars(insert(Post).returning(Post, sort_by_parameter_order=True), rows)
    return list(inserted)


def save_cursor(session: Session, source: Source, cursor: str | None, stored: int, reads: int = 0) -> None:
    """Advance a source's cursor; call in the same transaction as the batch's posts."""
    source.cursor = cursor
    source.posts_stored += stored
    if reads:
        today = utcnow().date().isoformat()
        if source.reads_day != today:
            source.reads_day, source.reads_today = today, 0
        source.reads_today += reads
