"""The headteacher's weekly digest: what the week's numbers are, as plain data, and its email.

`build_digest` reads one school's week (new flags, decisions, waiting items, incidents,
platform reports) and compares it with the week before and with last term;
`render_digest` turns that into an HTML email with a plain-text twin.  The digest links
into the console and never quotes a post, a handle or a person: personal data stays in
Gatepost.  It is for staff, so small counts are shown as they are (the governors'
trends suppress them; see `review_queue.oversight.trends`).  Sending is `monitor.jobs.digest`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifiers.policy import Policy
from review_queue import audit
from review_queue.alerts import ITEM_PATH
from review_queue.localtime import local_date, local_time
from review_queue.models import (
    ConductIncident,
    Decision,
    Letter,
    PlatformReport,
    ReviewItem,
    School,
)
from review_queue.oversight.terms import previous_term, term_containing

SEVERITY_ORDER = ("urgent", "high", "medium", "low")
# Console routes the digest links to; the console owns them.
QUEUE_PATH = "/queue"
INCIDENT_PATH = "/incidents/{id}"
# A change is notable when it moves by at least this many flags and by half or more.
NOTABLE_MIN_CHANGE = 3
NOTABLE_RATIO = 0.5
# Only the biggest category moves are listed: a digest is read on a phone.
MAX_CATEGORY_CHANGES = 3
# "Has this school any history?" looks back to here (before any Gatepost install).
HISTORY_START = datetime(2000, 1, 1, tzinfo=UTC)
# An open incident with nothing done for this long is listed as needing its next step.
INCIDENT_QUIET_DAYS = 7
# A reported post still up after this long suggests Report Harmful Content.
REPORT_ESCALATE_AFTER = timedelta(hours=48)
# Report outcomes after which the post is still up (mirrors review_queue.casework.platform_reports.STILL_UP).
STILL_UP = ("pending", "refused", "no_response")
ACTION_WORDS = {
    "confirm": "Confirmed as a breach",
    "dismiss": "Dismissed (not a breach)",
    "escalate": "Escalated",
    "hand_back": "Handed back by whoever it was escalated to",
}
OUTCOME_WORDS = {
    "pending": "Awaiting the platform",
    "removed": "Removed",
    "restricted": "Restricted",
    "refused": "Refused by the platform",
    "no_response": "No response",
}


@dataclass(frozen=True)
class CategoryRow:
    label: str
    total: int
    by_severity: dict[str, int]


@dataclass(frozen=True)
class NextStep:
    what: str
    since: str
    link: str
    overdue: bool


@dataclass(frozen=True)
class Digest:
    school_name: str
    period: str
    generated: str
    console_url: str
    new_total: int
    new_by_category: list[CategoryRow]
    severities: tuple[str, ...]
    decisions: list[tuple[str, int]]
    decisions_total: int
    median_hours_to_decision: float | None
    waiting: int
    escalated: int
    overdue: int
    oldest_waiting_age: str | None
    oldest_waiting_link: str | None
    incidents_by_stage: list[tuple[str, int]]
    incidents_opened: int
    next_steps: list[NextStep]
    reports_made: int
    report_outcomes: list[tuple[str, int]]
    reports_still_up: int
    reports_still_up_links: list[tuple[int, str]]
    changes: list[str] = field(default_factory=list)
    # The audit log's newest entry when the digest was built, kept in the headteacher's
    # mailbox so that `gatepost audit verify --anchor` can later show it was not removed.
    audit_anchor: str = ""


def _local(dt: datetime, tz: ZoneInfo) -> str:
    return local_date(dt, str(tz), "%a %d %b %Y")


def _age(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours < 1:
        return "under an hour"
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{hours // 24} days"


def _category_counts(session: Session, school_id: int, start: datetime, end: datetime) -> Counter[str]:
    counts: Counter[str] = Counter()
    rows = session.scalars(
        select(ReviewItem.categories).where(
            ReviewItem.school_id == school_id, ReviewItem.created_at >= start, ReviewItem.created_at < end
        )
    )
    for cats in rows:
        counts.update(cats or [])
    return counts


def _flag_count(session: Session, school_id: int, start: datetime, end: datetime) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                ReviewItem.school_id == school_id, ReviewItem.created_at >= start, ReviewItem.created_at < end
            )
        )
        or 0
    )


def _is_notable(now: float, before: float) -> bool:
    diff = abs(now - before)
    return diff >= NOTABLE_MIN_CHANGE and diff >= NOTABLE_RATIO * max(before, 1)


def _changes(
    session: Session, school_id: int, start: datetime, end: datetime, tz: ZoneInfo, policy: Policy
) -> list[str]:
    week = timedelta(days=7)
    if _flag_count(session, school_id, HISTORY_START, start) == 0:
        return ["This is the first week with flags in Gatepost, so there is nothing yet to compare it with."]
    this = _flag_count(session, school_id, start, end)
    last = _flag_count(session, school_id, start - week, start)
    term = previous_term(term_containing(end.astimezone(tz).date()))
    t0 = datetime.combine(term.start, datetime.min.time(), tzinfo=tz)
    t1 = datetime.combine(term.end, datetime.min.time(), tzinfo=tz)
    weeks = term.days / 7
    term_total = _flag_count(session, school_id, t0, t1)
    term_avg = term_total / weeks
    out: list[str] = []
    if _is_notable(this, last):
        word = "up" if this > last else "down"
        out.append(f"New flags are {word}: {this} this week against {last} the week before.")
    # Last term is only a baseline if Gatepost was watching then.
    if term_total and _is_notable(this, term_avg):
        word = "above" if this > term_avg else "below"
        out.append(
            f"This week's {this} new flags are well {word} last term's average of {term_avg:.1f} a week "
            f"({term.name})."
        )
    cats_now = _category_counts(session, school_id, start, end)
    cats_last = _category_counts(session, school_id, start - week, start)
    cats_term = _category_counts(session, school_id, t0, t1)
    moves: list[tuple[int, str]] = []
    for cat in sorted(set(cats_now) | set(cats_last)):
        n, b, avg = cats_now[cat], cats_last[cat], cats_term[cat] / weeks
        if _is_notable(n, b) and (not term_total or _is_notable(n, avg)):
            word = "rose" if n > b else "fell"
            line = f"{policy.label(cat)} flags {word} to {n}, from {b} last week"
            line += f" (last term: {avg:.1f} a week)." if term_total else "."
            moves.append((abs(n - b), line))
    out += [line for _, line in sorted(moves, key=lambda m: -m[0])[:MAX_CATEGORY_CHANGES]]
    if not out:
        out.append("No notable change against last week or last term's weekly average.")
    return out


def build_digest(
    session: Session,
    school_id: int,
    now: datetime,
    *,
    timezone: str,
    base_url: str,
    policy: Policy,
) -> Digest:
    """The week ending at `now` for one school, as plain data ready for a template."""
    tz = ZoneInfo(timezone)
    base = base_url.rstrip("/")
    school = session.get(School, school_id)
    assert school is not None
    start = now - timedelta(days=7)

    items = session.execute(
        select(ReviewItem.categories, ReviewItem.severity).where(
            ReviewItem.school_id == school_id, ReviewItem.created_at >= start, ReviewItem.created_at < now
        )
    )
    by_cat: dict[str, Counter[str]] = {}
    new_total = 0
    for cats, severity in items:
        new_total += 1
        for cat in cats or ["uncategorised"]:
            by_cat.setdefault(cat, Counter())[severity] += 1
    rows = [
        CategoryRow(policy.label(cat), sum(c.values()), {s: c[s] for s in SEVERITY_ORDER if c[s]})
        for cat, c in by_cat.items()
    ]
    rows.sort(key=lambda r: (-r.total, r.label))
    severities = tuple(s for s in SEVERITY_ORDER if any(s in r.by_severity for r in rows))

    actions = Counter(
        session.scalars(
            select(Decision.action)
            .join(ReviewItem, ReviewItem.id == Decision.item_id)
            .where(
                ReviewItem.school_id == school_id,
                Decision.created_at >= start,
                Decision.created_at < now,
                Decision.action != "note",
            )
        )
    )
    decided = session.execute(
        select(ReviewItem.created_at, ReviewItem.decided_at).where(
            ReviewItem.school_id == school_id,
            ReviewItem.decided_at.is_not(None),
            ReviewItem.decided_at >= start,
            ReviewItem.decided_at < now,
        )
    )
    hours = sorted((d - c).total_seconds() / 3600 for c, d in decided if d is not None)
    median = _median(hours)

    open_items = session.execute(
        select(ReviewItem.id, ReviewItem.created_at, ReviewItem.due_at, ReviewItem.status).where(
            ReviewItem.school_id == school_id, ReviewItem.status.in_(("open", "escalated"))
        )
    )
    waiting = escalated = overdue = 0
    oldest: tuple[int, datetime] | None = None
    for item_id, created, due, status in open_items:
        if status == "escalated":
            escalated += 1
        else:
            waiting += 1
            if oldest is None or created < oldest[1]:
                oldest = (item_id, created)
        if due is not None and due < now:
            overdue += 1

    stage_keys = policy.incidents.stage_keys
    # The stages' labels in a sentence: "next step is the meeting invitation letter".
    stage_titles = {k: _in_a_sentence(policy.incidents.stage_label(k)) for k in stage_keys}
    incidents = session.execute(
        select(ConductIncident.id, ConductIncident.stage, ConductIncident.opened_at).where(
            ConductIncident.school_id == school_id, ConductIncident.status == "open"
        )
    )
    stage_counts: Counter[str | None] = Counter()
    next_steps: list[NextStep] = []
    unsent = dict(
        session.execute(
            select(Letter.incident_id, func.count())
            .join(ConductIncident, ConductIncident.id == Letter.incident_id)
            .where(ConductIncident.school_id == school_id, Letter.sent_at.is_(None))
            .group_by(Letter.incident_id)
        ).all()
    )
    last_letter = dict(
        session.execute(
            select(Letter.incident_id, func.max(Letter.sent_at))
            .join(ConductIncident, ConductIncident.id == Letter.incident_id)
            .where(ConductIncident.school_id == school_id)
            .group_by(Letter.incident_id)
        ).all()
    )
    for inc_id, stage, opened in incidents:
        stage_counts[stage] += 1
        since = last_letter.get(inc_id) or opened
        quiet = now - since
        link = base + INCIDENT_PATH.format(id=inc_id)
        if unsent.get(inc_id):
            what = f"Incident {inc_id}: a drafted letter is waiting to be sent"
        elif stage is None:
            first = stage_titles.get(stage_keys[0], "first letter") if stage_keys else "first letter"
            what = f"Incident {inc_id} (opened, no letter yet): next step is the {first}"
        elif stage in stage_keys and stage_keys.index(stage) + 1 < len(stage_keys):
            nxt = stage_titles[stage_keys[stage_keys.index(stage) + 1]]
            what = (
                f"Incident {inc_id} ({stage_titles.get(stage, stage)} sent): decide whether a {nxt} is needed"
            )
        else:
            what = f"Incident {inc_id} ({stage_titles.get(stage, stage)} sent): review the ban's terms"
        next_steps.append(
            NextStep(what, _age(quiet) + " ago", link, quiet >= timedelta(days=INCIDENT_QUIET_DAYS))
        )
    next_steps.sort(key=lambda s: (not s.overdue, s.what))
    incidents_by_stage = [(stage_titles.get(k, k), stage_counts[k]) for k in stage_keys if stage_counts[k]]
    if stage_counts[None]:
        incidents_by_stage.insert(0, ("Opened, no letter sent yet", stage_counts[None]))
    incidents_opened = int(
        session.scalar(
            select(func.count()).where(
                ConductIncident.school_id == school_id,
                ConductIncident.opened_at >= start,
                ConductIncident.opened_at < now,
            )
        )
        or 0
    )

    report_q = (
        select(PlatformReport)
        .join(ReviewItem, ReviewItem.id == PlatformReport.item_id)
        .where(ReviewItem.school_id == school_id)
    )
    reports = list(session.scalars(report_q))
    made = [r for r in reports if r.reported_at is not None and start <= r.reported_at < now]
    outcomes = Counter(r.outcome for r in made)
    outcomes.update(
        r.outcome
        for r in reports
        if r.outcome_at is not None and start <= r.outcome_at < now and r not in made
    )
    still_up = [
        r
        for r in reports
        if r.reported_at is not None
        and r.outcome in STILL_UP
        and now - r.reported_at >= REPORT_ESCALATE_AFTER
    ]

    return Digest(
        school_name=school.name,
        period=f"{_local(start, tz)} to {_local(now - timedelta(seconds=1), tz)}",
        generated=local_time(now, timezone, "%a %d %b %Y, %H:%M"),
        console_url=base + QUEUE_PATH,
        new_total=new_total,
        new_by_category=rows,
        severities=severities,
        decisions=[(ACTION_WORDS[a], actions[a]) for a in ACTION_WORDS if actions[a]],
        decisions_total=sum(actions.values()),
        median_hours_to_decision=median,
        waiting=waiting,
        escalated=escalated,
        overdue=overdue,
        oldest_waiting_age=_age(now - oldest[1]) if oldest else None,
        oldest_waiting_link=base + ITEM_PATH.format(id=oldest[0]) if oldest else None,
        incidents_by_stage=incidents_by_stage,
        incidents_opened=incidents_opened,
        next_steps=next_steps,
        reports_made=len(made),
        report_outcomes=[(OUTCOME_WORDS.get(o, o), n) for o, n in outcomes.most_common()],
        reports_still_up=len(still_up),
        reports_still_up_links=[(r.item_id, base + ITEM_PATH.format(id=r.item_id)) for r in still_up[:5]],
        changes=_changes(session, school_id, start, now, tz, policy),
        audit_anchor=str(audit.head(session) or ""),
    )


def _in_a_sentence(label: str) -> str:
    return label[:1].lower() + label[1:]


def _median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


# The digest's templates: email/digest.html and its plain-text twin.
TEMPLATES = Path(__file__).resolve().parent / "templates"
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(("html",)),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_digest(digest: Digest) -> tuple[str, str, str]:
    """(subject, html, text) for the digest email."""
    subject = (
        f"Gatepost weekly digest, {digest.school_name}: "
        f"{digest.new_total} new flags, {digest.waiting} waiting"
    )
    html = _env.get_template("email/digest.html").render(d=digest)
    text = _env.get_template("email/digest.txt").render(d=digest)
    return subject, html, text
