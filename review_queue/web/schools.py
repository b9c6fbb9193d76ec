"""Which school a page is about, for accounts that span every school (admin, trust).

A school's own accounts always see their school.  Accounts holding
`Permission.EVERY_SCHOOL` see lists across schools with a school column, may narrow a
list to one school with `?school=<slug>` (kept in the URL, so a filtered page can be
bookmarked and shared), and choose the school they act for on pages that change one
school's data (submitting a post) or read one school's operations (sources).  Acting for a
school is audited by the page that does it, under that school, so its own DSL sees it.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from review_queue.models import School, User
from review_queue.permissions import Permission, allows


@dataclass(frozen=True)
class SchoolChoice:
    id: int
    slug: str
    name: str


def spans_schools(user: User) -> bool:
    """Whether the account belongs to no school and may see every school."""
    return user.school_id is None and allows(user.role, Permission.EVERY_SCHOOL)


def school_choices(session: Session) -> list[SchoolChoice]:
    """Every school, by name: the options of a school filter or picker."""
    rows = session.execute(select(School.id, School.slug, School.name).order_by(School.name))
    return [SchoolChoice(id=i, slug=s, name=n) for i, s, n in rows]


def chosen_school(session: Session, user: User, slug: str) -> School | None:
    """The school a page is narrowed to: the account's own, else `slug` (None: every school).

    An unknown slug is a 404, not "every school": a mistyped filter must not widen a list.
    For a school's own account the slug is ignored.
    """
    if user.school_id is not None:
        return session.get(School, user.school_id)
    if not spans_schools(user):
        raise HTTPException(status_code=403, detail="This account is not attached to a school.")
    if not slug:
        return None
    school = session.scalar(select(School).where(School.slug == slug))
    if school is None:
        raise HTTPException(status_code=404, detail="No such school.")
    return school
