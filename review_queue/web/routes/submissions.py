"""Staff submissions (pasted text or a screenshot) and the sources' health page.

Closed groups reach Gatepost only through staff: this page takes what they were sent.
The handler checks the role, parses the form, and calls the submission function the
shell injects (`monitor.submit.submit`, bound to the school's classifier), because
reading a screenshot (OCR) and judging a post belong to `connectors` and
`classifiers`, which `review_queue` does not import.  The screenshot is read in
memory and not stored.  `/sources` shows the admin each source's health, named as the
school's profile names it (the shell injects the names: profiles are `monitor`'s).

A trust-wide account (admin) belongs to no school, so both pages let it choose the school
it acts for (`?school=<slug>`, and a hidden field on the form); each choice is audited
under that school (`act_for_school`), and the submission records who it was for.
Sources across every school are listed with a school column until one is chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from review_queue import audit
from review_queue.models import School, User
from review_queue.permissions import Permission
from review_queue.sources import current_and_older, source_health
from review_queue.submissions import SubmissionRefused
from review_queue.web.deps import Forbidden, db_session, render, require
from review_queue.web.schools import chosen_school, school_choices, spans_schools

# A phone screenshot is a few megabytes; the upload is cut off past this.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024

# submit(school_slug, school_name, *, submitted_by, where_from, text, url, screenshot, author_handle)
# with .post_id, .new, .item_id, .severity; raises SubmissionRefused for unusable input.
SubmitFn = Callable[..., Any]
# source_names(school_slug) -> {source key: name} for the sources its profile lists now, in
# its order; None when the console knows no profile for the school (every row is shown).
SourceNamesFn = Callable[[str], Mapping[str, str] | None]

DbSession = Annotated[Session, Depends(db_session)]


def _school(session: Session, user: User, slug: str, page: str) -> School | None:
    """The school the page acts for: the account's own, or the one a trust-wide account chose.

    None when a trust-wide account has not chosen yet.  A choice is audited under the school.
    """
    school = chosen_school(session, user, slug)
    if school is not None and spans_schools(user):
        audit.record(
            session,
            user=user,
            action="act_for_school",
            object_type="school",
            object_id=school.slug,
            school_id=school.id,
            detail={"page": page},
        )
    if school is None and not spans_schools(user):
        raise Forbidden("This account's school no longer exists.")
    return school


def _picker(session: Session, user: User, school: School | None) -> dict[str, Any]:
    """What the page needs to show (and keep) the school a trust-wide account acts for."""
    if not spans_schools(user):
        return {"school_choices": [], "acting_for": None}
    return {
        "school_choices": school_choices(session),
        "acting_for": {"slug": school.slug, "name": school.name} if school else None,
    }


def make_router(submit_fn: SubmitFn, source_names: SourceNamesFn | None = None) -> APIRouter:
    router = APIRouter()

    @router.get("/submit")
    def submit_form(
        request: Request,
        user: Annotated[User, Depends(require(Permission.SUBMIT))],
        session: DbSession,
        school: str = "",
    ) -> Response:
        chosen = _school(session, user, school, "submit")
        ctx = {"form": {}, "error": None, **_picker(session, user, chosen)}
        return render(request, user, "submissions/submit.html", ctx)

    @router.post("/submit")
    async def submit_post(
        request: Request,
        user: Annotated[User, Depends(require(Permission.SUBMIT))],
        session: DbSession,
        where_from: str = Form(""),
        text: str = Form(""),
        url: str = Form(""),
        author: str = Form(""),
        school: str = Form(""),
        screenshot: Annotated[UploadFile | None, File()] = None,
    ) -> Response:
        chosen = chosen_school(session, user, school)
        if chosen is None:
            raise HTTPException(status_code=400, detail="Choose the school you are submitting for.")
        slug, name = chosen.slug, chosen.name
        picker = _picker(session, user, chosen)
        form = {"where_from": where_from, "text": text, "url": url, "author": author}
        data: bytes | None = None
        if screenshot is not None and screenshot.filename:
            data = await screenshot.read(MAX_UPLOAD_BYTES + 1)
            if len(data) > MAX_UPLOAD_BYTES:
                return _refuse(request, user, form, "The screenshot is larger than 10 MB.", picker)
        try:
            result = submit_fn(
                slug,
                name,
                submitted_by=user.email,
                where_from=where_from,
                text=text,
                url=url,
                screenshot=data,
                author_handle=author,
            )
        except SubmissionRefused as exc:  # the message names the problem, never the content
            return _refuse(request, user, form, str(exc), picker)
        detail: dict[str, Any] = {"new": result.new, "item": result.item_id}
        if spans_schools(user):
            detail["acting_for"] = chosen.slug
        audit.record(
            session,
            user=user,
            action="post.submit",
            object_type="post",
            object_id=result.post_id,
            school_id=chosen.id,
            detail=detail,
        )
        if result.item_id is not None:
            return RedirectResponse(f"/items/{result.item_id}", status_code=303)
        return render(
            request,
            user,
            "submissions/submitted.html",
            {"result": {"post_id": result.post_id, "new": result.new}, **picker},
        )

    @router.get("/sources")
    def sources_page(
        request: Request,
        user: Annotated[User, Depends(require(Permission.SEE_SOURCES))],
        session: DbSession,
        school: str = "",
        show_all: Annotated[bool, Query(alias="all")] = False,
    ) -> Response:
        chosen = _school(session, user, school, "sources")
        shown = (
            [chosen] if chosen is not None else list(session.scalars(select(School).order_by(School.name)))
        )
        rows: list[dict[str, Any]] = []
        older: list[dict[str, Any]] = []
        for s in shown:
            health = source_health(session, s.slug)
            names = source_names(s.slug) if source_names else None
            now, old = current_and_older(health, names) if names is not None else (health, [])
            rows += [{**vars(h), "school": s.name} for h in now]
            older += [{**vars(h), "school": s.name} for h in old]
        ctx = {
            "school": chosen.name if chosen else "every school",
            "rows": rows,
            "older": older if show_all else [],
            "older_hidden": 0 if show_all else len(older),
            **_picker(session, user, chosen),
        }
        return render(request, user, "submissions/sources.html", ctx)

    return router


def _refuse(
    request: Request, user: User, form: dict[str, str], message: str, picker: dict[str, Any]
) -> Response:
    return render(
        request,
        user,
        "submissions/submit.html",
        {"form": form, "error": message, **picker},
        status_code=400,
    )
