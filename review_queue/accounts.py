"""Accounts: who may sign in, and how (argon2, throttled sign-in, one-time links, sessions ending).

This module decides; it does not set cookies (the web layer does) and it never logs a
password or an address.  What each role may do is `review_queue.permissions`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from review_queue import audit
from review_queue.models import ROLES, OneTimeSignin, School, SigninFailure, User, utcnow
from review_queue.permissions import Permission, allows

# Failures are counted over this window; long enough to make guessing slow, short enough
# that a parent-teacher evening's typos do not lock the DSL out for the night.
THROTTLE_WINDOW = timedelta(minutes=15)
# Per account from one address: a handful of typos, never a dictionary.  Counted per pair,
# so that someone who knows the DSL's email cannot lock the DSL out from elsewhere.
MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS = 5
# Per address: a school's staff share one NAT address, so this is looser.
MAX_FAILURES_PER_ADDRESS = 20
# Per account from every address together: slows a guesser with many addresses, and is
# far above what one person (or one annoyed parent) can reach by hand.
MAX_FAILURES_PER_ACCOUNT = 50
# A one-time link printed by `gatepost demo` or sent to a new user lasts a working day.
ONE_TIME_SIGNIN_TTL = timedelta(hours=12)
# NCSC's advice favours length; 12 characters allows three random words.
MIN_PASSWORD_CHARS = 12
# zxcvbn's score (0-4) a password must reach: 3 is "safely unguessable" against an online
# attack; common passwords, repeats and keyboard walks score 0-1.
MIN_PASSWORD_SCORE = 3

_hasher = PasswordHasher()
# Verified against when the account does not exist, so timing does not reveal which emails do.
_DUMMY_HASH = _hasher.hash("not a real password, only here to spend the same time")


class AuthError(ValueError):
    """Sign-in refused.  The message is safe to show: it never says which part was wrong."""


class Throttled(AuthError):
    """Too many recent failures for this account or this address."""


class AccountError(ValueError):
    """An account that cannot be created as asked (bad role, short password, taken email)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def session_stamp(user: User) -> str:
    """A short fingerprint kept in the signed session cookie, checked on every request.

    It changes when the password does and when the account's session epoch is bumped
    (sign-out, disable, enable), so each of those ends every session the account has, on
    every device, on the server side: an old cookie is refused, not re-issued.
    """
    material = f"{user.password_hash}:{user.session_epoch}"
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def end_sessions(user: User) -> None:
    """End every session of the account (the caller commits)."""
    user.session_epoch = (user.session_epoch or 0) + 1


def _check_password(password: str, email: str = "") -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    # zxcvbn knows common passwords, names, dates, repeats and keyboard walks, and the
    # email's own words.  It reads only the first 100 characters (its cost grows with length).
    hints = [w for w in email.replace("@", " ").replace(".", " ").split() if w]
    if zxcvbn(password[:100], user_inputs=hints)["score"] < MIN_PASSWORD_SCORE:
        raise AccountError(
            "that password is too easy to guess (a common password, a repeat or a pattern):"
            " try three or four random words"
        )


