"""The console's request plumbing: the database session, the signed-in user, permissions, CSRF, rendering.

Every router uses these, so a new area (governors' pages, staff submissions) gets the same
guarantees by depending on `require(Permission...)` and rendering with `render(...)`:

    router = APIRouter()

    @router.get("/trends")
    def trends(request: Request, user: User = Depends(require(Permission.SEE_TRENDS))) -> Response:
        return render(request, user, "governors/trends.html", {...})

Every route but signing in and out depends on `require`: tests/review_queue/test_permissions.py
refuses a route without it.  The check runs as a dependency, before the handler looks
anything up, so a refused role never learns whether an id exists.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Iterator
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from review_queue import accounts
from review_queue.casework.letters import SchoolDetails
from review_queue.models import School, User
from review_queue.permissions import Permission, allows

# Methods that change something and therefore need a CSRF token.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class NotSignedIn(Exception):
    """Raised by `current_user`; the app turns it into a redirect to /signin."""


# What a role without the route's permission is told (403).
ROLE_REFUSED = "Your role does not give access to this page."


class Forbidden(HTTPException):
    def __init__(self, message: str = ROLE_REFUSED) -> None:
        super().__init__(status_code=403, detail=message)


def db_session(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed after the handler returns, rolled back on error."""
    with request.app.state.db.session_scope() as session:
        yield session


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


# No typed field in any console form needs more (a pasted post is capped at 20,000 in
# connectors.manual); reasons, notes and names are far shorter.  Uploads are capped apart.
MAX_FORM_FIELD_CHARS = 20_000


async def csrf_protect(request: Request) -> None:
    """App-wide dependency: every unsafe request carries the session's CSRF token, and no huge field.

    One place for the size of what people type: a 5 MB "reason" would be stored, audited
    and rendered into evidence PDFs at great cost.
    """
    if request.method not in UNSAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get("x-csrf-token")
    if request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/")
    ):
        form = await request.form()
        if any(isinstance(v, str) and len(v) > MAX_FORM_FIELD_CHARS for v in form.values()):
            raise HTTPException(
                status_code=413, detail=f"A field is longer than {MAX_FORM_FIELD_CHARS} characters."
            )
        if sent is None:
            value = form.get("csrf")
            sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(expected, sent):
        raise HTTPException(
            status_code=403, detail="This form has expired. Go back, reload the page and try again."
        )


# However active, a session ends this long after sign-in (a working day and an evening).
SESSION_LIFETIME_S = 12 * 3600
# ... and sooner after this long without a page: a console left open on a shared screen.
SESSION_IDLE_S = 2 * 3600
# How often the last-seen time is written back (each write re-issues the cookie).
SEEN_RESOLUTION_S = 60


def current_user(request: Request, session: Session = Depends(db_session)) -> User:
    uid = request.session.get("uid")
    user = session.get(User, uid) if isinstance(uid, int) else None
    now = int(time.time())
    since = request.session.get("since")
    seen = request.session.get("seen", since)
    expired = (
        not isinstance(since, int)
        or not isinstance(seen, int)
        or now - since > SESSION_LIFETIME_S
        or now - seen > SESSION_IDLE_S
    )
    # A new password, a sign-out anywhere, or a disabled account ends every session that
    # began before it; no session outlives SESSION_LIFETIME_S, however active, nor sits
    # idle longer than SESSION_IDLE_S.
    if (
        user is None
        or user.disabled
        or expired
        or request.session.get("stamp") != accounts.session_stamp(user)
    ):
        request.session.clear()
        raise NotSignedIn()
    assert isinstance(seen, int)  # checked above, with `expired`
    if now - seen >= SEEN_RESOLUTION_S:
        request.session["seen"] = now
    # Kept for error pages, which render without a database session.
    request.state.me = user_view(user)
    request.state.tz = school_timezone(request, session, user.school_id)
    return user


class Require:
    """A dependency that admits a signed-in account whose role holds `permission` (403 otherwise)."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def __call__(self, user: User = Depends(current_user)) -> User:
        if not allows(user.role, self.permission):
            raise Forbidden()
        return user

    def __repr__(self) -> str:
        return f"require({self.permission!r})"


def require(permission: Permission) -> Require:
    """`Depends(require(Permission.DECIDE))`: the signed-in user, if their role may do that."""
    return Require(permission)


def user_view(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "role": user.role, "school_id": user.school_id}


def render(
    request: Request, user: User | None, template: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """Render a template with the common context (user, csrf, nav).  Context must be plain data."""
    templates = request.app.state.templates
    me = user_view(user) if user else getattr(request.state, "me", None)
    nav = [n for n in request.app.state.nav if me is not None and allows(me["role"], n["permission"])]
    base = {
        "me": me,
        "csrf": csrf_token(request),
        "nav": nav,
        "path": request.url.path,
        # Every time on the page is written in this zone (review_queue.localtime).
        "tz": getattr(request.state, "tz", None) or request.app.state.config.timezone,
    }
    return templates.TemplateResponse(request, template, {**base, **context}, status_code=status_code)  # type: ignore[no-any-return]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def school_timezone(request: Request, session: Session, school_id: int | None) -> str:
    """The school's time zone (its profile's `timezone`), else the console's; for times people read."""
    config = request.app.state.config
    school = session.get(School, school_id) if school_id is not None else None
    zone: str = config.timezones.get(school.slug, config.timezone) if school else config.timezone
    return zone


def school_details(request: Request, session: Session, school_id: int) -> SchoolDetails:
    """The school's details for letters and drafts: from the profile if given, else its name."""
    school = session.get(School, school_id)
    name = school.name if school else "the school"
    details: SchoolDetails | None = request.app.state.config.schools.get(school.slug if school else "")
    return details or SchoolDetails(name=name)
