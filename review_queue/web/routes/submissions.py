"""Staff submissions (pasted text or a screenshot) and the sources' health page.

Closed groups reach Gatepost only through staff: this page takes what they were sent.
The handler checks the role, parses the form, and calls the submission function the
shell injects (`monitor.submit.submit`, bound to the school's classifier), because
reading a screenshot (OCR) and judging a post belong to `connectors` and
`classifiers`, which `review_queue` does not import.  The screenshot is read in
memory and not stored.  `/sources` shows the admin each source's health, named as the
school's profile names it (the shell injects the names: profiles are `monitor`'s).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from review_queue import audit
from review_queue.models import School, User
from review_queue.permissions import Permission
from review_queue.sources import current_and_older, source_health
from review_queue.submissions import SubmissionRefused
from review_queue.web.deps import Forbidden, db_session, render, require

# A phone screenshot is a few megabytes; the upload is cut off past this.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024

# submit(school_slug, school_name, *, submitted_by, where_from, text, url, screenshot, author_handle)
# with .post_id, .new, .item_id, .severity; raises SubmissionRefused for unusable input.
SubmitFn = Callable[..., Any]

# source_names(school_slug) -> {source key: name} for the sources its profile lists now, in
# its order; None when the console knows no profile for the school (every row is shown).
SourceNamesFn = Callable[[str], Mapping[str, str] | None]

DbSession = Annotated[Session, Depends(db_session)]


def _school(session: Session, user: User) -> School:
    school = session.get(School, user.school_id) if user.school_id is not None else None
    if school is None:
        raise Forbidden("This account is not attached to a school.")
    return school


def make_router(submit_fn: SubmitFn, source_names: SourceNamesFn | None = None) -> APIRouter:
    router = APIRouter()

    @router.get("/submit")
    def submit_form(
        request: Request, user: Annotated[User, Depends(require(Permission.SUBMIT))], session: DbSession
    ) -> Response:
        _school(session, user)
        return render(request, user, "submissions/submit.html", {"form": {}, "error": None})

    @router.post("/submit")
    async def submit_post(
        request: Request,
        user: Annotated[User, Depends(require(Permission.SUBMIT))],
        session: DbSession,
        where_from: str = Form(""),
        text: str = Form(""),
        url: str = Form(""),
        author: str = Form(""),
        screenshot: Annotated[UploadFile | None, File()] = None,
    ) -> Response:
        school = _school(session, user)
        slug, name = school.slug, school.name
        form = {"where_from": where_from, "text": text, "url": url, "author": author}
        data: bytes | None = None
        if screenshot is not None and screenshot.filename:
            data = await screenshot.read(MAX_UPLOAD_BYTES + 1)
            if len(data) > MAX_UPLOAD_BYTES:
                return _refuse(request, user, form, "The screenshot is larger than 10 MB.")
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
            return _refuse(request, user, form, str(exc))
        audit.record(
            session,
            user=user,
            action="post.submit",
            object_type="post",
            object_id=result.post_id,
            school_id=school.id,
            detail={"new": result.new, "item": result.item_id},
        )
        if result.item_id is not None:
            return RedirectResponse(f"/items/{result.item_id}", status_code=303)
        return render(
            request,
            user,
            "submissions/submitted.html",
            {"result": {"post_id": result.post_id, "new": result.new}},
        )

    @router.get("/sources")
    def sources_page(
        request: Request,
        user: Annotated[User, Depends(require(Permission.SEE_SOURCES))],
        session: DbSession,
        show_all: Annotated[bool, Query(alias="all")] = False,
    ) -> Response:
        school = _school(session, user)
        rows = source_health(session, school.slug)
        names = source_names(school.slug) if source_names else None
        current, older = current_and_older(rows, names) if names is not None else (rows, [])
        context = {
            "school": school.name,
            "rows": [vars(h) for h in current],
            "older": [vars(h) for h in older] if show_all else [],
            "older_hidden": 0 if show_all else len(older),
        }
        return render(request, user, "submissions/sources.html", context)

    return router


def _refuse(request: Request, user: User, form: dict[str, str], message: str) -> Response:
    return render(request, user, "submissions/submit.html", {"form": form, "error": message}, status_code=400)
