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

from sqlalchemy import JSON, String, Text, bindparam, cast, column, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from review_queue.models import Post, School, Source, utcnow

# Lookups of existing external ids go in chunks: SQLite caps bound parameters.
LOOKUP_CHUNK = 500
# A post's identity: storing it again is a no-op (or an edit, when its content changed).
_POST_KEY = ["school_id", "kind", "external_id"]


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
    now = utcnow()
    rows: list[dict[str, Any]] = []
    hashes: dict[tuple[str, str], str] = {}
    for key, p in by_key.items():
        text = _clean(p.text)
        media = _jsonable(_media_json(p.media)) if p.media else []
        chash = hashes[key] = content_hash(text, media)
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
    inserted = _insert_new(session, rows)
    order = {key: n for n, key in enumerate(by_key)}
    inserted.sort(key=lambda row: order[(row.kind, row.external_id)])
    new_keys = {(r.kind, r.external_id) for r in inserted}
    seen_before = [key for key in by_key if key not in new_keys]
    _mark_edits(session, school_id, seen_before, hashes, now)
    return inserted


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> list[Post]:
    """Insert the rows whose (school_id, kind, external_id) is not stored yet; return those stored.

    One statement per batch, ON CONFLICT DO NOTHING: a post stored before is skipped by
    the unique index itself, so a batch of new posts (the usual case) needs no lookup.
    The rows come back as ORM objects with their ids, in the session.
    """
    if session.get_bind().dialect.name != "postgresql":
        insert_many = sqlite.insert(Post).on_conflict_do_nothing(index_elements=_POST_KEY)
        return list(session.scalars(insert_many.returning(Post), rows))
    # On PostgreSQL the batch goes as one JSON document that the server unpacks: a short
    # statement prepared once, and one json.dumps in C.  A VALUES list of 200 rows is
    # 3,000 parameters that psycopg re-parses and adapts one by one in Python per batch.
    table = Post.__table__
    names = list(rows[0])
    batch = json.dumps([{name: _as_json(table.c[name].type, r[name]) for name in names} for r in rows])
    unpacked = (
        func.json_to_recordset(cast(bindparam("batch", batch), JSON))
        .table_valued(*[column(name, _recordset_type(table.c[name].type)) for name in names])
        .render_derived(with_types=True)
    )
    values = [
        cast(unpacked.c[name], JSON) if isinstance(table.c[name].type, JSON) else unpacked.c[name]
        for name in names
    ]
    insert_batch = (
        postgresql.insert(Post)
        .from_select([table.c[name] for name in names], select(*values))
        .on_conflict_do_nothing(index_elements=_POST_KEY)
        .returning(Post)
    )
    return list(session.scalars(insert_batch))


def _as_json(column_type: TypeEngine[Any], value: Any) -> Any:
    if isinstance(column_type, JSON):
        # As its own JSON text (what the column's bind would send, None as JSON null):
        # json_to_recordset would turn a JSON null into SQL NULL.
        return json.dumps(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def _recordset_type(column_type: TypeEngine[Any]) -> TypeEngine[Any]:
    # Strings as unbounded text, so the column itself refuses a value too long for it,
    # as a plain INSERT would; JSON as text, cast to json once unpacked.
    if isinstance(column_type, (String, JSON)):
        return Text()
    return column_type


def _mark_edits(
    session: Session,
    school_id: int,
    keys: list[tuple[str, str]],
    hashes: dict[tuple[str, str], str],
    now: datetime,
) -> None:
    """Posts stored before whose content changed are marked edited; what was captured is kept."""
    for i in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[i : i + LOOKUP_CHUNK]
        # Kind and id both, so the lookup walks the (school_id, kind, external_id) unique
        # index; a cross pair (one kind's id under another kind) is not in `hashes`.
        for row in session.scalars(
            select(Post).where(
                Post.school_id == school_id,
                Post.kind.in_({kind for kind, _ in chunk}),
                Post.external_id.in_({ext for _, ext in chunk}),
            )
        ):
            chash = hashes.get((row.kind, row.external_id))
            if chash is not None and row.content_hash != chash and row.edited_at is None:
                row.edited_at = now


def save_cursor(session: Session, source: Source, cursor: str | None, stored: int, reads: int = 0) -> None:
    """Advance a source's cursor; call in the same transaction as the batch's posts."""
    source.cursor = cursor
    source.posts_stored += stored
    if reads:
        today = utcnow().date().isoformat()
        if source.reads_day != today:
            source.reads_day, source.reads_today = today, 0
        source.reads_today += reads
