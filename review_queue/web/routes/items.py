"""One queue item: its detail page, claiming it, deciding it, and its platform report drafts."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from classifiers.policy import Policy
from review_queue import audit, queue
from review_queue.casework import platform_reports
from review_queue.models import PlatformReport, ReviewItem, User
from review_queue.permissions import Permission, allows
from review_queue.queue import QueueFilter
from review_queue.web import views
from review_queue.web.deps import db_session, render, require, school_details
from review_queue.web.headers import app_csp
from review_queue.web.queue_url import read_view, read_view_string, view_query

router = APIRouter()


def _item(session: Session, user: User, item_id: int) -> ReviewItem:
    item = views.visible_item(session, user, item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="No such item.")
    return item


def _back(item_id: int, anchor: str = "", view: str = "") -> RedirectResponse:
    return RedirectResponse(f"/items/{item_id}{'?' + view if view else ''}{anchor}", status_code=303)


def _view(session: Session, user: User, policy: Policy, raw: str) -> tuple[QueueFilter, str]:
    """The queue view a form came from (its hidden `view` field), read and written back afresh."""
    schools = views.school_choices(session, user)
    f = read_view_string(raw, policy, schools)
    return f, view_query(f, schools)


@router.get("/items/{item_id}")
def item_page(
    request: Request,
    item_id: int,
    user: User = Depends(require(Permission.READ_CONTENT)),
    session: Session = Depends(db_session),
) -> Response:
    policy = request.app.state.config.policy
    schools = views.school_choices(session, user)
    # The queue view the item was opened from: a decision leads to the next item in it.
    f = read_view(request.query_params, policy, schools)
    detail = views.item_detail(session, user, item_id, policy)
    if detail is None:
        raise HTTPException(status_code=404, detail="No such item.")
    error = request.session.pop("flash_error", "")
    return render(
        request,
        user,
        "item.html",
        {
            "item": detail,
            "view": view_query(f, schools),
            "next_id": views.next_in_view(session, user, f, _item(session, user, item_id), policy),
            "reasons": {a: policy.reasons.offered(a) for a in queue.REASONED_ACTIONS},
            "notice": request.session.pop("flash_notice", ""),
            "policy_categories": list(policy.categories),
            "can_decide": allows(user.role, Permission.DECIDE),
            "can_manage_queue": allows(user.role, Permission.MANAGE_QUEUE),
            "can_report": allows(user.role, Permission.REPORT),
            "can_incident": allows(user.role, Permission.INCIDENT_WRITE),
            "escalated_to_me": detail.escalation is not None and detail.escalation.to_user_id == user.id,
            "criticism": {"category": queue.CRITICISM, "reason": queue.CRITICISM_REASON},
            "outcomes": platform_reports.OUTCOMES,
            "error": error,
        },
    )


@router.get("/items/{item_id}/media/{n}")
def media_page(
    request: Request,
    item_id: int,
    n: int,
    user: User = Depends(require(Permission.READ_CONTENT)),
    session: Session = Depends(db_session),
) -> Response:
    """One attachment, loaded only because the reviewer asked: audited, and the only remote image allowed."""
    policy = request.app.state.config.policy
    detail = views.item_detail(session, user, item_id, policy)
    if detail is None or not 0 <= n < len(detail.images) or not detail.images[n]["src"]:
        raise HTTPException(status_code=404, detail="No such attachment (or it may not be shown).")
    image = detail.images[n]
    item = _item(session, user, item_id)
    audit.record(
        session,
        user=user,
        action="item.media_viewed",
        object_type="item",
        object_id=item_id,
        school_id=item.school_id,
    )
    response = render(request, user, "media.html", {"item": detail, "image": image, "n": n})
    origin = views.origin_of(image["src"])
    response.headers["Content-Security-Policy"] = app_csp(img_src=f"'self' {origin}")
    return response


@router.post("/items/{item_id}/claim")
def claim(
    request: Request,
    item_id: int,
    view: str = Form(""),
    user: User = Depends(require(Permission.DECIDE)),
    session: Session = Depends(db_session),
) -> Response:
    item = _item(session, user, item_id)
    queue.claim(session, item, user.id)
    return _back(item_id, view=_view(session, user, request.app.state.config.policy, view)[1])


@router.post("/items/{item_id}/assign")
def assign(
    item_id: int,
    assignee_id: int = Form(...),
    user: User = Depends(require(Permission.MANAGE_QUEUE)),
    session: Session = Depends(db_session),
) -> Response:
    item = _item(session, user, item_id)
    if assignee_id not in {u.id for u in views.assignable_users(session, item.school_id)}:
        raise HTTPException(status_code=400, detail="That person cannot take queue items.")
    queue.assign(session, item, assignee_id)
    audit.record(
        session,
        user=user,
        action="assign",
        object_type="item",
        object_id=item.id,
        school_id=item.school_id,
        detail={"assignee_id": assignee_id},
    )
    return _back(item_id)


@router.post("/items/{item_id}/release")
def release(
    request: Request,
    item_id: int,
    view: str = Form(""),
    user: User = Depends(require(Permission.DECIDE)),
    session: Session = Depends(db_session),
) -> Response:
    item = _item(session, user, item_id)
    queue.release(session, item, user.id, force=allows(user.role, Permission.MANAGE_QUEUE))
    return _back(item_id, view=_view(session, user, request.app.state.config.policy, view)[1])


def _decide(
    request: Request,
    session: Session,
    user: User,
    item_id: int,
    action: str,
    reason: str,
    categories: list[str],
    standard_reason: str = "",
    *,
    escalate_to: int | None = None,
    as_holder: bool = False,
) -> tuple[ReviewItem, int]:
    item = _item(session, user, item_id)
    decision = views.record_decision(
        session,
        user,
        item,
        action=action,
        reason=reason,
        standard_reason=standard_reason,
        categories=categories,
        policy=request.app.state.config.policy,
        escalate_to=escalate_to,
        as_holder=as_holder,
    )
    return item, decision.id


# What the notice on the next page says was done to the item just decided.
DONE = {"confirm": "confirmed", "dismiss": "dismissed", "escalate": "escalated"}


def _account_id(value: object) -> int | None:
    """An account id from a form's select; the form only offers ids, so anything else was forged."""
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        raise HTTPException(status_code=400, detail="Bad account id.") from None


