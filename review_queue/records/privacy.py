"""Subject rights for one social media handle: everything held about it (access) and its erasure.

A subject is named by a handle as it appears on posts (`@` and case do not matter).  What
belongs to them:

- person records listing the handle, and every other handle those records list;
- the posts written under any of those handles, with each post's judgement, review item,
  decisions and platform reports, and for a post staff sent in, where it came from, when
  and how (the submitter named by role, as staff are throughout);
- the conduct incidents about those people (and any incident whose every post is theirs),
  with their letters, meetings and timelines, and the posts the school linked to them.

`export_subject` gathers that into plain data (JSON-ready) for the DPO to review before it
is sent: it also lists, by id only, other people's posts that mention the handle, so that
the DPO can weigh them without this bundle disclosing anyone else's words.

`erase_subject` deletes all of the above and then redacts the handle (and the names on the
deleted person records) wherever it is still written: other people's posts that mention
it, decision reasons, letters and reports of other incidents.  The audit log records that
an export or an erasure happened, when, by whom and how many rows, but never the handle:
only `subject_ref`, a keyed hash (HMAC-SHA256) of it.  Why keep even that: a person may
later ask whether their request was carried out, and the DPO can answer by computing the
same reference, while someone holding only a copy of the database cannot test guesses of
handles against the log, because the key is not in the database.  Open incidents are not
erased unless the caller says so: the right to erasure does not apply where the data is
needed for legal claims (UK GDPR Art. 17(3)(e)), and that is the DSL's call, not Gatepost's.

Not here: files already exported from Gatepost (evidence packs, feedback JSONL, backups),
which the operator's guide tells the school to handle.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, String, Text, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from review_queue import audit, submissions
from review_queue.casework.incidents import incident_ref
from review_queue.models import (
    AuditEntry,
    Base,
    ConductIncident,
    Decision,
    IncidentEvent,
    IncidentPost,
    Judgement,
    Letter,
    Meeting,
    Person,
    PlatformReport,
    Post,
    PostRevision,
    ReviewItem,
    School,
    User,
    utcnow,
)
from review_queue.permissions import ROLES_FOR, Permission, allows
from review_queue.records.retention import TABLES, delete_incidents, delete_items, delete_posts
from review_queue.rendering import html_env

EXPORT_ACTION = "privacy.export"
ERASE_ACTION = "privacy.erase"
# What replaces the handle, and a deleted person's name, in text that stays.
REDACTED = "[erased]"
# Only these roles may run an export or an erasure: the DSL decides, the admin operates.
# The subject access export is rendered from records/templates.
_documents = html_env(Path(__file__).resolve().parent / "templates")
# Never redacted: the audit log is append-only and holds ids only; staff accounts are staff data.
NOT_REDACTED_TABLES = frozenset({"audit_log", "users"})
# Short String columns are codes (kind, status, severity, action, ...), never free text: a handle
# that happened to equal "open" must not rewrite a status.
MIN_FREE_TEXT_LENGTH = 64
# The handle separators in a person record's `handles` field, which staff type freely.
HANDLE_SPLIT = re.compile(r"[\s,;]+")


class PrivacyError(ValueError):
    """A subject request that cannot be carried out as asked.  Its message never names the subject."""


def normalise_handle(handle: str) -> str:
    h = handle.strip().lstrip("@").casefold()
    if len(h) < 2:
        raise PrivacyError("give the handle as it appears on the posts (at least two characters)")
    return h


def subject_ref(handle: str, key: bytes) -> str:
    """The keyed hash that stands for the subject in the audit log (see the module docstring)."""
    return hmac.new(key, normalise_handle(handle).encode(), hashlib.sha256).hexdigest()


def _person_handles(person: Person) -> set[str]:
    return {h.lstrip("@").casefold() for h in HANDLE_SPLIT.split(person.handles or "") if h.lstrip("@")}


def _person_has_handle(person: Person, handle: str) -> bool:
    return handle in _person_handles(person)


def _is_plain_word(term: str) -> bool:
    return term.isalpha()


def _mention_pattern(handles: Iterable[str], names: Iterable[str] = ()) -> re.Pattern[str] | None:
    """Case-insensitive, whole-word matches of handles and full names.

    A handle that is a plain word ("ashby") is only matched where it is clearly a handle:
    after '@', 'u/' or '/' (a mention or a profile URL); otherwise the town called Ashby
    would be erased too.  Other handles ("angrydad_af") match bare as well.  Names are
    matched only when they are full names (two words or more), for the same reason.
    """
    bare = {h for h in handles if len(h) >= 2 and not _is_plain_word(h)}
    marked = {h for h in handles if len(h) >= 2 and _is_plain_word(h)}
    full_names = {n.strip() for n in names if len(n.split()) >= 2}
    alts: list[str] = []
    if bare | full_names:
        body = "|".join(re.escape(t) for t in sorted(bare | full_names, key=len, reverse=True))
        alts.append(rf"(?<![\w.-])@?(?:{body})")
    if marked:
        body = "|".join(re.escape(t) for t in sorted(marked, key=len, reverse=True))
        alts.append(rf"(?:@|\bu/|/)(?:{body})")
    if not alts:
        return None
    return re.compile(rf"(?:{'|'.join(alts)})(?![\w-])", re.IGNORECASE)


@dataclass
class Subject:
    """The rows that belong to one handle, found once and used by both export and erasure."""

    handle: str
    school_ids: list[int] | None
    handles: list[str] = field(default_factory=list)
    post_ids: list[int] = field(default_factory=list)
    item_ids: list[int] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)
    incident_ids: list[int] = field(default_factory=list)
    open_incident_ids: list[int] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.post_ids or self.person_ids or self.incident_ids)


def _in_schools(column: Any, school_ids: list[int] | None) -> list[Any]:
    return [] if school_ids is None else [column.in_(school_ids)]


def find_subject(session: Session, handle: str, school_slug: str | None = None) -> Subject:
    """Everything that belongs to `handle` (in one school, or in all of them)."""
    h = normalise_handle(handle)
    school_ids: list[int] | None = None
    if school_slug is not None:
        sid = session.scalar(select(School.id).where(School.slug == school_slug))
        if sid is None:
            raise PrivacyError(f"no school with slug {school_slug!r}")
        school_ids = [sid]
    s = Subject(handle=h, school_ids=school_ids)
    people = [
        p
        for p in session.scalars(
            select(Person)
            .where(func.lower(Person.handles).contains(h), *_in_schools(Person.school_id, school_ids))
            .order_by(Person.id)
        )
        if _person_has_handle(p, h)
    ]
    s.person_ids = [p.id for p in people]
    # Every handle the school recorded for the person is theirs, not only the one asked about.
    s.handles = sorted({h} | {x for p in people for x in _person_handles(p)})
    s.post_ids = list(
        session.scalars(
            select(Post.id)
            .where(
                func.lower(func.ltrim(Post.author_handle, "@")).in_(s.handles),
                *_in_schools(Post.school_id, school_ids),
            )
            .order_by(Post.id)
        )
    )
    s.item_ids = list(
        session.scalars(
            select(ReviewItem.id).where(ReviewItem.post_id.in_(s.post_ids)).order_by(ReviewItem.id)
        )
    )
    about_person = select(ConductIncident.id).where(ConductIncident.person_id.in_(s.person_ids))
    # An incident with nobody recorded yet is theirs when every one of its posts is theirs.
    linked = set(
        session.scalars(select(IncidentPost.incident_id).where(IncidentPost.item_id.in_(s.item_ids)))
    )
    only_theirs = {
        i
        for i in linked
        if session.scalar(select(ConductIncident.person_id).where(ConductIncident.id == i)) is None
        and not session.scalar(
            select(func.count())
            .select_from(IncidentPost)
            .where(IncidentPost.incident_id == i, IncidentPost.item_id.not_in(s.item_ids))
        )
    }
    s.incident_ids = sorted(set(session.scalars(about_person)) | only_theirs)
    # The posts of their incidents are theirs too: the school attributed them to this person.
    incident_items = set(
        session.scalars(select(IncidentPost.item_id).where(IncidentPost.incident_id.in_(s.incident_ids)))
    )
    s.item_ids = sorted(set(s.item_ids) | incident_items)
    s.post_ids = sorted(
        set(s.post_ids)
        | set(session.scalars(select(ReviewItem.post_id).where(ReviewItem.id.in_(incident_items))))
    )
    s.open_incident_ids = list(
        session.scalars(
            select(ConductIncident.id).where(
                ConductIncident.id.in_(s.incident_ids), ConductIncident.status != "closed"
            )
        )
    )
    return s


# ------------------------------------------------------------------ subject access


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def _roles(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in user_ids if i is not None}
    return {u.id: u.role for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


def _submission(session: Session, post: Post) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """A staff submission's provenance for the subject (where it came from, when, how; the
    submitter by role only), and the post's raw record with the submitter's name likewise
    replaced by their role.  (None, raw) for a post Gatepost captured itself."""
    prov = submissions.provenance(post.provenance)
    if prov is None or not isinstance(post.provenance, dict):
        return None, post.raw
    by = str(post.provenance.get("submitted_by", ""))
    role = (session.scalar(select(User.role).where(User.email == by)) if by else None) or "staff"
    raw = dict(post.raw or {})
    if isinstance(raw.get("submission"), dict):
        raw["submission"] = {**raw["submission"], "submitted_by": f"({role})"}
    return {
        "where_from": prov["where_from"],
        "submitted_by_role": role,
        "submitted_at": _iso(prov["submitted_at"]),
        "how": prov["how"],
        "link": prov["link"],
        "screenshot": prov["screenshot"],
    }, raw


def _post_record(session: Session, post: Post, school: str) -> dict[str, Any]:
    j = session.scalar(select(Judgement).where(Judgement.post_id == post.id))
    item = session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))
    submission, raw = _submission(session, post)
    record: dict[str, Any] = {
        "id": post.id,
        "school": school,
        "platform": post.kind,
        "external_id": post.external_id,
        "url": post.url,
        "author_handle": post.author_handle,
        "text": post.text,
        "media": post.media,
        "created_at": _iso(post.created_at),
        "captured_at": _iso(post.captured_at),
        "edited_at": _iso(post.edited_at),
        "deleted_at": _iso(post.deleted_at),
        # Where a post sent in by staff came from: the source the subject has a right to know.
        "submission": submission,
        "raw": raw,
        "evidence_hash": post.evidence_hash,
        "revisions": [
            {"change": r.change, "seen_at": _iso(r.seen_at), "text": r.text, "media": r.media}
            for r in session.scalars(
                select(PostRevision).where(PostRevision.post_id == post.id).order_by(PostRevision.id)
            )
        ],
        "judgement": None,
        "review": None,
    }
    if j is not None:
        record["judgement"] = {
            "model_version": j.model_version,
            "flags": j.flags,
            "scores": j.scores,
            "severity": j.severity,
            "evidence": j.evidence,
            "judged_at": _iso(j.judged_at),
        }
    if item is not None:
        decisions = list(
            session.scalars(select(Decision).where(Decision.item_id == item.id).order_by(Decision.id))
        )
        reports = list(
            session.scalars(
                select(PlatformReport).where(PlatformReport.item_id == item.id).order_by(PlatformReport.id)
            )
        )
        roles = _roles(session, [d.user_id for d in decisions])
        record["review"] = {
            "item_id": item.id,
            "status": item.status,
            "categories": item.categories,
            "flagged_at": _iso(item.created_at),
            "decided_at": _iso(item.decided_at),
            # Staff are named by role only: their identities are third-party data.
            "decisions": [
                {
                    "action": d.action,
                    "categories": d.categories,
                    "reason": d.reason,
                    "at": _iso(d.created_at),
                    "by_role": roles.get(d.user_id or 0, ""),
                }
                for d in decisions
            ],
            "platform_reports": [
                {
                    "platform": r.platform,
                    "body": r.body,
                    "created_at": _iso(r.created_at),
                    "reported_at": _iso(r.reported_at),
                    "reference": r.reference,
                    "outcome": r.outcome,
                }
                for r in reports
            ],
        }
    return record


def _incident_record(session: Session, inc: ConductIncident) -> dict[str, Any]:
    def rows(model: Any, order: Any) -> list[Any]:
        return list(session.scalars(select(model).where(model.incident_id == inc.id).order_by(order)))

    return {
        "ref": incident_ref(inc.id),
        "status": inc.status,
        "stage": inc.stage,
        "summary": inc.summary,
        "opened_at": _iso(inc.opened_at),
        "closed_at": _iso(inc.closed_at),
        "police_referred_at": _iso(inc.police_referred_at),
        "police_reference": inc.police_reference,
        "legal_advice_at": _iso(inc.legal_advice_at),
        "item_ids": [ip.item_id for ip in rows(IncidentPost, IncidentPost.id)],
        "letters": [
            {
                "template": x.template,
                "stage": x.stage,
                "body": x.body,
                "created_at": _iso(x.created_at),
                "sent_at": _iso(x.sent_at),
            }
            for x in rows(Letter, Letter.id)
        ],
        "meetings": [
            {"held_on": m.held_on, "attendees": m.attendees, "outcome": m.outcome}
            for m in rows(Meeting, Meeting.id)
        ],
        "timeline": [
            {"at": _iso(e.at), "kind": e.kind, "summary": e.summary}
            for e in rows(IncidentEvent, IncidentEvent.id)
        ],
    }


def _mentions(session: Session, s: Subject) -> list[int]:
    """Ids of other people's posts whose text mentions the handle (whole word)."""
    pattern = _mention_pattern(s.handles)
    assert pattern is not None
    q = select(Post.id, Post.text).where(
        or_(*(func.lower(Post.text).contains(h, autoescape=True) for h in s.handles)),
        Post.id.not_in(s.post_ids),
        *_in_schools(Post.school_id, s.school_ids),
    )
    return [pid for pid, text in session.execute(q) if pattern.search(text or "")]


