"""Queue state changes and queries: judgements in, flagged items out, decisions recorded.

Functions take the session first and never commit.  The web handlers and the jobs
both call these, so a form and a JSON endpoint do the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, cast, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, contains_eager

from classifiers.policy import Policy
from review_queue.models import Decision, Escalation, Judgement, Post, ReviewItem, utcnow

ACTIONS = ("dismiss", "confirm", "escalate", "note", "hand_back")
# An item's status after each action ("note" leaves it as it was).  Escalating and handing
# back go through review_queue.escalations, which names who the item goes to.
STATUS_AFTER = {"dismiss": "dismissed", "confirm": "confirmed", "escalate": "escalated", "hand_back": "open"}
# The actions a policy offers standard reasons for (policy.toml [reasons]).
REASONED_ACTIONS = ("confirm", "dismiss", "escalate")
# "Criticism, not misconduct" in one action: a dismissal with this category and reason.
# The category is the policy's [recognised.criticism]: never a breach, so never confirmed.
CRITICISM = "criticism"
CRITICISM_REASON = (
    "Criticism, not misconduct: a civil complaint or opinion about the school, which the code "
    "of conduct leaves parents free to make."
)
# A reason longer than this is an essay (or an attack): it is stored, audited and printed.
MAX_REASON_CHARS = 4_000
# A reason shorter than this is not a reason.
MIN_REASON_CHARS = 3


# Statuses that still need a decision (an escalated item waits for the DSL).
WAITING = ("open", "escalated")
# A claim on an item lapses after this long, so an item is never stuck with someone who left.
CLAIM_TTL = timedelta(hours=2)


class DecisionError(ValueError):
    """A decision that cannot be recorded as asked (bad action, no reason, unknown category)."""


class ClaimedElsewhere(DecisionError):
    """The item is being worked by another reviewer: no two reviewers work the same item."""


def record_judgement(
    session: Session,
    post: Post,
    judgement: Mapping[str, Any],
    policy: Policy,
) -> ReviewItem | None:
    """Store a post's judgement; queue it when it carries flags.  Returns the new item, if any."""
    row = session.scalar(select(Judgement).where(Judgement.post_id == post.id))
    if row is None:
        row = Judgement(post_id=post.id)
        session.add(row)
    row.model_version = str(judgement.get("model_version", ""))
    row.flags = list(judgement.get("flags", []))
    row.scores = dict(judgement.get("scores", {}))
    row.severity = str(judgement.get("severity", "none"))
    row.evidence = list(judgement.get("evidence", []))
    row.recognised = list(judgement.get("recognised", []))
    row.judged_at = utcnow()
    if not row.flags:
        return None
    existing = session.scalar(select(ReviewItem).where(ReviewItem.post_id == post.id))
    if existing is not None:
        return None
    item = ReviewItem(
        post_id=post.id,
        school_id=post.school_id,
        status="open",
        severity=row.severity,
        severity_rank=policy.rank(row.severity),
        categories=list(row.flags),
        created_at=utcnow(),
        due_at=_due(policy, row.flags),
    )
    session.add(item)
    session.flush()
    return item


def _due(policy: Policy, flags: Sequence[str]) -> datetime | None:
    hours = policy.sla_hours(flags)
    return utcnow() + timedelta(hours=hours) if hours else None


def open_items(session: Session, school_id: int | None = None, limit: int = 100) -> list[ReviewItem]:
    """Items awaiting a decision, most severe first, then oldest."""
    q = select(ReviewItem).where(ReviewItem.status == "open")
    if school_id is not None:
        q = q.where(ReviewItem.school_id == school_id)
    q = q.order_by(ReviewItem.severity_rank.desc(), ReviewItem.created_at, ReviewItem.id).limit(limit)
    return list(session.scalars(q))


def status_counts(session: Session, school_id: int | None = None) -> dict[str, int]:
    q = select(ReviewItem.status, func.count()).group_by(ReviewItem.status)
    if school_id is not None:
        q = q.where(ReviewItem.school_id == school_id)
    return {status: n for status, n in session.execute(q)}


