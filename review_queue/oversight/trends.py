"""The governors' trends: aggregate counts for a school (or a trust) over a term and a year.

Aggregates only.  Nothing here returns a name, a handle, a post's text or a link to an
item, and every count under `SUPPRESS_BELOW` becomes "fewer than 5" before it leaves
this module.  Where a breakdown has a known total and only one suppressed cell, the
next smallest cell is suppressed too, so the hidden one cannot be worked out by
subtraction (secondary suppression, as official statistics do).  The trust view applies
the same rule across schools, so a small school cannot be singled out.

This module computes and shapes numbers; templates and the web router present them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from review_queue.alerts import category_label
from review_queue.models import ConductIncident, Judgement, PlatformReport, Post, ReviewItem, School
from review_queue.oversight import charts
from review_queue.oversight.terms import Period, academic_year_containing, term_containing

# The smallest count shown as a number; below it, "fewer than 5" (the rule, and
# the usual threshold for publishing small-number statistics about children).
SUPPRESS_BELOW = 5
HIDDEN_TEXT = "not shown"
SOURCE_LABELS = {
    "reddit": "Reddit",
    "x": "X",
    "facebook": "Facebook",
    "meta": "Facebook/Instagram",
    "instagram": "Instagram",
    "tiktok": "TikTok",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "rss": "Websites and news",
    "sample": "Sample data",
    "staff": "Staff submissions",
}


@dataclass(frozen=True)
class Count:
    """A count as governors may see it: `value` is None when suppressed."""

    value: int | None
    text: str

    @property
    def suppressed(self) -> bool:
        return self.value is None


def shown(n: int) -> Count:
    if n < SUPPRESS_BELOW:
        return Count(None, f"fewer than {SUPPRESS_BELOW}")
    return Count(n, str(n))


def suppress_group(counts: Sequence[int]) -> list[Count]:
    """Suppress small cells, plus the next smallest one when a single cell would be recoverable."""
    out = [shown(n) for n in counts]
    hidden = [i for i, c in enumerate(out) if c.suppressed]
    # A lone hidden zero may be worked out: "none" singles nobody out, so it needs no partner.
    if len(hidden) == 1 and len(out) > 1 and counts[hidden[0]] > 0:
        visible = sorted((n, i) for i, n in enumerate(counts) if not out[i].suppressed)
        if visible:
            i = visible[0][1]
            # Not small itself: hidden only so the small one cannot be worked out from the total.
            out[i] = Count(None, HIDDEN_TEXT)
    return out


@dataclass(frozen=True)
class PeriodTrends:
    name: str
    start: date
    end: date
    flags: Count
    by_category: list[tuple[str, Count]]
    by_source: list[tuple[str, Count]]
    by_week: list[tuple[str, Count]]
    decisions: Count
    median_hours_to_decision: str
    reports_made: Count
    posts_removed: Count
    incidents: Count
    incidents_by_stage: list[tuple[str, Count]]
    criticism_recognised: Count
    criticism_spared: Count
    # Raw values kept only for tests and trust totals; templates never receive them.
    raw: Mapping[str, int]

    def charts(self, chart_id: str) -> dict[str, Markup]:
        t = SUPPRESS_BELOW
        return {
            "weeks": charts.week_chart(
                self.by_week, title=f"New flags per week, {self.name}", threshold=t, chart_id=f"{chart_id}-w"
            ),
            "categories": charts.bar_chart(
                self.by_category, title="New flags by category", threshold=t, chart_id=f"{chart_id}-c"
            ),
            "sources": charts.bar_chart(
                self.by_source,
                title="New flags by where they were posted",
                threshold=t,
                chart_id=f"{chart_id}-s",
                colour=charts.BAR_ALT,
            ),
        }


@dataclass(frozen=True)
class SchoolTrends:
    name: str
    term: PeriodTrends
    year: PeriodTrends


def _bounds(period: Period, tz: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    start = datetime.combine(period.start, time.min, tzinfo=tz)
    end = min(datetime.combine(period.end, time.min, tzinfo=tz), now)
    return start, end


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def _period_raw(
    session: Session, school_ids: Sequence[int], period: Period, tz: ZoneInfo, now: datetime
) -> dict[str, Any]:
    """Every number a period needs, unsuppressed; never leaves this module as is."""
    start, end = _bounds(period, tz, now)
    items = session.execute(
        select(
            ReviewItem.categories, Post.kind, ReviewItem.created_at, ReviewItem.decided_at, ReviewItem.status
        )
        .join(Post, Post.id == ReviewItem.post_id)
        .where(
            ReviewItem.school_id.in_(school_ids), ReviewItem.created_at >= start, ReviewItem.created_at < end
        )
    )
    cats: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    weeks: Counter[int] = Counter()
    flags = 0
    for categories, kind, created, _decided, _status in items:
        flags += 1
        cats.update(categories or [])
        sources[kind] += 1
        local = created.astimezone(tz).date()
        weeks[local.toordinal() - local.weekday()] += 1
    decided = session.execute(
        select(ReviewItem.created_at, ReviewItem.decided_at).where(
            ReviewItem.school_id.in_(school_ids),
            ReviewItem.decided_at.is_not(None),
            ReviewItem.decided_at >= start,
            ReviewItem.decided_at < end,
        )
    )
    hours = [(d - c).total_seconds() / 3600 for c, d in decided if d is not None]
    reports = session.execute(
        select(PlatformReport.outcome)
        .join(ReviewItem, ReviewItem.id == PlatformReport.item_id)
        .where(
            ReviewItem.school_id.in_(school_ids),
            PlatformReport.reported_at.is_not(None),
            PlatformReport.reported_at >= start,
            PlatformReport.reported_at < end,
        )
    ).scalars()
    outcomes = Counter(reports)
    stages = Counter(
        session.scalars(
            select(ConductIncident.stage).where(
                ConductIncident.school_id.in_(school_ids),
                ConductIncident.opened_at >= start,
                ConductIncident.opened_at < end,
            )
        )
    )
    crit = session.execute(
        select(Judgement.recognised, ReviewItem.status)
        .join(Post, Post.id == Judgement.post_id)
        .outerjoin(ReviewItem, ReviewItem.post_id == Post.id)
        .where(Post.school_id.in_(school_ids), Judgement.judged_at >= start, Judgement.judged_at < end)
    )
    recognised = spared = 0
    for rec, status in crit:
        if "criticism" in (rec or []):
            recognised += 1
            if status is None or status == "dismissed":
                spared += 1
    return {
        "flags": flags,
        "categories": cats,
        "sources": sources,
        "weeks": weeks,
        "decisions": len(hours),
        "median_hours": _median(hours),
        "reports_made": sum(outcomes.values()),
        "posts_removed": outcomes["removed"],
        "incidents": sum(stages.values()),
        "stages": stages,
        "criticism_recognised": recognised,
        "criticism_spared": spared,
        "start": start,
        "end": end,
    }


def _shape(raw: Mapping[str, Any], period: Period, policy: Mapping[str, Any], tz: ZoneInfo) -> PeriodTrends:
    cat_names = list(policy.get("categories", {}))
    cat_names += sorted(c for c in raw["categories"] if c not in cat_names)
    cat_counts = suppress_group([raw["categories"][c] for c in cat_names])
    by_category = [(category_label(c), n) for c, n in zip(cat_names, cat_counts, strict=True)]

    kinds = sorted(raw["sources"], key=lambda k: (-raw["sources"][k], k))
    src_counts = suppress_group([raw["sources"][k] for k in kinds])
    by_source = [(SOURCE_LABELS.get(k, k.capitalize()), n) for k, n in zip(kinds, src_counts, strict=True)]

    end_local: datetime = raw["end"].astimezone(tz)
    mondays = [m for m in period.weeks() if m <= end_local.date()]
    week_counts = suppress_group([raw["weeks"][m.toordinal()] for m in mondays])
    by_week = [(m.strftime("%d %b"), n) for m, n in zip(mondays, week_counts, strict=True)]

    stage_defs = policy.get("incidents", {}).get("stages", [])
    keys: list[str | None] = [None, *[s["key"] for s in stage_defs]]
    titles = {
        None: "Opened, no letter yet",
        "invitation": "Meeting invitation",
        "warning": "Warning letter",
        "ban": "Site ban",
    }
    keys += sorted(k for k in raw["stages"] if k not in keys)
    stage_counts = suppress_group([raw["stages"][k] for k in keys])
    incidents_by_stage = [
        (titles.get(k, str(k).capitalize()), n) for k, n in zip(keys, stage_counts, strict=True)
    ]

    crit = suppress_group([raw["criticism_spared"], raw["criticism_recognised"] - raw["criticism_spared"]])
    median = raw["median_hours"]
    if raw["decisions"] < SUPPRESS_BELOW or median is None:
        median_text = f"not shown (fewer than {SUPPRESS_BELOW} decisions)"
    else:
        median_text = f"{median:.1f} hours" if median < 48 else f"{median / 24:.1f} days"
    # Removed and not removed add up to reports made, so they are suppressed as a pair.
    removed = suppress_group([raw["posts_removed"], raw["reports_made"] - raw["posts_removed"]])[0]
    return PeriodTrends(
        name=period.name,
        start=period.start,
        end=period.end,
        flags=shown(raw["flags"]),
        by_category=by_category,
        by_source=by_source,
        by_week=by_week,
        decisions=shown(raw["decisions"]),
        median_hours_to_decision=median_text,
        reports_made=shown(raw["reports_made"]),
        posts_removed=removed,
        incidents=shown(raw["incidents"]),
        incidents_by_stage=incidents_by_stage,
        criticism_recognised=shown(raw["criticism_recognised"]),
        criticism_spared=crit[0],
        raw={k: v for k, v in raw.items() if isinstance(v, int)},
    )


def school_trends(
    session: Session,
    school_ids: Sequence[int],
    name: str,
    now: datetime,
    *,
    timezone: str,
    policy: Mapping[str, Any],
    term: Period | None = None,
) -> SchoolTrends:
    """The current (or given) term and its academic year, for one school or several summed."""
    tz = ZoneInfo(timezone)
    today = now.astimezone(tz).date()
    term = term or term_containing(today)
    year = academic_year_containing(term.start)
    return SchoolTrends(
        name=name,
        term=_shape(_period_raw(session, school_ids, term, tz, now), term, policy, tz),
        year=_shape(_period_raw(session, school_ids, year, tz, now), year, policy, tz),
    )


@dataclass(frozen=True)
class TrustRow:
    label: str
    cells: list[Count]  # one per school, then the trust total


@dataclass(frozen=True)
class TrustTrends:
    schools: list[SchoolTrends]
    total: SchoolTrends
    rows: list[TrustRow]


# The side-by-side table's rows: (label, key in PeriodTrends.raw).
TRUST_ROWS = (
    ("New flags this term", "flags"),
    ("Decisions made", "decisions"),
    ("Reports to platforms", "reports_made"),
    ("Posts removed after a report", "posts_removed"),
    ("Conduct incidents opened", "incidents"),
    ("Criticism recognised", "criticism_recognised"),
    ("Criticism spared", "criticism_spared"),
)


def trust_trends(session: Session, now: datetime, *, timezone: str, policy: Mapping[str, Any]) -> TrustTrends:
    """Every school side by side plus the trust's total; suppression applies across schools too."""
    schools = list(session.execute(select(School.id, School.name).order_by(School.name)))
    per_school = [
        school_trends(session, [sid], name, now, timezone=timezone, policy=policy) for sid, name in schools
    ]
    total = school_trends(
        session, [sid for sid, _ in schools], "All schools", now, timezone=timezone, policy=policy
    )
    rows = []
    for label, key in TRUST_ROWS:
        cells = suppress_group([s.term.raw[key] for s in per_school])
        rows.append(TrustRow(label, [*cells, shown(total.term.raw[key])]))
    return TrustTrends(schools=per_school, total=total, rows=rows)
