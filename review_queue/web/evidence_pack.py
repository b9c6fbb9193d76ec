"""One evidence pack per conduct incident, as HTML and as PDF.

The pack gathers the incident's posts (as captured, with their hashes and timestamps, the
model that judged each and, for a staff submission, where it came from, who submitted it,
when and how), the decisions on them, platform reports, letters, meetings and the
timeline.  It lives in the web wing because it is built on the incident page's view-model
(`views.incident_detail`, which also audits the view).  It is rendered from
web/templates/evidence_pack.html with autoescaping on.  The PDF is made by WeasyPrint
with every URL fetch refused: images are referenced by address only, and Gatepost's
server never downloads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.policy import Policy
from review_queue import audit, escalations
from review_queue.casework import incidents
from review_queue.casework.platform_reports import PLATFORMS, reports_for_item
from review_queue.localtime import DEFAULT_TIMEZONE
from review_queue.models import Decision, User, utcnow
from review_queue.rendering import html_env, offline_pdf
from review_queue.web import views

# The pack's template sits with the console's, in web/templates; it is a document, not a page.
_documents = html_env(Path(__file__).resolve().parent / "templates")


class EvidenceError(RuntimeError):
    """The pack could not be made (e.g. the PDF renderer failed)."""


def build_pack(
    session: Session,
    user: User,
    incident_id: int,
    policy: Policy,
    school_name: str,
    timezone: str = DEFAULT_TIMEZONE,
) -> dict[str, Any] | None:
    """The pack's content as plain data, or None if the user may not see the incident.

    Times in it are written in `timezone`, the school's, with the zone's name (GMT/BST).
    """
    detail = views.incident_detail(session, user, incident_id, policy)
    if detail is None:
        return None
    items = incidents.incident_items(session, incident_id)
    emails = {u.id: u.email for u in session.scalars(select(User))}
    for entry, item in zip(detail["posts"], items, strict=True):
        decisions = list(
            session.scalars(select(Decision).where(Decision.item_id == item.id).order_by(Decision.id))
        )
        escalated_to = escalations.escalated_to_by_decision(session, item.id, decisions)
        j = item.post.judgement
        entry["content_hash"] = item.post.content_hash
        entry["flags"] = list(j.flags) if j else []
        entry["model_version"] = j.model_version if j else ""
        entry["judged_at"] = j.judged_at if j else None
        entry["media"] = [{"type": m.get("type", ""), "url": m.get("url", "")} for m in item.post.media or []]
        entry["decisions"] = [
            {
                "action": d.action,
                "categories": d.categories,
                "reason": d.reason,
                "at": d.created_at,
                "by": emails.get(d.user_id or 0, ""),
                "to": escalated_to.get(d.id, ""),
            }
            for d in decisions
        ]
        entry["reports"] = [
            {
                "platform": PLATFORMS[r.platform].name,
                "rules": r.rules,
                "reference": r.reference,
                "reported_at": r.reported_at,
                "outcome": r.outcome,
            }
            for r in reports_for_item(session, item.id)
        ]
    detail["school_name"] = school_name
    detail["timezone"] = timezone
    detail["generated_at"] = utcnow()
    detail["generated_by"] = user.email
    audit.record(
        session,
        user=user,
        action="export.evidence_pack",
        object_type="incident",
        object_id=incident_id,
        school_id=user.school_id,
    )
    return detail


def render_html(pack: Mapping[str, Any]) -> str:
    return _documents.get_template("evidence_pack.html").render(pack=pack, tz=pack.get("timezone"))


def render_pdf(html: str) -> bytes:
    try:
        return offline_pdf(html)
    except Exception as exc:  # WeasyPrint raises many kinds; one of ours leaves here.
        raise EvidenceError(f"the PDF could not be made ({type(exc).__name__})") from exc