def _access_log(session: Session, s: Subject) -> list[dict[str, Any]]:
    """Who (by role) looked at or acted on the subject's items and incidents, from the audit log."""
    wanted = {("item", str(i)) for i in s.item_ids} | {("incident", str(i)) for i in s.incident_ids}
    if not wanted:
        return []
    q = (
        select(AuditEntry)
        .where(
            AuditEntry.object_type.in_({t for t, _ in wanted}),
            AuditEntry.object_id.in_({i for _, i in wanted}),
        )
        .order_by(AuditEntry.id)
    )
    entries = [e for e in session.scalars(q) if (e.object_type, e.object_id) in wanted]
    roles = _roles(session, [e.user_id for e in entries])
    return [
        {
            "at": _iso(e.at),
            "action": e.action,
            "object": f"{e.object_type} {e.object_id}",
            "by_role": roles.get(e.user_id or 0, "system" if e.user_id is None else "former account"),
        }
        for e in entries
    ]


def export_subject(
    session: Session, handle: str, *, by: User, key: bytes, school_slug: str | None = None
) -> dict[str, Any]:
    """Everything held about `handle`, as plain JSON-ready data; the export is audited."""
    _check_role(by)
    s = find_subject(session, handle, school_slug)
    schools = {sid: slug for sid, slug in session.execute(select(School.id, School.slug))}
    posts = [
        _post_record(session, p, schools.get(p.school_id, ""))
        for p in session.scalars(select(Post).where(Post.id.in_(s.post_ids)).order_by(Post.id))
    ]
    people = [
        {
            "name": p.name,
            "relationship_to_school": p.relationship_to_school,
            "address": p.address,
            "handles": p.handles,
            "school": schools.get(p.school_id, ""),
            "created_at": _iso(p.created_at),
        }
        for p in session.scalars(select(Person).where(Person.id.in_(s.person_ids)).order_by(Person.id))
    ]
    incidents = [
        _incident_record(session, inc)
        for inc in session.scalars(
            select(ConductIncident).where(ConductIncident.id.in_(s.incident_ids)).order_by(ConductIncident.id)
        )
    ]
    bundle: dict[str, Any] = {
        "format": "gatepost-subject-access/1",
        "generated_at": utcnow().isoformat(),
        "subject": {
            "handle": s.handle,
            "schools": sorted({p["school"] for p in posts} | {p["school"] for p in people}),
        },
        "posts": posts,
        "people": people,
        "incidents": incidents,
        "mentions_by_others": {
            "post_ids": _mentions(session, s),
            "note": "Posts by other people that mention this handle: listed by id only. "
            "Review them in the console and decide what, if anything, to disclose.",
        },
        "access_log": _access_log(session, s),
        "notes_for_the_dpo": [
            "Review before sending: redact third-party data (names of staff, pupils and other parents "
            "in decision reasons, letters and reports) and apply any exemption that fits "
            "(Data Protection Act 2018 Schedule 2), recording why.",
            "Staff are identified by role only.  Their identities can be supplied if appropriate.",
            "Respond within one month of receiving the request (extendable by two further months for "
            "complex requests).",
        ],
    }
    audit.record(
        session,
        user=by,
        action=EXPORT_ACTION,
        object_type="subject",
        object_id=subject_ref(handle, key),
        detail={
            "posts": len(posts),
            "people": len(people),
            "incidents": len(incidents),
            "scope": "all schools" if s.school_ids is None else f"school {s.school_ids[0]}",
        },
    )
    return bundle


