"""The console's page view-models: the queue page, an item's detail, an incident, as plain data.

The web handlers call one function here per page and hand the result to a template.
Nothing returned is an ORM object, so templates cannot lazy-load personal data, and
every function that returns personal data writes its audit entry itself, so no page
can forget to.  Post text is returned as text: highlighting is a list of segments, and
the template escapes each one.  Nothing here is ever marked safe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from classifiers.policy import Policy
from review_queue import audit, escalations, submissions
from review_queue.casework import incidents, letters, platform_reports
from review_queue.models import (
    ConductIncident,
    Decision,
    IncidentPost,
    Person,
    Post,
    ReviewItem,
    School,
    User,
    utcnow,
)
from review_queue.permissions import ROLES_FOR, Permission, allows
from review_queue.queue import (
    MIN_REASON_CHARS,
    WAITING,
    DecisionError,
    QueueFilter,
    claimed_by_other,
    count_items,
    list_items,
    next_waiting,
    reason_text,
    status_counts,
)
from review_queue.web.queue_url import view_query

# Characters of post text shown in the queue list.
EXCERPT_CHARS = 160
# The author's other captured posts shown beside an item.
AUTHOR_POSTS_SHOWN = 10


@dataclass(frozen=True)
class Segment:
    """A run of post text; `categories` non-empty when it lies inside evidence spans."""

    text: str
    categories: tuple[str, ...] = ()
    why: str = ""


def segments(text: str, spans: Sequence[Mapping[str, Any]]) -> list[Segment]:
    """Split text at every span boundary, so the template can wrap evidence in <mark>.

    Spans out of range or inverted are clipped or ignored; overlapping spans merge their
    categories.  The text itself is never altered or marked safe.
    """
    n = len(text)
    clean: list[tuple[int, int, str, str]] = []
    for s in spans:
        try:
            start, end = max(0, int(s["start"])), min(n, int(s["end"]))
        except (KeyError, TypeError, ValueError):
            continue
        if start < end:
            clean.append((start, end, str(s.get("category", "")), str(s.get("why", ""))))
    cuts = sorted({0, n, *(c[0] for c in clean), *(c[1] for c in clean)})
    out: list[Segment] = []
    for a, b in pairwise(cuts):
        covering = [c for c in clean if c[0] <= a and b <= c[1]]
        cats = tuple(dict.fromkeys(c[2] for c in covering))
        why = "; ".join(dict.fromkeys(c[3] for c in covering if c[3]))
        out.append(Segment(text[a:b], cats, why))
    return out


def safe_url(url: str) -> str | None:
    """The URL if it is http(s), else None: other schemes (javascript:, data:) never become links."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return url.strip()
    return None


def origin_of(url: str) -> str:
    """scheme://host[:port] of an http(s) URL, for a content security policy source."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def sla_label(due_at: datetime | None, now: datetime) -> tuple[str, bool]:
    """("due in 3 h" / "overdue by 2 h", overdue?)."""
    if due_at is None:
        return ("no deadline", False)
    delta = due_at - now
    seconds = abs(int(delta.total_seconds()))
    hours, minutes = divmod(seconds // 60, 60)
    span = f"{hours} h {minutes:02d} min" if hours < 48 else f"{hours // 24} days"
    return (f"overdue by {span}", True) if delta.total_seconds() < 0 else (f"due in {span}", False)


@dataclass(frozen=True)
class QueueRow:
    id: int
    status: str
    severity: str
    categories: list[str]
    platform: str
    author: str
    excerpt: str
    created_at: datetime
    sla: str
    overdue: bool
    assigned_to: str
    mine: bool
    # "" or who the item is escalated to ("you" for the viewer).
    escalated_to: str = ""
    school: str = ""


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    counts: dict[str, int]
    filter: QueueFilter
    categories: list[str]
    severities: list[str]
    sources: list[str]
    # Items escalated to the viewer that still wait for them.
    escalated_to_me: int = 0
    # Paging: how many items match, how many pages, and this view's query string (no page).
    total: int = 0
    pages: int = 1
    view: str = ""
    # For an account that sees every school: (slug, name) of each, and this view's slug.
    schools: list[tuple[str, str]] = field(default_factory=list)
    school: str = ""
    # The standard dismissal reasons, for the bulk form.
    dismiss_reasons: list[str] = field(default_factory=list)

    def page_query(self, page: int) -> str:
        """This view's query string at another page."""
        return "&".join(p for p in (self.view, f"page={page}" if page > 1 else "") if p)