@router.post("/items/{item_id}/decide")
async def decide(
    request: Request,
    item_id: int,
    user: User = Depends(require(Permission.DECIDE)),
    session: Session = Depends(db_session),
) -> Response:
    """Record the decision, then open the next item waiting in the same queue view.

    A note, or "record and stay", comes back to this item (a confirmed item often needs a
    platform report or an incident next); otherwise the next waiting item in the view the
    item was opened from, or that view of the queue when nothing else waits in it.  The
    page it lands on says what was done, with a link back.
    """
    policy = request.app.state.config.policy
    form = await request.form()
    f, view = _view(session, user, policy, str(form.get("view", "")))
    action = str(form.get("action", ""))
    item, _decision_id = _decide(
        request,
        session,
        user,
        item_id,
        action,
        str(form.get("reason", "")),
        [str(c) for c in form.getlist("categories")],
        str(form.get("standard_reason", "")),
        # Only an escalation names someone; the select is on the form whatever the action.
        escalate_to=_account_id(form.get("escalate_to")) if action == "escalate" else None,
    )
    # An escalation stays on the item, to show who has it now.
    if action not in DONE or action == "escalate" or form.get("then") == "stay":
        return _back(item_id, view=view)
    next_id = views.next_in_view(session, user, f, item, policy)
    text = f"Item #{item_id} {DONE[action]}."
    if next_id is None:
        text += " Nothing else is waiting in this view."
    request.session["flash_notice"] = {"text": text, "item_id": item_id, "follow_up": action == "confirm"}
    if next_id is None:
        return RedirectResponse(f"/queue?{view}" if view else "/queue", status_code=303)
    return _back(next_id, view=view)


