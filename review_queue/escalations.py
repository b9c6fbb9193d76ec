"""Escalation: a queue item handed up to a named account for its decision, and handed back.

Every decision on an item passes through `act`, so that escalations are kept straight
whichever form or endpoint made it:

- escalating names who the item goes to: an active account of the item's school whose
  role may take escalations (`Permission.TAKE_ESCALATIONS`: the DSLs, a deputy DSL's
  account among them, and the headteacher).  It owes them an email (`notices`), and the
  item shows as escalated to them in the queue until it is decided or handed back;
- while an item is escalated, only the account it is escalated to, or someone who manages
  the queue (the DSL), may confirm or dismiss it; anyone who decides items may add a note;
- the account it is escalated to may decide it, or hand it back with a note, which puts it
  back in the queue as the escalator's item and owes the escalator an email;
- escalating it again, to someone else, passes it on.

The item's status says whether it is escalated; `Escalation` rows say to whom, by whom
and how each ended, and the reasons are the item's decisions.  Functions take the session
first and never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from review_queue import notices
from review_queue.models import Decision, Escalation, ReviewItem, User, utcnow
from review_queue.permissions import ROLES_FOR, Permission, allows
from review_queue.queue import DecisionError, assign, decide

# How an escalation ended (Escalation.outcome).  Stored: never rename one.
OPEN = "open"
DECIDED = "decided"
HANDED_BACK = "handed_back"
PASSED_ON = "passed_on"
# What the account an item is escalated to may do with it, on its own form.
HOLDER_ACTIONS = ("confirm", "dismiss", "hand_back")
# How each role is named where an escalation's target is offered or shown.
ROLE_NAMES = {"dsl": "DSL", "headteacher": "Headteacher"}


class EscalationError(DecisionError):
    """An escalation that cannot be made, or acted on, as asked."""


@dataclass(frozen=True)
class EscalationView:
    """An open escalation as plain data, for pages."""

    to_user_id: int | None
    to: str
    to_role: str
    by: str
    at: datetime


def targets(session: Session, school_id: int, *, excluding: int | None = None) -> list[User]:
    """Who an item of this school can be escalated to: active accounts that may take escalations."""
    q = select(User).where(
        User.school_id == school_id,
        User.role.in_(sorted(ROLES_FOR[Permission.TAKE_ESCALATIONS])),
        User.disabled.is_(False),
    )
    if excluding is not None:
        q = q.where(User.id != excluding)
    return sorted(session.scalars(q), key=lambda u: (u.role != "headteacher", u.email))


def role_name(role: str) -> str:
    return ROLE_NAMES.get(role, role)


def current(session: Session, item: ReviewItem) -> Escalation | None:
    """The item's open escalation, if it is escalated (an item escalated before escalations
    were named has none)."""
    if item.status != "escalated":
        return None
    return session.scalar(
        select(Escalation)
        .where(Escalation.item_id == item.id, Escalation.outcome == OPEN)
        .order_by(Escalation.id.desc())
        .limit(1)
    )


def open_for(session: Session, item_ids: Iterable[int]) -> dict[int, EscalationView]:
    """The open escalation of each of these items that is still escalated, by item id."""
    ids = list(item_ids)
    if not ids:
        return {}
    rows = list(
        session.scalars(
            select(Escalation)
            .join(ReviewItem, ReviewItem.id == Escalation.item_id)
            .where(
                Escalation.item_id.in_(ids),
                Escalation.outcome == OPEN,
                ReviewItem.status == "escalated",
            )
            .order_by(Escalation.id)
        )
    )
    named = {r.to_user_id or 0 for r in rows} | {r.by_user_id or 0 for r in rows}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(named)))}
    out: dict[int, EscalationView] = {}
    for r in rows:  # oldest first: the newest open one wins
        to = users.get(r.to_user_id or 0)
        by = users.get(r.by_user_id or 0)
        out[r.item_id] = EscalationView(
            to_user_id=r.to_user_id,
            to=to.email if to else "(removed account)",
            to_role=role_name(to.role) if to else "",
            by=by.email if by else "(removed account)",
            at=r.created_at,
        )
    return out


def waiting_for(session: Session, user_id: int) -> int:
    """How many items are escalated to this account and still wait for it."""
    return int(
        session.scalar(
            select(func.count(func.distinct(Escalation.item_id)))
            .join(ReviewItem, ReviewItem.id == Escalation.item_id)
            .where(
                Escalation.to_user_id == user_id,
                Escalation.outcome == OPEN,
                ReviewItem.status == "escalated",
            )
        )
        or 0
    )


def _resolve(esc: Escalation, outcome: str, user: User) -> None:
    esc.outcome = outcome
    esc.resolved_at = utcnow()
    esc.resolved_by_id = user.id


def act(
    session: Session,
    user: User,
    item: ReviewItem,
    *,
    action: str,
    reason: str,
    categories: Sequence[str],
    known_categories: Sequence[str],
    recognised: Sequence[str] = (),
    escalate_to: int | None = None,
    as_holder: bool = False,
) -> Decision:
    """Record one decision on an item, keeping its escalation straight (see the module docstring).

    `as_holder` is the escalated-to account's own form: it refuses anyone the item is not
    escalated to, and any action but confirm, dismiss and hand back.
    """
    esc = current(session, item)
    holder = esc is not None and esc.to_user_id == user.id
    if as_holder and not holder:
        raise EscalationError("This item is not escalated to you.")
    if as_holder and action not in HOLDER_ACTIONS:
        raise EscalationError("Confirm it, dismiss it, or hand it back with a note.")

    def record(action: str = action) -> Decision:
        return decide(
            session,
            item,
            action=action,
            reason=reason,
            categories=categories,
            user_id=user.id,
            known_categories=known_categories,
            recognised=recognised,
        )

    if action == "escalate":
        if escalate_to is None:
            raise EscalationError("Say who the item is escalated to.")
        if escalate_to not in {u.id for u in targets(session, item.school_id, excluding=user.id)}:
            raise EscalationError("That account cannot take escalations at this school.")
        decision = record()
        if esc is not None:
            _resolve(esc, PASSED_ON, user)
        session.add(
            Escalation(
                item_id=item.id,
                school_id=item.school_id,
                to_user_id=escalate_to,
                by_user_id=user.id,
                created_at=utcnow(),
            )
        )
        # Nobody holds a claim on an escalated item: the escalation says who has it.
        item.assigned_to_id = None
        item.assigned_at = None
        notices.owe(
            session, school_id=item.school_id, item_id=item.id, user_id=escalate_to, kind=notices.ESCALATED
        )
        session.flush()
        return decision

    if action == "hand_back":
        if esc is None or not holder:
            raise EscalationError("Only the person an item is escalated to can hand it back.")
        decision = record()
        _resolve(esc, HANDED_BACK, user)
        escalator = session.get(User, esc.by_user_id) if esc.by_user_id else None
        if escalator is not None and not escalator.disabled:
            assign(session, item, escalator.id)
            notices.owe(
                session,
                school_id=item.school_id,
                item_id=item.id,
                user_id=escalator.id,
                kind=notices.HANDED_BACK,
            )
        session.flush()
        return decision

    deciding = action in ("confirm", "dismiss")
    if deciding and esc is not None and not holder and not allows(user.role, Permission.MANAGE_QUEUE):
        to = session.get(User, esc.to_user_id) if esc.to_user_id else None
        raise EscalationError(
            f"This item is escalated to {to.email if to else 'someone else'}: "
            "only they, or the DSL, may decide it."
        )
    decision = record()
    if esc is not None and item.status != "escalated":
        _resolve(esc, DECIDED, user)
        session.flush()
    return decision


def escalated_to_by_decision(session: Session, item_id: int, decisions: Sequence[Decision]) -> dict[int, str]:
    """Who each "escalate" decision on the item went to, by decision id (for its history).

    Each escalation is recorded with its decision, so the newest escalations pair with the
    newest "escalate" decisions; an escalation from before escalations were named has no
    row and no name.
    """
    rows = list(
        session.scalars(select(Escalation).where(Escalation.item_id == item_id).order_by(Escalation.id))
    )
    escalating = [d for d in decisions if d.action == "escalate"]
    pairs = list(zip(reversed(escalating), reversed(rows), strict=False))
    users = {
        u.id: u.email
        for u in session.scalars(select(User).where(User.id.in_({e.to_user_id or 0 for _, e in pairs})))
    }
    return {d.id: users.get(e.to_user_id or 0, "(removed account)") for d, e in pairs}
