"""The queue list: filters, order, SLA timers, assignment and counts."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from review_queue.models import User
from review_queue.permissions import Permission
from review_queue.queue import QueueFilter
from review_queue.web import views
from review_queue.web.deps import db_session, render, require

router = APIRouter()
STATUSES = ("waiting", "open", "escalated", "confirmed", "dismissed", "")


def _date(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(status_code=400, detail="Dates are written YYYY-MM-DD.") from None


@router.get("/queue")
def queue_list(
    request: Request,
    status: str = "waiting",
    category: str = "",
    severity: str = "",
    source: str = "",
    since: str = "",
    until: str = "",
    escalated_to: str = "",
    user: User = Depends(require(Permission.READ_CONTENT)),
    session: Session = Depends(db_session),
) -> Response:
    policy = request.app.state.config.policy
    if (
        status not in STATUSES
        or (category and category not in policy["categories"])
        or (severity and severity not in policy["severities"])
        or escalated_to not in ("", "me")
    ):
        raise HTTPException(status_code=400, detail="Unknown filter value.")
    f = QueueFilter(
        status=status,
        category=category,
        severity=severity,
        source=source[:32],
        since=_date(since),
        until=_date(until),
        escalated_to=user.id if escalated_to == "me" else None,
    )
    page = views.queue_page(session, user, f, policy)
    return render(request, user, "queue.html", {"page": page, "statuses": STATUSES})
