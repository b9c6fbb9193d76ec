"""The governors' and trust's trends pages: the dashboard and the termly report downloads.

Aggregates only (see `review_queue.oversight.trends`): these pages never receive a post, a
person, a handle or an item id.  A governor sees their own school; an account with no
school (trust, admin) sees every school side by side with the trust's total.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from review_queue.models import School, User
from review_queue.oversight import termly
from review_queue.oversight.trends import SchoolTrends, TrustTrends, school_trends, trust_trends
from review_queue.permissions import Permission, allows
from review_queue.web.deps import Forbidden, db_session, render, require

# Where the templates shared with the termly report live (pass to create_app's extra_template_dirs).
TEMPLATE_DIR = termly.TEMPLATES
CSS = TEMPLATE_DIR / "termly" / "trends.css"

# Whoever may see trends is shown nothing but aggregates here.
TrendUser = Annotated[User, Depends(require(Permission.SEE_TRENDS))]
DbSession = Annotated[Session, Depends(db_session)]


def _trends(session: Session, user: User, request: Request, timezone: str) -> SchoolTrends | TrustTrends:
    policy = request.app.state.config.policy
    now = datetime.now(UTC)
    if user.school_id is None:
        if not allows(user.role, Permission.EVERY_SCHOOL):
            raise Forbidden("This account is not attached to a school.")
        return trust_trends(session, now, timezone=timezone, policy=policy)
    school = session.scalar(select(School).where(School.id == user.school_id))
    if school is None:
        raise Forbidden("This account's school no longer exists.")
    return school_trends(session, [school.id], school.name, now, timezone=timezone, policy=policy)


def make_router(timezone: str = "Europe/London") -> APIRouter:
    router = APIRouter()

    @router.get("/trends")
    def dashboard(
        request: Request,
        user: TrendUser,
        session: DbSession,
    ) -> Response:
        report = _trends(session, user, request, timezone)
        ctx = termly.context(report, datetime.now(UTC), timezone)
        return render(request, user, "governors/trends.html", ctx)

    @router.get("/trends/termly.html")
    def termly_html(
        request: Request,
        user: TrendUser,
        session: DbSession,
    ) -> Response:
        html = termly.render_html(_trends(session, user, request, timezone), datetime.now(UTC), timezone)
        return Response(html, media_type="text/html; charset=utf-8")

    @router.get("/trends/termly.pdf")
    def termly_pdf(
        request: Request,
        user: TrendUser,
        session: DbSession,
    ) -> Response:
        html = termly.render_html(_trends(session, user, request, timezone), datetime.now(UTC), timezone)
        return Response(
            termly.render_pdf(html),
            media_type="application/pdf",
            headers={"Content-Disposition": 'attachment; filename="gatepost-termly-report.pdf"'},
        )

    @router.get("/trends/trends.css")
    def stylesheet(user: TrendUser) -> Response:
        return Response(CSS.read_text(encoding="utf-8"), media_type="text/css")

    return router