def render_html(bundle: Mapping[str, Any]) -> str:
    """The bundle as one readable, self-contained HTML page (autoescaped: post text is hostile)."""
    return _documents.get_template("subject_access.html").render(b=bundle)


def render_json(bundle: Mapping[str, Any]) -> str:
    return json.dumps(bundle, ensure_ascii=False, indent=2, sort_keys=False)


# ------------------------------------------------------------------ erasure


def _check_role(user: User) -> None:
    if user.disabled or not allows(user.role, Permission.SUBJECT_RIGHTS):
        roles = " or ".join(sorted(ROLES_FOR[Permission.SUBJECT_RIGHTS]))
        raise PrivacyError(f"only an active {roles} account may do this")


@dataclass
class ErasureResult:
    deleted: dict[str, int]
    redacted: dict[str, int]
    found: bool
    # Posts written under other handles that go too, because the school attributed them to
    # this person by putting them in the person's incidents: the dry run says so first.
    others_in_incidents: int = 0

    @property
    def total(self) -> int:
        return sum(self.deleted.values()) + sum(self.redacted.values())


def free_text_columns() -> Iterator[tuple[Any, Any]]:
    """Every (table, column) that can hold free text or JSON, outside the tables never redacted."""
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_REDACTED_TABLES:
            continue
        for col in table.columns:
            if col.primary_key or col.foreign_keys:
                continue
            t = col.type
            impl = getattr(t, "impl", t)
            if isinstance(impl, (JSON, Text)) or (
                isinstance(impl, String) and (impl.length is None or impl.length >= MIN_FREE_TEXT_LENGTH)
            ):
                yield table, col


