"""The governors' and trust's trends pages: the dashboard and the termly report downloads.

Aggregates only (see `review_queue.oversight.trends`): these pages never receive a post, a
person, a handle or an item id.  A governor sees their own school; an account with no
school (trust, admin) sees every school side by side with the trust's total, and may
narrow the page (and the report) to one school with `?school=<slug>`, which shows that
school exactly as its governors see it.  Terms and times follow each school's time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from review_queue.models import User
from review_queue.oversight import termly
from review_queue.oversight.trends import SchoolTrends, TrustTrends, school_trends, trust_trends
from review_queue.permissions import Permission
from review_queue.web.deps import db_session, render, require
from review_queue.web.schools import chosen_school, school_choices, spans_schools

# Where the templates shared with the termly report live (pass to create_app's extra_template_dirs).
TEMPLATE_DIR = termly.TEMPLATES
CSS = TEMPLATE_DIR / "termly" / "trends.css"

# Whoever may see trends is shown nothing but aggregates here.
TrendUser = Annotated[User, Depends(require(Permission.SEE_TRENDS))]
DbSession = Annotated[Session, Depends(db_session)]


def _trends(
    session: Session, user: User, request: Request, timezone: str, slug: str
) -> tuple[SchoolTrends | TrustTrends, str]:
    """The report the account may see (narrowed to `slug` for a trust-wide account), and its zone."""
    config = request.app.state.config
    policy = config.policy
    now = datetime.now(UTC)
    school = chosen_school(session, user, slug)
    if school is None:
        return trust_trends(
            session, now, timezone=timezone, policy=policy, timezones=config.timezones
        ), timezone
    zone = config.timezones.get(school.slug, timezone)
    report = school_trends(
        session, school.id, school.name, now, timezone=zone, policy=policy, slug=school.slug
    )
    return report, zone


def make_router(timezone: str | None = None) -> APIRouter:
    """The trends routes; `timezone` is for trust-wide pages (default: the console's)."""
    router = APIRouter()

    def zone(request: Request) -> str:
        return timezone or str(request.app.state.config.timezone)

    @router.get("/trends")
    def dashboard(request: Request, user: TrendUser, session: DbSession, school: str = "") -> Response:
        report, tz = _trends(session, user, request, zone(request), school)
        ctx = termly.context(report, datetime.now(UTC), tz)
        chosen = school if spans_schools(user) else ""
        ctx.update(
            school_choices=school_choices(session) if spans_schools(user) else [],
            chosen=chosen,
            query=f"?{urlencode({'school': chosen})}" if chosen else "",
        )
        return render(request, user, "governors/trends.html", ctx)

    @router.get("/trends/termly.html")
    def termly_html(request: Request, user: TrendUser, session: DbSession, school: str = "") -> Response:
        report, tz = _trends(session, user, request, zone(request), school)
        html = termly.render_html(report, datetime.now(UTC), tz)
        return Response(html, media_type="text/html; charset=utf-8")

    @router.get("/trends/termly.pdf")
    def termly_pdf(request: Request, user: TrendUser, session: DbSession, school: str = "") -> Response:
        report, tz = _trends(session, user, request, zone(request), school)
        html = termly.render_html(report, datetime.now(UTC), tz)
        return Response(
            termly.render_pdf(html),
            media_type="application/pdf",
            headers={"Content-Disposition": 'attachment; filename="gatepost-termly-report.pdf"'},
        )

    @router.get("/trends/trends.css")
    def stylesheet(user: TrendUser) -> Response:
        return Response(CSS.read_text(encoding="utf-8"), media_type="text/css")

    return router