def add_user(session: Session, email: str, role: str, password: str, school_id: int | None = None) -> User:
    """Create an account.  Used by `gatepost users add` and by the tests' cast."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise AccountError("give an email address")
    if role not in ROLES:
        raise AccountError(f"role must be one of: {', '.join(ROLES)}")
    _check_password(password, email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError("an account with that email already exists")
    user = User(email=email, role=role, password_hash=hash_password(password), school_id=school_id)
    session.add(user)
    session.flush()
    return user


def _recent_failures(session: Session, since: datetime, **match: str) -> int:
    q = select(func.count()).select_from(SigninFailure).where(SigninFailure.at >= since)
    for name, value in match.items():
        q = q.where(getattr(SigninFailure, name) == value)
    return int(session.scalar(q) or 0)


def authenticate(session: Session, email: str, password: str, address: str) -> User:
    """The account for these credentials, or `AuthError`.  Attempts are counted for throttling.

    Each attempt is recorded before it is counted and checked, under a lock per account and
    address, so parallel attempts cannot all slip under the limit; a success removes its
    own record and the pair's earlier failures.  The caller must commit even when this
    raises, or the attempt is not counted.
    """
    email = email.strip().lower()[:254]
    address = address[:64]
    now = utcnow()
    since = now - THROTTLE_WINDOW
    if session.get_bind().dialect.name == "postgresql":
        # SQLite takes its one write lock at the INSERT below; PostgreSQL needs this.
        key = int.from_bytes(hashlib.sha256(f"{email}|{address}".encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    attempt = SigninFailure(email=email, address=address, at=now)
    session.add(attempt)
    session.flush()
    if (
        _recent_failures(session, since, email=email, address=address) > MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS
        or _recent_failures(session, since, address=address) > MAX_FAILURES_PER_ADDRESS
        or _recent_failures(session, since, email=email) > MAX_FAILURES_PER_ACCOUNT
    ):
        raise Throttled("too many failed sign-ins; wait 15 minutes and try again")
    user = session.scalar(select(User).where(User.email == email))
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if user is None or not ok or user.disabled:
        raise AuthError("that email and password do not match an account")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    # A success clears this account's count from this address (its own attempt included).
    session.execute(
        delete(SigninFailure).where(SigninFailure.email == email, SigninFailure.address == address)
    )
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_one_time_signin(session: Session, user: User, ttl: timedelta = ONE_TIME_SIGNIN_TTL) -> str:
    """A token for `/signin/once/{token}` that works once.  Only its hash is stored."""
    token = secrets.token_urlsafe(32)
    session.add(OneTimeSignin(user_id=user.id, token_hash=_token_hash(token), expires_at=utcnow() + ttl))
    session.flush()
    return token


def redeem_one_time_signin(session: Session, token: str) -> User:
    row = session.scalar(select(OneTimeSignin).where(OneTimeSignin.token_hash == _token_hash(token)))
    now = utcnow()
    if row is None or row.used_at is not None or row.expires_at < now:
        raise AuthError("that sign-in link has expired or has been used; ask for a new one")
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        raise AuthError("that sign-in link has expired or has been used; ask for a new one")
    row.used_at = now
    session.flush()
    return user


def create_demo_account(session: Session, school_id: int, role: str = "dsl") -> str:
    """The demo school's account for `role` (made once, as `ROLE@demo.gatepost.invalid`; a
    trust-wide role belongs to no school) and a fresh one-time sign-in token for it.

    The account gets a random password nobody knows: the printed link is the way in.
    """
    email = f"{role}@demo.gatepost.invalid"
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        school = None if allows(role, Permission.EVERY_SCHOOL) else school_id
        user = add_user(session, email, role, secrets.token_urlsafe(24), school_id=school)
    return create_one_time_signin(session, user)


def demo_signin_link(session: Session, *, school_id: int, base_url: str, role: str = "dsl") -> str:
    """For `gatepost demo`: the one-time sign-in address of the demo account for `role`."""
    return f"{base_url.rstrip('/')}/signin/once/{create_demo_account(session, school_id, role)}"


def add_account(
    session: Session, email: str, role: str, password: str, school_slug: str | None = None
) -> User:
    """`gatepost users add`: like `add_user`, finding the school by slug.

    Trust-wide roles (admin, trust) belong to no school.  Others need one; when the
    database holds exactly one school it is used without asking.
    """
    if allows(role, Permission.EVERY_SCHOOL):
        if school_slug:
            raise AccountError(f"a {role} account serves every school; leave out --school")
        return add_user(session, email, role, password, school_id=None)
    schools = list(session.scalars(select(School)))
    if school_slug:
        match = [s for s in schools if s.slug == school_slug]
        if not match:
            raise AccountError(
                f"no school with the slug {school_slug!r}; known: {', '.join(s.slug for s in schools)}"
            )
        school = match[0]
    elif len(schools) == 1:
        school = schools[0]
    else:
        raise AccountError("more than one school (or none): say which with --school SLUG")
    return add_user(session, email, role, password, school_id=school.id)


def _account(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise AccountError(f"no account with the email {email.strip().lower()!r}")
    return user


def set_password(session: Session, email: str, password: str) -> User:
    """`gatepost users password`: a new password, which also ends every session of the account.

    Unused one-time sign-in links are cancelled too.  Audited (never the password).
    """
    _check_password(password, email)
    user = _account(session, email)
    user.password_hash = hash_password(password)
    session.execute(
        delete(OneTimeSignin).where(OneTimeSignin.user_id == user.id, OneTimeSignin.used_at.is_(None))
    )
    session.execute(delete(SigninFailure).where(SigninFailure.email == user.email))
    audit.record(session, user=None, action="account.password_set", object_type="user", object_id=user.id)
    session.flush()
    return user


def set_disabled(session: Session, email: str, disabled: bool) -> User:
    """`gatepost users disable|enable`: a disabled account cannot sign in and its sessions end."""
    user = _account(session, email)
    user.disabled = disabled
    end_sessions(user)  # enabling again must not revive the sessions the disable ended
    action = "account.disabled" if disabled else "account.enabled"
    audit.record(session, user=None, action=action, object_type="user", object_id=user.id)
    session.flush()
    return user


def list_accounts(session: Session) -> list[tuple[User, str]]:
    """`gatepost users list`: every account with the slug of its school ("" for trust-wide ones)."""
    slugs = {s.id: s.slug for s in session.scalars(select(School))}
    users = session.scalars(select(User).order_by(User.email))
    return [(u, slugs.get(u.school_id, "") if u.school_id is not None else "") for u in users]
