"""The queue list: search, filters, paging, SLA timers, assignment and counts; bulk dismissal; CSV exports."""

from __future__ import annotations

import dataclasses
from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from review_queue.models import User
from review_queue.permissions import Permission, allows
from review_queue.web import exports, views
from review_queue.web.deps import db_session, render, require
from review_queue.web.queue_url import STATUSES, read_view, read_view_string, view_query

router = APIRouter()


@router.get("/queue")
def queue_list(
    request: Request,
    user: User = Depends(require(Permission.READ_CONTENT)),
    session: Session = Depends(db_session),
) -> Response:
    policy = request.app.state.config.policy
    f = read_view(request.query_params, policy, views.school_choices(session, user))
    escalated_to = request.query_params.get("escalated_to", "")
    if escalated_to not in ("", "me"):
        raise HTTPException(status_code=400, detail="Unknown filter value.")
    if escalated_to:  # the items escalated to the viewer that still wait for them
        f = dataclasses.replace(f, escalated_to=user.id)
    page = views.queue_page(session, user, f, policy)
    return render(
        request,
        user,
        "queue.html",
        {
            "page": page,
            "statuses": STATUSES,
            "can_decide": allows(user.role, Permission.DECIDE),
            "can_export": allows(user.role, Permission.EXPORT_CSV),
            "notice": request.session.pop("flash_notice", ""),
        },
    )


@router.post("/queue/bulk")
async def bulk_dismiss(
    request: Request,
    user: User = Depends(require(Permission.DECIDE)),
    session: Session = Depends(db_session),
) -> Response:
    """Dismiss the selected items with one reason; back to the same view, saying what was left alone."""
    policy = request.app.state.config.policy
    form = await request.form()
    schools = views.school_choices(session, user)
    # The view is read (a bad one refused) before anything is decided, and written back afresh.
    f = read_view_string(str(form.get("view", "")), policy, schools)
    view = view_query(f, schools)
    try:
        ids = [int(str(v)) for v in form.getlist("item_ids")]
    except ValueError:
        raise HTTPException(status_code=400, detail="Items are chosen by number.") from None
    outcome = views.bulk_dismiss(
        session,
        user,
        ids,
        standard_reason=str(form.get("standard_reason", "")),
        reason=str(form.get("reason", "")),
        policy=policy,
    )
    notice = f"Dismissed {len(outcome.decided)} item{'s' if len(outcome.decided) != 1 else ''}"
    notice += f": {', '.join(f'#{i}' for i in outcome.decided)}." if outcome.decided else "."
    if outcome.refused:
        notice += " Left alone: " + "; ".join(f"#{i} ({why})" for i, why in outcome.refused) + "."
    request.session["flash_notice"] = {"text": notice}
    return RedirectResponse(f"/queue?{view}" if view else "/queue", status_code=303)


def _date(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(status_code=400, detail="Dates are written YYYY-MM-DD.") from None


@router.get("/queue.csv")
def queue_csv(
    request: Request,
    user: User = Depends(require(Permission.EXPORT_CSV)),
    session: Session = Depends(db_session),
) -> Response:
    """This view of the queue (every page of it), as a CSV a spreadsheet opens safely; audited."""
    policy = request.app.state.config.policy
    f = read_view(request.query_params, policy, views.school_choices(session, user))
    return exports.csv_response(exports.queue_csv(session, user, f, policy), "gatepost-queue")


@router.get("/decisions.csv")
def decisions_csv(
    request: Request,
    since: str = "",
    until: str = "",
    school: str = "",
    user: User = Depends(require(Permission.EXPORT_CSV)),
    session: Session = Depends(db_session),
) -> Response:
    """Every decision recorded between two dates (UTC days, either may be open), as CSV; audited."""
    schools = views.school_choices(session, user)
    if school and (schools is None or school not in schools):
        raise HTTPException(status_code=400, detail="Unknown filter value.")
    school_id = schools[school] if school and schools is not None else None
    table = exports.decisions_csv(session, user, _date(since), _date(until), school_id)
    return exports.csv_response(table, "gatepost-decisions")