def decide(
    session: Session,
    item: ReviewItem,
    *,
    action: str,
    reason: str,
    categories: Sequence[str],
    user_id: int | None,
    known_categories: Sequence[str],
    recognised: Sequence[str] = (),
) -> Decision:
    """Record a reviewer's decision on an item and move it to its new status.

    `known_categories` are the policy's flag categories; `recognised` its never-a-breach
    ones (criticism), which a confirmation may not name.
    """
    if action not in ACTIONS:
        raise DecisionError(f"unknown action {action!r}")
    if claimed_by_other(item, user_id):
        raise ClaimedElsewhere("another reviewer is working on this item")
    reason = reason.strip()
    if len(reason) < MIN_REASON_CHARS:
        raise DecisionError("a decision needs a reason")
    if len(reason) > MAX_REASON_CHARS:
        raise DecisionError(f"a reason takes at most {MAX_REASON_CHARS} characters")
    cats = [c for c in dict.fromkeys(categories)]
    unknown = [c for c in cats if c not in known_categories and c not in recognised]
    if unknown:
        raise DecisionError(f"unknown categories: {', '.join(unknown)}")
    never_a_breach = [c for c in cats if c in recognised and c not in known_categories]
    if never_a_breach and action == "confirm":
        raise DecisionError(f"{', '.join(never_a_breach)} is never a breach: dismiss the item instead")
    if not cats:
        raise DecisionError("a decision needs a policy category")
    decision = Decision(item_id=item.id, user_id=user_id, action=action, categories=cats, reason=reason)
    session.add(decision)
    if action in STATUS_AFTER:
        item.status = STATUS_AFTER[action]
        # Handed back, the item waits for a decision again.
        item.decided_at = None if action == "hand_back" else utcnow()
        if action == "confirm":
            item.categories = cats
    session.flush()
    return decision


# A queue page: a morning's flags on one screen, and still quick to load on a phone.
PAGE_SIZE = 50
# A search longer than this is a paste, not a search; words past the limit are ignored.
MAX_SEARCH_CHARS = 200
MAX_SEARCH_TERMS = 8
_TERM = re.compile(r'"([^"]+)"|(\S+)')


def reason_text(standard: str, details: str, offered: Sequence[str]) -> str:
    """A decision's reason: a standard reason the policy offers for the action, free text, or both.

    A standard reason not offered for this action (a dismissal's reason on a confirmation)
    is refused rather than stored under the wrong decision.
    """
    standard, details = standard.strip(), details.strip()
    if standard and standard not in offered:
        raise DecisionError("that standard reason is not one the policy offers for this action")
    return f"{standard} — {details}" if standard and details else standard or details


@dataclass(frozen=True)
class QueueFilter:
    """What the queue list shows.  Empty fields mean "any"."""

    status: str = "waiting"  # "waiting" = open or escalated: everything still needing a decision
    category: str = ""
    severity: str = ""
    source: str = ""  # a post kind: reddit, x, ...
    since: date | None = None
    until: date | None = None
    # Search: every word (or "quoted phrase") appears in the post's text, its author or
    # the name of one of the item's categories.
    q: str = ""
    # One school, for an account that sees every school (None: all it may see).
    school_id: int | None = None
    page: int = 1
    limit: int = PAGE_SIZE
    # An account id: only items escalated to that account and still waiting for it.
    escalated_to: int | None = None


def search_terms(q: str) -> list[str]:
    """The words and "quoted phrases" of a search, at most MAX_SEARCH_TERMS of them."""
    terms = [(m.group(1) or m.group(2)).strip().strip('"') for m in _TERM.finditer(q[:MAX_SEARCH_CHARS])]
    return [t for t in terms if t][:MAX_SEARCH_TERMS]


