"""`create_app(db, config)`: the DSL's console as a FastAPI app, server-rendered, no JavaScript.

One APIRouter per area (routes/*.py), one base template, one permission check
(`deps.require`, reading `review_queue.permissions`).  Other areas add themselves with
`extra_routers` and, for a menu entry, `extra_nav`:

    create_app(db, config, extra_routers=[governors.router],
               extra_nav=[NavEntry("Trends", "/trends", Permission.SEE_TRENDS)])

and put their templates under review_queue/web/templates/<area>/ extending "base.html".

Errors leave review_queue as ValueErrors of its own and become HTTP here, once for the
whole app (`DOMAIN_ERRORS`), on the error page with the error's own message; handlers
do not catch them:

    DecisionError, ReportError, IncidentError, AccountError,
    PrivacyError, AuthError (a used or expired sign-in link)   -> 400 (refused)
    ClaimedElsewhere (a DecisionError)                         -> 409
    Throttled (an AuthError)                                   -> 429
    deps.Forbidden -> 403; deps.NotSignedIn -> redirect to /signin
    anything else -> 500, logged by exception type only (never post text)

Two handlers still catch what they can answer better: a refused password re-shows the
sign-in form (401, or 429 when throttled) after committing the attempt, and a refused
submission re-shows the submit form with what was typed (400).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.middleware.sessions import SessionMiddleware

from classifiers.policy import Policy
from review_queue.accounts import AccountError, AuthError, Throttled
from review_queue.casework.incidents import IncidentError
from review_queue.casework.platform_reports import ReportError
from review_queue.db import Database
from review_queue.permissions import Permission
from review_queue.queue import ClaimedElsewhere, DecisionError
from review_queue.records.privacy import PrivacyError
from review_queue.web import filters
from review_queue.web.config import ConsoleConfig
from review_queue.web.deps import NotSignedIn, csrf_protect, render
from review_queue.web.headers import SECURITY_HEADERS
from review_queue.web.routes import admin, incidents, items, queue, signin

__all__ = ["ConsoleConfig", "NavEntry", "create_app"]

# Errors a request can meet in the domain modules, and the status each answers with.  The
# most specific class wins: ClaimedElsewhere (another reviewer is deciding the item: 409
# Conflict) over DecisionError, Throttled (too many sign-in failures: 429) over AuthError.
DOMAIN_ERRORS: dict[type[Exception], int] = {
    ClaimedElsewhere: 409,
    DecisionError: 400,
    IncidentError: 400,
    ReportError: 400,
    AccountError: 400,
    PrivacyError: 400,
    Throttled: 429,
    AuthError: 400,
}
log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class NavEntry:
    """A menu entry, shown to the roles that hold the permission its page needs."""

    label: str
    path: str
    permission: Permission


NAV = [
    NavEntry("Queue", "/queue", Permission.READ_CONTENT),
    NavEntry("Incidents", "/incidents", Permission.INCIDENT_READ),
    NavEntry("Audit log", "/audit", Permission.READ_AUDIT),
]


def templates_env(policy: Policy, extra_dirs: Sequence[Path] = ()) -> Environment:
    # Autoescape on for every template, whatever its extension.
    env = Environment(
        loader=FileSystemLoader([HERE / "templates", *extra_dirs]),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    filters.install(env, policy)
    return env


def create_app(
    db: Database,
    config: ConsoleConfig,
    *,
    extra_routers: Sequence[APIRouter] = (),
    extra_nav: Sequence[NavEntry] = (),
    extra_template_dirs: Sequence[Path] = (),
) -> FastAPI:
    app = FastAPI(
        title="Gatepost console",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(csrf_protect)],
    )
    app.state.db = db
    app.state.config = config
    app.state.templates = Jinja2Templates(env=templates_env(config.policy, extra_template_dirs))
    app.state.nav = [
        {"label": n.label, "path": n.path, "permission": n.permission} for n in (*NAV, *extra_nav)
    ]
    app.add_middleware(
        SessionMiddleware,
        secret_key=config.secret_key,
        session_cookie="gatepost_session",
        max_age=config.session_max_age,
        same_site="lax",
        https_only=config.https,
    )

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return render(
            request,
            None,
            "error.html",
            {"status": exc.status_code, "message": exc.detail},
            status_code=exc.status_code,
        )

    # Domain rules refused the request: the message says why and never quotes a post.
    for error, status in DOMAIN_ERRORS.items():

        async def refused(request: Request, exc: Exception, status: int = status) -> Response:
            return render(
                request, None, "error.html", {"status": status, "message": str(exc)}, status_code=status
            )

        app.exception_handler(error)(refused)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # Ids and types only: exception text may quote a post.
        log.error("console error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return render(
            request, None, "error.html", {"status": 500, "message": "Something went wrong."}, status_code=500
        )

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router in (
        signin.router,
        queue.router,
        items.router,
        incidents.router,
        admin.router,
        *extra_routers,
    ):
        app.include_router(router)
    return app