@router.post("/items/{item_id}/escalation")
async def decide_escalated(
    request: Request,
    item_id: int,
    user: User = Depends(require(Permission.TAKE_ESCALATIONS)),
    session: Session = Depends(db_session),
) -> Response:
    """The form of the account an item is escalated to: confirm, dismiss, or hand it back with a note."""
    form = await request.form()
    _decide(
        request,
        session,
        user,
        item_id,
        str(form.get("action", "")),
        str(form.get("reason", "")),
        [str(c) for c in form.getlist("categories")],
        str(form.get("standard_reason", "")),
        as_holder=True,
    )
    return _back(item_id)


class DecisionIn(BaseModel):
    action: str
    reason: str = ""
    categories: list[str]
    # The account an escalation goes to (an escalation must name one).
    escalate_to: int | None = None
    # One of the policy's standard reasons for the action; `reason` may add to it.
    standard_reason: str = ""


@router.post("/api/items/{item_id}/decision")
def decide_json(
    request: Request,
    item_id: int,
    body: DecisionIn,
    user: User = Depends(require(Permission.DECIDE)),
    session: Session = Depends(db_session),
) -> JSONResponse:
    """The same decision as the form, for scripts; send the CSRF token as X-CSRF-Token."""
    _item_row, decision_id = _decide(
        request,
        session,
        user,
        item_id,
        body.action,
        body.reason,
        body.categories,
        body.standard_reason,
        escalate_to=body.escalate_to if body.action == "escalate" else None,
    )
    return JSONResponse({"item_id": item_id, "decision_id": decision_id}, status_code=201)


@router.post("/items/{item_id}/possible-iic")
def possible_iic(
    item_id: int,
    user: User = Depends(require(Permission.REPORT)),
    session: Session = Depends(db_session),
) -> Response:
    item = _item(session, user, item_id)
    platform_reports.mark_possible_indecent_image(session, item, user.id)
    audit.record(
        session,
        user=user,
        action="mark.possible_iic",
        object_type="item",
        object_id=item.id,
        school_id=item.school_id,
    )
    return _back(item_id)


@router.post("/items/{item_id}/reports")
def draft_report(
    request: Request,
    item_id: int,
    platform: str = Form(...),
    staff_targeted: str = Form(""),
    user: User = Depends(require(Permission.REPORT)),
    session: Session = Depends(db_session),
) -> Response:
    item = _item(session, user, item_id)
    report = platform_reports.draft_report(
        session,
        item,
        platform=platform,
        policy=request.app.state.config.policy,
        school_name=school_details(request, session, item.school_id).name,
        user_id=user.id,
        staff_targeted=bool(staff_targeted),
    )
    audit.record(
        session,
        user=user,
        action="report.draft",
        object_type="item",
        object_id=item.id,
        school_id=item.school_id,
        detail={"report_id": report.id, "platform": platform},
    )
    return _back(item_id, f"#report-{report.id}")


@router.post("/reports/{report_id}")
def record_report(
    report_id: int,
    reference: str = Form(""),
    outcome: str = Form(""),
    user: User = Depends(require(Permission.REPORT)),
    session: Session = Depends(db_session),
) -> Response:
    report = session.get(PlatformReport, report_id)
    if report is None:
        raise HTTPException(status_code=404, detail="No such report.")
    item = _item(session, user, report.item_id)
    platform_reports.record_outcome(session, report, reference=reference or None, outcome=outcome or None)
    audit.record(
        session,
        user=user,
        action="report.record",
        object_type="report",
        object_id=report.id,
        school_id=item.school_id,
        detail={"outcome": report.outcome},
    )
    return _back(item.id, f"#report-{report.id}")