def _conditions(
    session: Session, school_id: int | None, f: QueueFilter, labels: Mapping[str, str]
) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a queue view, on ReviewItem (and Post for `source`: `_ids` joins it)."""
    where: list[ColumnElement[bool]] = []
    scope = school_id if school_id is not None else f.school_id
    if scope is not None:
        where.append(ReviewItem.school_id == scope)
    if f.status == "waiting":
        where.append(ReviewItem.status.in_(WAITING))
    elif f.status:
        where.append(ReviewItem.status == f.status)
    if f.severity:
        where.append(ReviewItem.severity == f.severity)
    if f.source:
        where.append(Post.kind == f.source)
    if f.category:
        where.append(_has_category(session, f.category))
    if f.escalated_to is not None:
        where.append(ReviewItem.status == "escalated")
        where.append(
            exists().where(
                Escalation.item_id == ReviewItem.id,
                Escalation.outcome == "open",
                Escalation.to_user_id == f.escalated_to,
            )
        )
    if f.since:
        where.append(ReviewItem.created_at >= datetime.combine(f.since, time.min, UTC))
    if f.until:
        where.append(ReviewItem.created_at < datetime.combine(f.until + timedelta(days=1), time.min, UTC))
    terms = search_terms(f.q)
    if terms:
        where.append(_matches(session, terms, labels))
    return where


def _matches(session: Session, terms: Sequence[str], labels: Mapping[str, str]) -> ColumnElement[bool]:
    """Every term is in the item's post text, its author or the name of one of its categories.

    A correlated subquery on the item's own post, so the database reads the posts of the
    items it is already walking (the waiting few hundred, in queue order) rather than
    scanning all of a school's posts for the words first: the cost follows the number of
    items, not of posts.  A category matches by its key, its key in words ("pupil image") or
    the label the policy gives it (`labels`: key -> label).
    """
    each = []
    for term in terms:
        lowered = term.lower()
        named = [
            c
            for c, label in labels.items()
            if any(lowered in name.lower() for name in (c, c.replace("_", " "), label))
        ]
        each.append(
            or_(
                Post.text.icontains(term, autoescape=True),
                Post.author_handle.icontains(term, autoescape=True),
                *(_has_category(session, c) for c in named),
            )
        )
    own_post = select(and_(*each)).where(Post.id == ReviewItem.post_id).correlate(ReviewItem)
    return own_post.scalar_subquery().is_(True)


# The queue's order: most severe first, then oldest, then by id so that ties never swap.
_ORDER = (ReviewItem.severity_rank.desc(), ReviewItem.created_at, ReviewItem.id)


def list_items(
    session: Session, school_id: int | None, f: QueueFilter, labels: Mapping[str, str]
) -> list[ReviewItem]:
    """One page of the items matching the filter, in the queue's order, each with its post loaded.

    Filtering, ordering, the offset and the limit all happen in SQL, so a page costs the
    same with fifty thousand decided items behind it as with fifty: the page's ids are a
    walk of ix_items_queue in this order, then one query loads those items with their
    posts (not one query per row).  Search is a substring match with no text index
    (`_matches`): it reads the posts of the items walked, the few hundred waiting ones by
    default, all of a school's items when the reviewer asks for every status.  `labels` are
    the policy's category labels (`Policy.labels`), which a search matches too.
    """
    page = _ids(session, school_id, f, labels).offset((max(f.page, 1) - 1) * f.limit).limit(f.limit)
    ids = list(session.scalars(page))
    if not ids:
        return []
    q = (
        select(ReviewItem)
        .join(Post, Post.id == ReviewItem.post_id)
        .options(contains_eager(ReviewItem.post))
        .where(ReviewItem.id.in_(ids))
    )
    place = {item_id: n for n, item_id in enumerate(ids)}
    return sorted(session.scalars(q), key=lambda i: place[i.id])


def _ids(session: Session, school_id: int | None, f: QueueFilter, labels: Mapping[str, str]) -> Select[int]:
    """The ids of the items a view holds, in the queue's order; posts joined only for a source."""
    q = select(ReviewItem.id)
    if f.source:
        q = q.join(Post, Post.id == ReviewItem.post_id)
    return q.where(*_conditions(session, school_id, f, labels)).order_by(*_ORDER)


