"""The audit log, filtered and paged, and whether its chain holds; the labelled-feedback export."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from review_queue import audit, feedback
from review_queue.models import User
from review_queue.permissions import Permission, allows
from review_queue.web import views
from review_queue.web.deps import db_session, render, require

router = APIRouter()


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise HTTPException(status_code=400, detail="Dates are written YYYY-MM-DD.") from None


def _entry_id(value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise HTTPException(status_code=400, detail="Unknown page.")
    return int(value)


@router.get("/audit")
def audit_page(
    request: Request,
    kind: str = "changes",
    action: str = "",
    person: str = "",
    since: str = "",
    until: str = "",
    school: str = "",
    before: str = "",
    after: str = "",
    user: User = Depends(require(Permission.READ_AUDIT)),
    session: Session = Depends(db_session),
) -> Response:
    """Decisions and changes by default (page views one click away), filtered by person, action, date."""
    schools = views.school_choices(session, user)
    if kind not in audit.KINDS or (school and (schools is None or school not in schools)):
        raise HTTPException(status_code=400, detail="Unknown filter value.")
    f = audit.AuditFilter(
        kind=kind,
        action=action[:40],
        person=person[:254],
        since=_date(since),
        until=_date(until),
        school_id=schools[school] if school and schools else None,
        before=_entry_id(before),
        after=_entry_id(after),
    )
    filters = {
        "kind": kind,
        "action": f.action,
        "person": f.person,
        "since": since,
        "until": until,
        "school": school,
    }
    view = urlencode({k: v for k, v in filters.items() if v and (k, v) != ("kind", "changes")})
    people, actions = audit.choices(session, user.school_id)
    every_school = allows(user.role, Permission.EVERY_SCHOOL)
    return render(
        request,
        user,
        "audit.html",
        {
            "chain": audit.verify_chain(session),
            "page": audit.search(session, user.school_id, f),
            "filter": f,
            "school": school,
            "schools": views.school_names(session) if every_school else {},
            "view": view,
            "csv_view": urlencode({k: filters[k] for k in ("since", "until", "school") if filters[k]}),
            "people": people,
            "actions": actions,
            "kinds": {"changes": "decisions and changes", "views": "page views", "all": "everything"},
            "can_export": allows(user.role, Permission.EXPORT_CSV),
        },
    )


@router.get("/feedback.jsonl")
def feedback_export(
    user: User = Depends(require(Permission.EXPORT_FEEDBACK)), session: Session = Depends(db_session)
) -> Response:
    lines = [json.dumps(e, ensure_ascii=False) for e in feedback.labelled_feedback(session, user.school_id)]
    audit.record(
        session,
        user=user,
        action="export.feedback",
        object_type="feedback",
        object_id=len(lines),
        school_id=user.school_id,
    )
    return Response(
        "\n".join(lines) + ("\n" if lines else ""),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="feedback.jsonl"'},
    )
