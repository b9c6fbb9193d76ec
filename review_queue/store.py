"""Store what connectors capture, and what re-checks later find: schools, sources, posts, cursors.

`ingest_posts` is idempotent by (school, source kind, external id): storing the same
batch twice stores nothing new.  Every string bound for the database (ids, URLs, handles,
text, and every string inside media and raw JSON) goes through `storable`, here and
nowhere else; a post that cannot be stored even so (an id too long for its column, a
payload nested too deep) is set aside with a reason and the rest of its batch is stored.
A post seen again with different content is recorded as edited; what was first captured
is kept.  The caller stores a batch and its cursor in one transaction (`save_cursor` in
the same session), so a crash at any point loses nothing and duplicates nothing.

A re-check of a flagged post (`record_recheck`) never overwrites the post row either: it
is the evidence as first captured.  An edit adds a `PostRevision` with the new content
and sets `Post.edited_at`; a deletion adds a "deleted" revision and sets
`Post.deleted_at`.  Seeing the same version again adds nothing.  Nothing here commits.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import JSON, String, Text, bindparam, cast, column, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from review_queue.models import Post, PostRevision, ReviewItem, School, Source, utcnow

# Lookups of existing external ids go in chunks: SQLite caps bound parameters.
LOOKUP_CHUNK = 500
# A post's identity: storing it again is a no-op (or an edit, when its content changed).
_POST_KEY = ["school_id", "kind", "external_id"]
# The widths of the posts columns that hold platform strings (review_queue.models.Post).
MAX_KIND, MAX_ID, MAX_HANDLE = 32, 200, 200
# JSON from a platform nested deeper than this is refused, not walked: no real payload
# comes near it, and a hostile one would otherwise exhaust the stack.
MAX_JSON_DEPTH = 64


class NotStorable(ValueError):
    """A post that cannot be stored even after cleaning; the message is shown to the operator."""


@dataclasses.dataclass(frozen=True, slots=True)
class SetAside:
    """A post left out of its batch: its id (never its text) and why."""

    ref: str
    reason: str


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


def storable(value: Any, depth: int = 0) -> Any:
    """`value` as the database can hold it: every string, dict key included, made valid UTF-8
    without NUL (PostgreSQL refuses both, in text and in JSON); other values as JSON would
    carry them.  Raises NotStorable for JSON nested deeper than MAX_JSON_DEPTH."""
    if isinstance(value, str):
        # Lone surrogates become "?", NUL the replacement character: visible, not dropped.
        return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth >= MAX_JSON_DEPTH:
        raise NotStorable(f"payload nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, dict):
        return {storable(str(k)): storable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v, depth + 1) for v in value]
    return storable(str(value))


def ingest_posts(
    session: Session,
    school_id: int,
    source_id: int | None,
    posts: Iterable[PostLike],
    provenance: dict[str, Any] | None = None,
    set_aside: list[SetAside] | None = None,
) -> list[Post]:
    """Store the posts not stored before; return the new rows (flushed, with ids).

    A post that cannot be stored is left out and, when `set_aside` is given, appended
    to it with the reason; the rest are stored.
    """
    now = utcnow()
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for p in posts:
        try:
            row = _row(p, school_id, source_id, provenance, now)
        except NotStorable as exc:
            if set_aside is not None:
                set_aside.append(SetAside(storable(str(p.external_id))[:MAX_ID], str(exc)))
            continue
        rows.setdefault((row["kind"], row["external_id"]), row)  # the same post twice in one batch
    if not rows:
        return []
    inserted = _insert_new(session, list(rows.values()))
    order = {key: n for n, key in enumerate(rows)}
    inserted.sort(key=lambda row: order[(row.kind, row.external_id)])
    new_keys = {(r.kind, r.external_id) for r in inserted}
    seen_before = [key for key in rows if key not in new_keys]
    hashes = {key: row["content_hash"] for key, row in rows.items()}
    _mark_edits(session, school_id, seen_before, hashes, now)
    return inserted


def _row(
    p: PostLike, school_id: int, source_id: int | None, provenance: dict[str, Any] | None, now: datetime
) -> dict[str, Any]:
    """The posts row for one post, every string made storable; NotStorable if it cannot be."""
    kind, external_id = storable(p.kind), storable(p.external_id)
    if not external_id or len(external_id) > MAX_ID:
        raise NotStorable(f"external id empty or longer than {MAX_ID} characters")
    if not kind or len(kind) > MAX_KIND:
        raise NotStorable(f"kind empty or longer than {MAX_KIND} characters")
    parent = storable(p.parent_external_id) if p.parent_external_id else None
    if parent is not None and len(parent) > MAX_ID:
        parent = None  # a reply's thread link is a convenience; the post itself is kept
    text = storable(p.text)
    media = storable(_media_json(p.media)) if p.media else []
    created = p.created_at if p.created_at.tzinfo else p.created_at.replace(tzinfo=UTC)
    record = {
        "kind": kind,
        "external_id": external_id,
        "url": storable(p.url),
        # The handle is display and lookup; the raw payload keeps it whole.
        "author_handle": storable(p.author_handle)[:MAX_HANDLE],
        "text": text,
        "created_at": created.isoformat(),
        "captured_at": now.isoformat(),
        "media": media,
    }
    return {
        "school_id": school_id,
        "source_id": source_id,
        "kind": kind,
        "external_id": external_id,
        "parent_external_id": parent,
        "url": record["url"],
        "author_handle": record["author_handle"],
        "text": text,
        "created_at": created,
        "captured_at": now,
        "media": media,
        "raw": storable(p.raw),
        "content_hash": content_hash(text, media),
        "evidence_hash": evidence_hash(record),
        "provenance": storable(provenance) if provenance is not None else None,
    }


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


def record_set_aside(session: Session, source: Source, set_aside: Sequence[SetAside], now: datetime) -> None:
    """Count records passed over on the source's row and keep the latest id and reason."""
    if not set_aside:
        return
    source.set_aside_count += len(set_aside)
    last = set_aside[-1]
    source.last_set_aside = storable(f"{last.ref[:MAX_ID]}: {last.reason}")
    source.last_set_aside_at = now