def _redact_value(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, list):
        return [_redact_value(v, pattern) for v in value]
    if isinstance(value, dict):
        return {_redact_value(k, pattern): _redact_value(v, pattern) for k, v in value.items()}
    return value


def redact_everywhere(
    session: Session, handles: list[str], names: list[str], school_ids: list[int] | None
) -> dict[str, int]:
    """Replace mentions of `handles` and `names` in every free-text and JSON column; count rows per table."""
    pattern = _mention_pattern(handles, names)
    terms = [t for t in (*handles, *names) if len(t) >= 2]
    rows: dict[str, set[Any]] = {}
    if pattern is None:
        return {}
    for table, col in free_text_columns():
        text = cast(col, Text) if isinstance(getattr(col.type, "impl", col.type), JSON) else col
        # A cheap SQL pre-filter on the substring; the whole-word test runs in Python.
        like = or_(*(func.lower(text).contains(t.casefold(), autoescape=True) for t in terms))
        where = [like]
        if school_ids is not None and "school_id" in table.columns:
            where.append(table.columns["school_id"].in_(school_ids))
        pk = next(iter(table.primary_key.columns))
        for row_id, value in session.execute(select(pk, col).where(*where)):
            new = _redact_value(value, pattern)
            if new != value:
                session.execute(update(table).where(pk == row_id).values({col.name: new}))
                rows.setdefault(table.name, set()).add(row_id)
    return {name: len(ids) for name, ids in rows.items()}


