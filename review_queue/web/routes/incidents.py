"""Conduct incident pages: open one from confirmed items, then its person, letters, meetings and evidence."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from review_queue import audit
from review_queue.casework import incidents
from review_queue.models import ConductIncident, Letter, Person, User
from review_queue.permissions import Permission, allows
from review_queue.web import evidence_pack, views
from review_queue.web.deps import db_session, render, require, school_details, school_timezone
from review_queue.web.schools import chosen_school, school_choices, spans_schools

router = APIRouter()
# The evidence pack's inline <style> is allowed; nothing else is.
PACK_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
READ = require(Permission.INCIDENT_READ)
WRITE = require(Permission.INCIDENT_WRITE)


def _incident(session: Session, user: User, incident_id: int) -> ConductIncident:
    inc = views.visible_incident(session, user, incident_id)
    if inc is None:
        raise HTTPException(status_code=404, detail="No such incident.")
    return inc


def _back(incident_id: int, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/incidents/{incident_id}{anchor}", status_code=303)


def _audit(session: Session, user: User, inc: ConductIncident, action: str, **detail: object) -> None:
    audit.record(
        session,
        user=user,
        action=action,
        object_type="incident",
        object_id=inc.id,
        school_id=inc.school_id,
        detail=detail,
    )


@router.get("/incidents")
def incident_list(
    request: Request,
    status: str = "open",
    school: str = "",
    user: User = Depends(READ),
    session: Session = Depends(db_session),
) -> Response:
    if status not in ("open", "closed", ""):
        raise HTTPException(status_code=400, detail="Unknown status.")
    chosen = chosen_school(session, user, school)
    rows = views.incident_list(session, user, status, chosen.id if chosen else None)
    spans = spans_schools(user)
    return render(
        request,
        user,
        "incidents.html",
        {
            "incidents": rows,
            "status": status,
            "school_choices": school_choices(session) if spans else [],
            "chosen": chosen.slug if spans and chosen else "",
        },
    )


@router.post("/incidents")
async def open_incident(
    request: Request, user: User = Depends(WRITE), session: Session = Depends(db_session)
) -> Response:
    form = await request.form()
    try:
        item_ids = [int(str(v)) for v in form.getlist("item_id")]
    except ValueError:
        raise HTTPException(status_code=400, detail="Bad item id.") from None
    first = views.visible_item(session, user, item_ids[0]) if item_ids else None
    if first is None:
        raise HTTPException(status_code=404, detail="No such item.")
    inc = incidents.open_incident(
        session,
        school_id=first.school_id,
        item_ids=item_ids,
        user_id=user.id,
        summary=str(form.get("summary", "")),
    )
    _audit(session, user, inc, "incident.open", items=item_ids)
    return _back(inc.id)


@router.get("/incidents/{incident_id}")
def incident_page(
    request: Request, incident_id: int, user: User = Depends(READ), session: Session = Depends(db_session)
) -> Response:
    detail = views.incident_detail(session, user, incident_id, request.app.state.config.policy)
    if detail is None:
        raise HTTPException(status_code=404, detail="No such incident.")
    return render(
        request,
        user,
        "incident.html",
        {
            "inc": detail,
            "can_write": allows(user.role, Permission.INCIDENT_WRITE),
            "today": date.today().isoformat(),
        },
    )


@router.post("/incidents/{incident_id}/person")
def set_person(
    incident_id: int,
    person_id: str = Form(""),
    name: str = Form(""),
    relationship: str = Form(""),
    address: str = Form(""),
    handles: str = Form(""),
    user: User = Depends(WRITE),
    session: Session = Depends(db_session),
) -> Response:
    inc = _incident(session, user, incident_id)
    if person_id:
        try:
            pid = int(person_id)
        except ValueError as exc:  # the form only offers ids: this one was typed or forged
            raise HTTPException(status_code=400, detail=str(exc)) from None
    else:
        pid = incidents.add_person(
            session,
            school_id=inc.school_id,
            name=name,
            relationship=relationship,
            address=address,
            handles=handles,
        ).id
    incidents.set_person(session, inc, pid, user.id)
    _audit(session, user, inc, "incident.person", person_id=pid)
    return _back(incident_id)


@router.post("/incidents/{incident_id}/items")
def add_item(
    incident_id: int,
    item_id: int = Form(...),
    user: User = Depends(WRITE),
    session: Session = Depends(db_session),
) -> Response:
    inc = _incident(session, user, incident_id)
    incidents.add_item(session, inc, item_id, user.id)
    _audit(session, user, inc, "incident.add_item", item_id=item_id)
    return _back(incident_id)


@router.post("/incidents/{incident_id}/letters")
def draft_letter(
    request: Request,
    incident_id: int,
    template: str = Form(...),
    user: User = Depends(WRITE),
    session: Session = Depends(db_session),
) -> Response:
    inc = _incident(session, user, incident_id)
    letter = incidents.draft_letter(
        session,
        inc,
        template,
        school=school_details(request, session, inc.school_id),
        policy=request.app.state.config.policy,
        user_id=user.id,
    )
    _audit(session, user, inc, "letter.draft", letter_id=letter.id, template=template)
    return _back(incident_id, f"#letter-{letter.id}")


def _letter(session: Session, user: User, letter_id: int) -> tuple[ConductIncident, Letter]:
    letter = session.get(Letter, letter_id)
    if letter is None:
        raise HTTPException(status_code=404, detail="No such letter.")
    return _incident(session, user, letter.incident_id), letter


@router.post("/letters/{letter_id}")
def edit_letter(
    letter_id: int, body: str = Form(...), user: User = Depends(WRITE), session: Session = Depends(db_session)
) -> Response:
    inc, letter = _letter(session, user, letter_id)
    incidents.edit_letter(session, letter, body)
    _audit(session, user, inc, "letter.edit", letter_id=letter.id)
    return _back(inc.id, f"#letter-{letter.id}")


@router.post("/letters/{letter_id}/sent")
def letter_sent(
    request: Request, letter_id: int, user: User = Depends(WRITE), session: Session = Depends(db_session)
) -> Response:
    inc, letter = _letter(session, user, letter_id)
    incidents.mark_letter_sent(session, inc, letter, request.app.state.config.policy, user.id)
    _audit(session, user, inc, "letter.sent", letter_id=letter.id)
    return _back(inc.id, f"#letter-{letter.id}")


@router.post("/incidents/{incident_id}/meetings")
def meeting(
    incident_id: int,
    held_on: str = Form(...),
    attendees: str = Form(""),
    outcome: str = Form(""),
    user: User = Depends(WRITE),
    session: Session = Depends(db_session),
) -> Response:
    inc = _incident(session, user, incident_id)
    try:
        held = date.fromisoformat(held_on)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    incidents.record_meeting(
        session, inc, held_on=held, attendees=attendees, outcome=outcome, user_id=user.id
    )
    _audit(session, user, inc, "incident.meeting")
    return _back(incident_id, "#meetings")


@router.post("/incidents/{incident_id}/police")
def police(
    incident_id: int,
    reference: str = Form(""),
    user: User = Depends(WRITE),
    session: Session = Depends(db_session),
) -> Response:
    inc = _incident(session, user, incident_id)
    incidents.refer_to_police(session, inc, reference, user.id)
    _audit(session, user, inc, "incident.police")
    return _back(incident_id)


@router.post("/incidents/{incident_id}/legal")
def legal(incident_id: int, user: User = Depends(WRITE), session: Session = Depends(db_session)) -> Response:
    inc = _incident(session, user, incident_id)
    incidents.record_legal_advice(session, inc, user.id)
    _audit(session, user, inc, "incident.legal")
    return _back(incident_id)


@router.post("/incidents/{incident_id}/close")
def close(
    incident_id: int,
    reason: str = Form(""),
    user: User = Depends(WRITE),
    session: Session = Depends(db_session),
) -> Response:
    inc = _incident(session, user, incident_id)
    incidents.close_incident(session, inc, reason, user.id)
    _audit(session, user, inc, "incident.close")
    return _back(incident_id)


def _pack_html(request: Request, session: Session, user: User, incident_id: int) -> str:
    inc = _incident(session, user, incident_id)
    pack = evidence_pack.build_pack(
        session,
        user,
        inc.id,
        request.app.state.config.policy,
        school_details(request, session, inc.school_id).name,
        school_timezone(request, session, inc.school_id),
    )
    if pack is None:
        raise HTTPException(status_code=404, detail="No such incident.")
    return evidence_pack.render_html(pack)


@router.get("/incidents/{incident_id}/evidence.html")
def evidence_html(
    request: Request, incident_id: int, user: User = Depends(READ), session: Session = Depends(db_session)
) -> Response:
    # The pack is a standalone document with its own inline style (shared with the PDF).
    return HTMLResponse(
        _pack_html(request, session, user, incident_id), headers={"Content-Security-Policy": PACK_CSP}
    )


@router.get("/incidents/{incident_id}/evidence.pdf")
def evidence_pdf(
    request: Request, incident_id: int, user: User = Depends(READ), session: Session = Depends(db_session)
) -> Response:
    pdf = evidence_pack.render_pdf(_pack_html(request, session, user, incident_id))
    ref = incidents.incident_ref(incident_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="evidence-{ref}.pdf"'},
    )


@router.get("/people/{person_id}")
def person_page(
    request: Request, person_id: int, user: User = Depends(READ), session: Session = Depends(db_session)
) -> Response:
    person = session.get(Person, person_id)
    if person is None or (user.school_id is not None and person.school_id != user.school_id):
        raise HTTPException(status_code=404, detail="No such person.")
    history = [
        {
            "id": h.id,
            "ref": incidents.incident_ref(h.id),
            "stage": h.stage,
            "status": h.status,
            "opened_at": h.opened_at,
        }
        for h in incidents.person_history(session, person.id)
    ]
    audit.record(
        session,
        user=user,
        action="view.person",
        object_type="person",
        object_id=person.id,
        school_id=person.school_id,
    )
    return render(
        request,
        user,
        "person.html",
        {
            "person": {
                "id": person.id,
                "name": person.name,
                "relationship": person.relationship_to_school,
                "address": person.address,
                "handles": person.handles,
            },
            "history": history,
            "can_write": allows(user.role, Permission.INCIDENT_WRITE),
        },
    )


@router.post("/people/{person_id}")
def edit_person(
    person_id: int,
    name: str = Form(""),
    relationship: str = Form(""),
    address: str = Form(""),
    handles: str = Form(""),
    user: User = Depends(WRITE),
    session: Session = Depends(db_session),
) -> Response:
    """Correct a person's record; the unsent letters of their open incidents are filled in from it."""
    person = session.get(Person, person_id)
    if person is None or (user.school_id is not None and person.school_id != user.school_id):
        raise HTTPException(status_code=404, detail="No such person.")
    incidents.edit_person(
        session,
        person,
        name=name,
        relationship=relationship,
        address=address,
        handles=handles,
        user_id=user.id,
    )
    audit.record(
        session,
        user=user,
        action="person.edit",
        object_type="person",
        object_id=person.id,
        school_id=person.school_id,
    )
    return RedirectResponse(f"/people/{person.id}", status_code=303)