def _emails(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {u.id: u.email for u in session.scalars(select(User).where(User.id.in_(ids)))}


# The distinct kinds of a school's posts, one index probe per kind: SELECT DISTINCT would
# read the whole (school_id, kind, external_id) index, a million entries for a busy school.
_SCHOOL_KINDS = text(
    """
    WITH RECURSIVE kinds(kind) AS (
        SELECT min(kind) FROM posts WHERE school_id = :school_id
        UNION ALL
        SELECT (SELECT min(p.kind) FROM posts p WHERE p.school_id = :school_id AND p.kind > kinds.kind)
        FROM kinds WHERE kinds.kind IS NOT NULL
    )
    SELECT kind FROM kinds WHERE kind IS NOT NULL
    """
)


def post_kinds(session: Session, school_id: int | None) -> list[str]:
    """The kinds of post captured (for one school, or all), sorted."""
    if school_id is None:
        return sorted(set(session.scalars(select(Post.kind).distinct())))
    return sorted(session.scalars(_SCHOOL_KINDS, {"school_id": school_id}))


def schools_by_slug(session: Session) -> dict[str, int]:
    """Every school's slug and id, for an account that sees them all."""
    return {slug: sid for slug, sid in session.execute(select(School.slug, School.id))}


def school_names(session: Session) -> dict[int, tuple[str, str]]:
    """id -> (slug, name) of every school, by name."""
    rows = session.execute(select(School.id, School.slug, School.name).order_by(School.name))
    return {sid: (slug, name) for sid, slug, name in rows}


def school_choices(session: Session, user: User) -> dict[str, int] | None:
    """slug -> id of the schools an account may filter by: every school for a trust-wide
    account, None (no school filter) for an account of one school."""
    return schools_by_slug(session) if allows(user.role, Permission.EVERY_SCHOOL) else None


def queue_page(session: Session, user: User, f: QueueFilter, policy: Policy) -> QueuePage:
    now = utcnow()
    known = policy.labels()
    every_school = user.school_id is None
    items = list_items(session, user.school_id, f, known)
    offset = (f.page - 1) * f.limit
    # A short page is the last one: its length gives the total without counting again.
    short = len(items) < f.limit and (items or f.page == 1)
    total = offset + len(items) if short else count_items(session, user.school_id, f, known)
    emails = _emails(session, {i.assigned_to_id for i in items if i.assigned_to_id})
    escalated = escalations.open_for(session, [i.id for i in items if i.status == "escalated"])
    schools = school_names(session)
    names = {sid: name for sid, (_slug, name) in schools.items()} if every_school else {}
    slugs = {sid: slug for sid, (slug, _name) in schools.items()}
    rows = []
    for i in items:
        esc = escalated.get(i.id)
        sla, overdue = sla_label(i.due_at, now) if i.status in WAITING else ("decided", False)
        text = i.post.text or ""
        rows.append(
            QueueRow(
                id=i.id,
                status=i.status,
                severity=i.severity,
                categories=list(i.categories or []),
                platform=where(i.post),
                author=i.post.author_handle,
                excerpt=text[:EXCERPT_CHARS] + ("…" if len(text) > EXCERPT_CHARS else ""),
                created_at=i.created_at,
                sla=sla,
                overdue=overdue,
                assigned_to=emails.get(i.assigned_to_id or 0, "")
                if claimed_by_other(i, user.id, now)
                else "",
                mine=i.assigned_to_id == user.id,
                escalated_to=("you" if esc.to_user_id == user.id else esc.to) if esc else "",
                school=names.get(i.school_id, ""),
            )
        )
    scope = user.school_id if user.school_id is not None else f.school_id
    sources = post_kinds(session, scope)
    # Audited under each school whose items were shown, so that a school's DSL sees a
    # trust-wide account's look at its queue in that school's own log.
    by_school: dict[int | None, list[int]] = {}
    for i in items:
        by_school.setdefault(i.school_id, []).append(i.id)
    for school_id, ids in (by_school or {user.school_id: []}).items():
        audit.record(
            session,
            user=user,
            action="view.queue",
            object_type="queue",
            object_id=f.status or "all",
            school_id=school_id,
            detail={"items": ids[:200], "page": f.page},
        )
    return QueuePage(
        rows=rows,
        counts=status_counts(session, scope),
        escalated_to_me=escalations.waiting_for(session, user.id),
        filter=f,
        categories=list(known),
        severities=policy.severities_by_rank(),
        sources=sources,
        total=total,
        pages=max(1, -(-total // f.limit)),
        view=view_query(f, {slug: sid for sid, slug in slugs.items()}),
        schools=list(schools.values()) if every_school else [],
        school=slugs.get(f.school_id, "") if f.school_id is not None else "",
        dismiss_reasons=policy.reasons.offered("dismiss"),
    )


def next_in_view(
    session: Session, user: User, f: QueueFilter, item: ReviewItem, policy: Policy
) -> int | None:
    """The next item still waiting in the view the reviewer came from (see queue.next_waiting)."""
    return next_waiting(session, user.school_id, f, item, user.id, policy.labels())


@dataclass(frozen=True)
class PostView:
    id: int
    platform: str
    author: str
    url: str | None
    url_text: str
    created_at: datetime
    captured_at: datetime
    text: str
    deleted: bool
    evidence_hash: str
    # A staff submission's where-from, who, when and how (review_queue.submissions); else None.
    provenance: dict[str, Any] | None = None


@dataclass(frozen=True)
class ReportView:
    id: int
    platform: str
    rules: list[str]
    body: str
    reference: str | None
    reported_at: datetime | None
    outcome: str
    suggestions: list[str]


@dataclass
class ItemDetail:
    id: int
    status: str
    severity: str
    categories: list[str]
    post: PostView
    segments: list[Segment]
    flags: list[dict[str, str]]
    scores: dict[str, float]
    model_version: str
    judged_at: datetime | None
    images: list[dict[str, Any]]
    possible_iic: bool
    thread: list[PostView]
    author_posts: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    reports: list[ReportView]
    incidents: list[dict[str, Any]]
    sla: str
    overdue: bool
    assigned_to: str
    mine: bool
    due_at: datetime | None
    assignees: list[tuple[int, str]]
    report_platforms: list[tuple[str, str]]
    default_platform: str
    reportable: bool
    legal_only: bool
    guidance: dict[str, str] = field(default_factory=dict)
    # The open escalation (to whom, by whom, when), if the item is escalated to someone.
    escalation: escalations.EscalationView | None = None
    # Who the viewer could escalate it to: (account id, "Headteacher: head@...").
    escalation_targets: list[tuple[int, str]] = field(default_factory=list)


def where(p: Post) -> str:
    """Where a post was seen: its platform, or for a staff submission the place it came from."""
    prov = submissions.provenance(p.provenance)
    if prov is not None:
        return f"Staff submission from {prov['where_from']}"
    return platform_reports.PLATFORMS[platform_reports.platform_for(p)].name


def _post_view(p: Post) -> PostView:
    return PostView(
        id=p.id,
        platform=where(p),
        author=p.author_handle,
        url=safe_url(p.url),
        url_text=p.url,
        created_at=p.created_at,
        captured_at=p.captured_at,
        text=p.text,
        deleted=p.deleted_at is not None,
        evidence_hash=p.evidence_hash,
        provenance=submissions.provenance(p.provenance),
    )


def assignable_users(session: Session, school_id: int) -> list[User]:
    """Who an item can be handed to: the school's active accounts that may take items."""
    q = (
        select(User)
        .where(
            User.school_id == school_id,
            User.role.in_(sorted(ROLES_FOR[Permission.TAKE_ITEMS])),
            User.disabled.is_(False),
        )
        .order_by(User.email)
    )
    return list(session.scalars(q))


def visible_item(session: Session, user: User, item_id: int) -> ReviewItem | None:
    """The item if it exists and the user's school may see it."""
    item = session.get(ReviewItem, item_id)
    if item is None or (user.school_id is not None and item.school_id != user.school_id):
        return None
    return item


def item_detail(session: Session, user: User, item_id: int, policy: Policy) -> ItemDetail | None:
    item = visible_item(session, user, item_id)
    if item is None:
        return None
    post = item.post
    j = post.judgement
    evidence = list(j.evidence) if j else []
    flags = []
    for c in j.flags if j else []:
        # Several spans often share one rule's reason: say each reason once.
        whys = dict.fromkeys(str(e["why"]) for e in evidence if e.get("category") == c and e.get("why"))
        rule = policy.categories.get(c)
        flags.append({"category": c, "description": rule.description if rule else "", "why": "; ".join(whys)})
    possible_iic = platform_reports.is_marked_indecent(session, item.id)
    images = []
    for m in post.media or []:
        if not isinstance(m, dict):
            continue
        images.append(
            {
                "type": str(m.get("type", "image")),
                # Never an <img> for a possible IIC: the URL is kept as text only.
                "src": None if possible_iic else safe_url(str(m.get("url", ""))),
                "host": urlsplit(str(m.get("url", ""))).netloc,
                "url_text": str(m.get("url", "")),
                "alt_text": str(m.get("alt_text", "")),
            }
        )
    thread: list[PostView] = []
    if post.parent_external_id:
        # Any kind, as ever; naming the school's kinds lets the (school_id, kind,
        # external_id) unique index find it instead of reading every post of the school.
        parent = session.scalar(
            select(Post).where(
                Post.school_id == post.school_id,
                Post.kind.in_(post_kinds(session, post.school_id)),
                Post.external_id == post.parent_external_id,
            )
        )
        if parent is not None:
            thread.append(_post_view(parent))
        siblings = session.scalars(
            select(Post)
            .where(
                Post.school_id == post.school_id,
                Post.parent_external_id == post.parent_external_id,
                Post.id != post.id,
            )
            .order_by(Post.created_at)
            .limit(10)
        )
        thread += [_post_view(p) for p in siblings]
    replies = session.scalars(
        select(Post)
        .where(Post.school_id == post.school_id, Post.parent_external_id == post.external_id)
        .order_by(Post.created_at)
        .limit(10)
    )
    thread += [_post_view(p) for p in replies]
    author_posts = []
    if post.author_handle:
        others = list(
            session.scalars(
                select(Post)
                .where(
                    Post.school_id == post.school_id,
                    Post.author_handle == post.author_handle,
                    Post.id != post.id,
                )
                .order_by(Post.created_at.desc())
                .limit(AUTHOR_POSTS_SHOWN)
            )
        )
        other_items = {
            i.post_id: i
            for i in session.scalars(select(ReviewItem).where(ReviewItem.post_id.in_([p.id for p in others])))
        }
        for p in others:
            other_item = other_items.get(p.id)
            author_posts.append(
                {
                    "post": _post_view(p),
                    "item_id": other_item.id if other_item else None,
                    "status": other_item.status if other_item else "not flagged",
                }
            )
    decision_rows = list(
        session.scalars(select(Decision).where(Decision.item_id == item.id).order_by(Decision.id))
    )
    emails = _emails(session, {d.user_id for d in decision_rows if d.user_id} | {item.assigned_to_id or 0})
    escalated_to = escalations.escalated_to_by_decision(session, item.id, decision_rows)
    now = utcnow()
    report_views = [
        ReportView(
            id=r.id,
            platform=platform_reports.PLATFORMS[r.platform].name,
            rules=list(r.rules),
            body=r.body,
            reference=r.reference,
            reported_at=r.reported_at,
            outcome=r.outcome,
            suggestions=platform_reports.escalation_suggestions(r, now),
        )
        for r in platform_reports.reports_for_item(session, item.id)
    ]
    incident_rows = session.scalars(
        select(ConductIncident)
        .join(IncidentPost, IncidentPost.incident_id == ConductIncident.id)
        .where(IncidentPost.item_id == item.id)
    )
    kinds = platform_reports.rule_kinds_for(item.categories or [], policy)
    legal_only = not kinds and "defamation" in (item.categories or [])
    sla, overdue = sla_label(item.due_at, now) if item.status in WAITING else ("decided", False)
    escalation = escalations.open_for(session, [item.id]).get(item.id)
    detail = ItemDetail(
        id=item.id,
        status=item.status,
        severity=item.severity,
        categories=list(item.categories or []),
        post=_post_view(post),
        segments=segments(post.text or "", evidence),
        flags=flags,
        scores={k: float(v) for k, v in (j.scores if j else {}).items()},
        model_version=j.model_version if j else "",
        judged_at=j.judged_at if j else None,
        images=images,
        possible_iic=possible_iic,
        thread=thread,
        author_posts=author_posts,
        decisions=[
            {
                "action": d.action,
                "categories": list(d.categories),
                "reason": d.reason,
                "by": emails.get(d.user_id or 0, "(removed account)"),
                "at": d.created_at,
                "to": escalated_to.get(d.id, ""),
            }
            for d in decision_rows
        ],
        reports=report_views,
        incidents=[
            {"id": i.id, "ref": incidents.incident_ref(i.id), "stage": i.stage} for i in incident_rows
        ],
        sla=sla,
        overdue=overdue,
        assigned_to=emails.get(item.assigned_to_id or 0, "") if item.assigned_to_id else "",
        mine=item.assigned_to_id == user.id,
        due_at=item.due_at,
        assignees=[(u.id, u.email) for u in assignable_users(session, item.school_id)],
        report_platforms=[(k, p.name) for k, p in platform_reports.PLATFORMS.items()],
        default_platform=platform_reports.platform_for(post),
        reportable=bool(kinds) and not possible_iic,
        legal_only=legal_only,
        guidance={
            "iwf": platform_reports.IWF_GUIDANCE,
            "legal": platform_reports.LEGAL_ADVICE,
        },
        escalation=escalation,
        # Not the one it is escalated to already: escalating again passes it on.
        escalation_targets=[
            (u.id, f"{escalations.role_name(u.role)}: {u.email}")
            for u in escalations.targets(session, item.school_id, excluding=user.id)
            if escalation is None or u.id != escalation.to_user_id
        ],
    )
    audit.record(
        session,
        user=user,
        action="view.item",
        object_type="item",
        object_id=item.id,
        school_id=item.school_id,
    )
    return detail


# ---- incidents -------------------------------------------------------------------------


def visible_incident(session: Session, user: User, incident_id: int) -> ConductIncident | None:
    inc = session.get(ConductIncident, incident_id)
    if inc is None or (user.school_id is not None and inc.school_id != user.school_id):
        return None
    return inc


def incident_list(
    session: Session, user: User, status: str, school_id: int | None = None
) -> list[dict[str, Any]]:
    """The incidents the user may see, narrowed to `school_id` if given (accounts of every school)."""
    school_id = user.school_id if user.school_id is not None else school_id
    rows = incidents.list_incidents(session, school_id, status)
    names = {p.id: p.name for p in incidents.people(session, school_id)}
    schools = {s.id: s.name for s in session.scalars(select(School))} if user.school_id is None else {}
    audit.record(
        session,
        user=user,
        action="view.incidents",
        object_type="incident",
        object_id="list",
        school_id=school_id,
    )
    return [
        {
            "id": r.id,
            "school": schools.get(r.school_id, ""),
            "ref": incidents.incident_ref(r.id),
            "person": names.get(r.person_id or 0, ""),
            "stage": r.stage,
            "status": r.status,
            "opened_at": r.opened_at,
            "police": r.police_referred_at is not None,
            "legal": r.legal_advice_at is not None,
        }
        for r in rows
    ]


def incident_detail(session: Session, user: User, incident_id: int, policy: Policy) -> dict[str, Any] | None:
    inc = visible_incident(session, user, incident_id)
    if inc is None:
        return None
    person = session.get(Person, inc.person_id) if inc.person_id else None
    history = (
        [
            {
                "id": h.id,
                "ref": incidents.incident_ref(h.id),
                "stage": h.stage,
                "status": h.status,
                "opened_at": h.opened_at,
            }
            for h in incidents.person_history(session, person.id)
            if h.id != inc.id
        ]
        if person
        else []
    )
    items = incidents.incident_items(session, inc.id)
    users = _emails(session, {e.user_id for e in incidents.timeline(session, inc.id) if e.user_id})
    stages = policy.incidents.stages
    nxt = incidents.next_stage(inc, policy)
    out = {
        "id": inc.id,
        "ref": incidents.incident_ref(inc.id),
        "summary": inc.summary,
        "status": inc.status,
        "stage": inc.stage,
        "stages": [{"key": s.key, "title": s.title, "letter": s.letter} for s in stages],
        "stage_index": next((i for i, s in enumerate(stages) if s.key == inc.stage), -1),
        "next_stage": {"key": nxt.key, "title": nxt.title, "letter": nxt.letter} if nxt else None,
        "beside": [
            {"key": key, "title": b.title, "letter": b.letter} for key, b in policy.incidents.beside.items()
        ],
        "police_referred_at": inc.police_referred_at,
        "police_reference": inc.police_reference,
        "legal_advice_at": inc.legal_advice_at,
        "opened_at": inc.opened_at,
        "person": (
            {
                "id": person.id,
                "name": person.name,
                "relationship": person.relationship_to_school,
                "address": person.address,
                "handles": person.handles,
            }
            if person
            else None
        ),
        "history": history,
        "people": [{"id": p.id, "name": p.name} for p in incidents.people(session, inc.school_id)],
        "posts": [
            {
                "item_id": i.id,
                "categories": list(i.categories or []),
                "post": _post_view(i.post),
            }
            for i in items
        ],
        "letters": [
            {
                "id": lt.id,
                "template": lt.template,
                "title": lt.template.replace("_", " ").capitalize(),
                "stage": lt.stage,
                "body": lt.body,
                "created_at": lt.created_at,
                "sent_at": lt.sent_at,
                # Still to complete before it can be marked sent.
                "unfilled": [] if lt.sent_at else letters.unfilled(lt.body),
            }
            for lt in incidents.letters_for(session, inc.id)
        ],
        "meetings": [
            {"held_on": m.held_on, "attendees": m.attendees, "outcome": m.outcome}
            for m in incidents.meetings_for(session, inc.id)
        ],
        "timeline": [
            {"at": e.at, "kind": e.kind, "summary": e.summary, "by": users.get(e.user_id or 0, "")}
            for e in incidents.timeline(session, inc.id)
        ],
    }
    audit.record(
        session,
        user=user,
        action="view.incident",
        object_type="incident",
        object_id=inc.id,
        school_id=inc.school_id,
    )
    return out


def record_decision(
    session: Session,
    user: User,
    item: ReviewItem,
    *,
    action: str,
    reason: str,
    categories: Sequence[str],
    policy: Policy,
    escalate_to: int | None = None,
    as_holder: bool = False,
    standard_reason: str = "",
    bulk: bool = False,
) -> Decision:
    """A decision on an item, audited.  The HTML forms, the JSON endpoint and bulk actions call this.

    The reason is a standard one from the policy (`standard_reason`), free text, or both.
    Escalating names `escalate_to`; `as_holder` is the form of the account the item is
    escalated to (review_queue.escalations), which every decision goes through.
    """
    decision = escalations.act(
        session,
        user,
        item,
        action=action,
        reason=reason_text(standard_reason, reason, policy.reasons.offered(action)),
        categories=categories,
        known_categories=list(policy.categories),
        recognised=list(policy.recognised),
        escalate_to=escalate_to,
        as_holder=as_holder,
    )
    detail: dict[str, Any] = {
        "decision_id": decision.id,
        "action": action,
        "categories": list(decision.categories),
    }
    if action == "escalate":
        detail["escalated_to"] = escalate_to
    if bulk:
        detail["bulk"] = True
    audit.record(
        session,
        user=user,
        action="decide",
        object_type="item",
        object_id=item.id,
        school_id=item.school_id,
        detail=detail,
    )
    return decision


# A selection larger than this is refused: two queue pages is plenty to decide at once.
MAX_BULK_ITEMS = 100


@dataclass(frozen=True)
class BulkOutcome:
    decided: list[int]
    # (item id, why it was left alone)
    refused: list[tuple[int, str]]


def bulk_dismiss(
    session: Session,
    user: User,
    item_ids: Sequence[int],
    *,
    standard_reason: str,
    reason: str,
    policy: Policy,
) -> BulkOutcome:
    """Dismiss each selected item with one reason, as if one by one: each decided and audited on its own.

    An item someone else is working on, one already decided, or one this account may not
    see is left alone and named in the outcome; the others are still dismissed.  Each
    keeps its own flagged categories as the decision's categories.  The reason is checked
    once, before anything is decided, so a bad reason decides nothing.
    """
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        raise DecisionError("select at least one item")
    if len(ids) > MAX_BULK_ITEMS:
        raise DecisionError(f"select at most {MAX_BULK_ITEMS} items at once")
    if len(reason_text(standard_reason, reason, policy.reasons.offered("dismiss"))) < MIN_REASON_CHARS:
        raise DecisionError("a decision needs a reason")
    decided: list[int] = []
    refused: list[tuple[int, str]] = []
    now = utcnow()
    for item_id in ids:
        item = visible_item(session, user, item_id)
        if item is None:
            refused.append((item_id, "not found"))
        elif item.status not in WAITING:
            refused.append((item_id, f"already {item.status}"))
        elif claimed_by_other(item, user.id, now):
            refused.append((item_id, "someone else is working on it"))
        else:
            try:
                record_decision(
                    session,
                    user,
                    item,
                    action="dismiss",
                    reason=reason,
                    standard_reason=standard_reason,
                    categories=list(item.categories or []),
                    policy=policy,
                    bulk=True,
                )
            except DecisionError as exc:  # escalated to someone else, for one
                refused.append((item_id, str(exc)))
                continue
            decided.append(item_id)
    return BulkOutcome(decided, refused)
