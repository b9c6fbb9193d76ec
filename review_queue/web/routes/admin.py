"""The audit log's recent entries and whether its chain holds, and the labelled-feedback export."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from review_queue import audit, feedback
from review_queue.models import User
from review_queue.permissions import Permission
from review_queue.web.deps import db_session, render, require

router = APIRouter()


@router.get("/audit")
def audit_page(
    request: Request,
    user: User = Depends(require(Permission.READ_AUDIT)),
    session: Session = Depends(db_session),
) -> Response:
    report = audit.verify_chain(session)
    entries = audit.recent(session, 200, user.school_id)
    return render(request, user, "audit.html", {"chain": report, "entries": entries})


@router.get("/feedback.jsonl")
def feedback_export(
    user: User = Depends(require(Permission.EXPORT_FEEDBACK)), session: Session = Depends(db_session)
) -> Response:
    lines = [json.dumps(e, ensure_ascii=False) for e in feedback.labelled_feedback(session, user.school_id)]
    audit.record(
        session,
        user=user,
        action="export.feedback",
        object_type="feedback",
        object_id=len(lines),
        school_id=user.school_id,
    )
    return Response(
        "\n".join(lines) + ("\n" if lines else ""),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="feedback.jsonl"'},
    )
