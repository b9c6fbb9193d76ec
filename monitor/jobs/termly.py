"""Write the governors' termly report for one school, or for a trust of several, to a file.

One profile gives that school's report; several (or none given, with `schools` in the
settings) give the trust's, every school side by side with the total.  The format
follows the file name: `.pdf` or `.html`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from classifiers.policy import Policy
from monitor.settings import Profile, Settings
from review_queue.db import Database
from review_queue.models import School
from review_queue.oversight import termly
from review_queue.oversight.trends import school_trends, trust_trends


class ReportError(Exception):
    """The report cannot be written as asked (unknown school, unknown format)."""


def write_termly(
    db: Database,
    settings: Settings,
    profiles: list[Profile],
    policy: Policy,
    out: Path,
    *,
    now: datetime | None = None,
) -> Path:
    now = now or datetime.now(UTC)
    if out.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise ReportError(f"{out}: the report is written as .pdf or .html; fix: change the file name")
    with db.session_scope() as session:
        if len(profiles) == 1:
            school = session.scalar(select(School).where(School.slug == profiles[0].slug))
            if school is None:
                raise ReportError(
                    f"school '{profiles[0].slug}' has no data yet; "
                    "fix: run `gatepost fetch` or `gatepost run` first"
                )
            zone = profiles[0].timezone(settings)
            report: Any = school_trends(
                session, school.id, school.name, now, timezone=zone, policy=policy, slug=school.slug
            )
        else:
            zone = settings.timezone
            report = trust_trends(
                session,
                now,
                timezone=zone,
                policy=policy,
                timezones={p.slug: p.timezone(settings) for p in profiles},
            )
    html = termly.render_html(report, now, zone)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".pdf":
        out.write_bytes(termly.render_pdf(html))
    else:
        out.write_text(html, encoding="utf-8")
    return out