def count_items(session: Session, school_id: int | None, f: QueueFilter, labels: Mapping[str, str]) -> int:
    """How many items match the filter, on every page (a walk of ix_items_queue, no posts read
    unless the filter names a source or searches)."""
    ids = _ids(session, school_id, f, labels).order_by(None).subquery()
    return int(session.scalar(select(func.count()).select_from(ids)) or 0)


def next_waiting(
    session: Session,
    school_id: int | None,
    f: QueueFilter,
    current: ReviewItem,
    user_id: int,
    labels: Mapping[str, str],
) -> int | None:
    """The next item in this view, after `current` in the queue's order, that still needs a decision.

    Items someone else is working on are passed over.  When none comes after `current`, the
    first waiting one before it (one the reviewer skipped); None when the view holds no
    other waiting item.  Two index-ordered LIMIT 1 reads.
    """
    now = utcnow()
    where = [
        ReviewItem.status.in_(WAITING),
        ReviewItem.id != current.id,
        or_(
            ReviewItem.assigned_to_id.is_(None),
            ReviewItem.assigned_to_id == user_id,
            ReviewItem.assigned_at.is_(None),
            ReviewItem.assigned_at < now - CLAIM_TTL,
        ),
    ]
    after = or_(
        ReviewItem.severity_rank < current.severity_rank,
        and_(
            ReviewItem.severity_rank == current.severity_rank,
            or_(
                ReviewItem.created_at > current.created_at,
                and_(ReviewItem.created_at == current.created_at, ReviewItem.id > current.id),
            ),
        ),
    )
    q = _ids(session, school_id, f, labels).limit(1)
    found = session.scalar(q.where(*where, after))
    return found if found is not None else session.scalar(q.where(*where))


def _has_category(session: Session, category: str) -> ColumnElement[bool]:
    """`category` is one of the item's categories (a JSON list of strings)."""
    if session.get_bind().dialect.name == "postgresql":
        # The column is json, not jsonb: containment needs the cast.
        return cast(ReviewItem.categories, JSONB).contains([category])
    each = func.json_each(ReviewItem.categories).table_valued("value")
    return exists().select_from(each).where(each.c.value == category)


def claimed_by_other(item: ReviewItem, user_id: int | None, now: datetime | None = None) -> bool:
    if item.assigned_to_id is None or item.assigned_to_id == user_id or item.assigned_at is None:
        return False
    return (now or utcnow()) - item.assigned_at < CLAIM_TTL


def claim(session: Session, item: ReviewItem, user_id: int) -> None:
    """Take an item to work on.  Conditional UPDATE, so two reviewers cannot both win."""
    now = utcnow()
    result = session.execute(
        update(ReviewItem)
        .where(
            ReviewItem.id == item.id,
            or_(
                ReviewItem.assigned_to_id.is_(None),
                ReviewItem.assigned_to_id == user_id,
                ReviewItem.assigned_at < now - CLAIM_TTL,
            ),
        )
        .values(assigned_to_id=user_id, assigned_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ClaimedElsewhere("another reviewer is working on this item")
    session.refresh(item)


def release(session: Session, item: ReviewItem, user_id: int, *, force: bool = False) -> None:
    """Give an item back.  `force` lets a DSL take it back from someone else."""
    if claimed_by_other(item, user_id) and not force:
        raise ClaimedElsewhere("another reviewer is working on this item")
    item.assigned_to_id = None
    item.assigned_at = None
    session.flush()


def assign(session: Session, item: ReviewItem, assignee_id: int) -> None:
    """A DSL hands an item to someone: unlike `claim`, this takes it from whoever held it."""
    item.assigned_to_id = assignee_id
    item.assigned_at = utcnow()
    session.flush()