def save_cursor(session: Session, source: Source, cursor: str | None, stored: int, reads: int = 0) -> None:
    """Advance a source's cursor; call in the same transaction as the batch's posts."""
    source.cursor = cursor
    source.posts_stored += stored
    if reads:
        today = utcnow().date().isoformat()
        if source.reads_day != today:
            source.reads_day, source.reads_today = today, 0
        source.reads_today += reads


# ---- re-checks: edits and deletions seen after capture ----------------------------------


def flagged_to_recheck(
    session: Session, source_id: int, now: datetime, max_age: timedelta, limit: int
) -> list[Post]:
    """Flagged posts of a source, captured within `max_age`, not yet seen deleted; oldest check first."""
    return list(
        session.scalars(
            select(Post)
            .join(ReviewItem, ReviewItem.post_id == Post.id)
            .where(Post.source_id == source_id, Post.deleted_at.is_(None), Post.captured_at >= now - max_age)
            .order_by(Post.id)
            .limit(limit)
        )
    )


def record_recheck(session: Session, post: Post, current: PostLike | None, now: datetime) -> str | None:
    """Apply one re-check result to `post`; return "edited", "deleted" or None (unchanged)."""
    if current is None:
        if post.deleted_at is not None:
            return None
        post.deleted_at = now
        record: dict[str, Any] = {"post": post.external_id, "change": "deleted", "seen_at": now.isoformat()}
        session.add(
            PostRevision(
                post_id=post.id,
                change="deleted",
                seen_at=now,
                content_hash=post.content_hash,
                evidence_hash=evidence_hash(record),
            )
        )
        return "deleted"
    text = storable(current.text)
    media = storable(_media_json(current.media))
    try:
        raw = storable(current.raw)
    except NotStorable as exc:
        raw = {"not_kept": str(exc)}  # the edit is still evidence; its payload could not be kept
    chash = content_hash(text, media)
    latest = session.scalar(
        select(PostRevision)
        .where(PostRevision.post_id == post.id, PostRevision.change == "edited")
        .order_by(PostRevision.id.desc())
        .limit(1)
    )
    if chash == (latest.content_hash if latest else post.content_hash):
        return None
    record = {
        "post": post.external_id,
        "change": "edited",
        "seen_at": now.isoformat(),
        "text": text,
        "media": media,
    }
    session.add(
        PostRevision(
            post_id=post.id,
            change="edited",
            seen_at=now,
            text=text,
            media=media,
            raw=raw,
            content_hash=chash,
            evidence_hash=evidence_hash(record),
        )
    )
    post.edited_at = now
    return "edited"
