"""Signing in and out: password sign-in, one-time links, and the home page that sends each role on."""

from __future__ import annotations

import time

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from review_queue import accounts
from review_queue.models import User
from review_queue.permissions import Permission, allows
from review_queue.web.deps import client_address, db_session, render, require

router = APIRouter()


def _safe_next(target: str) -> str:
    # Only same-site paths: never "//evil.example" or "https://...".
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def _start_session(request: Request, user: User) -> None:
    # A fresh session on sign-in: no fixation, a new CSRF token.
    request.session.clear()
    request.session["uid"] = user.id
    request.session["stamp"] = accounts.session_stamp(user)
    # When the session began: it ends SESSION_LIFETIME after this however busy it is.
    request.session["since"] = int(time.time())


@router.get("/signin")
def signin_form(request: Request, next: str = "/") -> Response:
    return render(request, None, "signin.html", {"next": _safe_next(next), "error": ""})


@router.post("/signin")
def signin(
    request: Request,
    email: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
    session: Session = Depends(db_session),
) -> Response:
    try:
        user = accounts.authenticate(session, email, password, client_address(request))
    except accounts.AuthError as exc:
        # Commit the failure so it counts towards throttling; the response is a 401 page.
        session.commit()
        status = 429 if isinstance(exc, accounts.Throttled) else 401
        return render(
            request,
            None,
            "signin.html",
            {"next": _safe_next(next), "error": str(exc), "email": email},
            status_code=status,
        )
    _start_session(request, user)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.get("/signin/once/{token}")
def one_time_form(request: Request, token: str) -> Response:
    # A button, not an automatic sign-in: link previewers that fetch the URL do not use it up.
    return render(request, None, "signin_once.html", {"token": token})


@router.post("/signin/once/{token}")
def one_time(request: Request, token: str, session: Session = Depends(db_session)) -> Response:
    user = accounts.redeem_one_time_signin(session, token)  # AuthError: a 400 page, from the app
    _start_session(request, user)
    return RedirectResponse("/", status_code=303)


@router.post("/signout")
def signout(request: Request, session: Session = Depends(db_session)) -> Response:
    # Ends every session of the account on the server side, not only this browser's
    # cookie: a copy of the cookie (a shared computer, a stolen one) stops working too.
    uid = request.session.get("uid")
    user = session.get(User, uid) if isinstance(uid, int) else None
    if user is not None and request.session.get("stamp") == accounts.session_stamp(user):
        accounts.end_sessions(user)
    request.session.clear()
    return RedirectResponse("/signin", status_code=303)


@router.get("/")
def home(request: Request, user: User = Depends(require(Permission.SIGNED_IN))) -> Response:
    if allows(user.role, Permission.READ_CONTENT):
        return RedirectResponse("/queue", status_code=303)
    # Governors and the trust: their trends are all there is for them, so land there.
    if allows(user.role, Permission.SEE_TRENDS):
        return RedirectResponse("/trends", status_code=303)
    return render(request, user, "home.html", {})