def erase_subject(
    session: Session,
    handle: str,
    *,
    by: User,
    key: bytes,
    school_slug: str | None = None,
    include_open_incidents: bool = False,
) -> ErasureResult:
    """Delete everything that belongs to `handle` and redact it wherever else it is written.

    Refuses (PrivacyError, nothing changed) when an open incident is about the subject,
    unless `include_open_incidents`.  Never commits; the erasure is audited without the handle.
    """
    _check_role(by)
    s = find_subject(session, handle, school_slug)
    if s.open_incident_ids and not include_open_incidents:
        raise PrivacyError(
            f"{len(s.open_incident_ids)} open incident(s) concern this person; close them first, or "
            "confirm that the legal-claims exemption does not apply and erase them too"
        )
    names = list(session.scalars(select(Person.name).where(Person.id.in_(s.person_ids))))
    others_in_incidents = int(
        session.scalar(
            select(func.count())
            .select_from(Post)
            .where(Post.id.in_(s.post_ids), func.lower(func.ltrim(Post.author_handle, "@")).not_in(s.handles))
        )
        or 0
    )
    deleted = dict.fromkeys(TABLES, 0)
    delete_incidents(
        session, select(ConductIncident.id).where(ConductIncident.id.in_(s.incident_ids)), deleted
    )
    deleted["people"] += _delete_people(session, s.person_ids)
    delete_items(session, s.item_ids, deleted)
    # Their posts that were never queued (the others went with their items).
    delete_posts(session, s.post_ids, deleted)
    session.flush()
    redacted = redact_everywhere(session, s.handles, names, s.school_ids)
    audit.record(
        session,
        user=by,
        action=ERASE_ACTION,
        object_type="subject",
        object_id=subject_ref(handle, key),
        detail={
            "deleted": {k: v for k, v in deleted.items() if v},
            "redacted": redacted,
            "scope": "all schools" if s.school_ids is None else f"school {s.school_ids[0]}",
        },
    )
    session.flush()
    return ErasureResult(
        deleted=deleted, redacted=redacted, found=s.found, others_in_incidents=others_in_incidents
    )


def _delete_people(session: Session, person_ids: list[int]) -> int:
    if not person_ids:
        return 0
    # Incidents about someone else that pointed at this person lose the pointer, not their record.
    session.execute(
        update(ConductIncident).where(ConductIncident.person_id.in_(person_ids)).values(person_id=None)
    )
    result = session.execute(delete(Person).where(Person.id.in_(person_ids)))
    return int(result.rowcount)  # type: ignore[attr-defined]


def find_user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise PrivacyError("no console account with that email address")
    _check_role(user)
    return user


__all__ = [
    "ErasureResult",
    "PrivacyError",
    "Subject",
    "erase_subject",
    "export_subject",
    "find_subject",
    "find_user",
    "free_text_columns",
    "render_html",
    "render_json",
    "subject_ref",
]
