"""The governors' trends: aggregate counts for each school and for the trust, term by term.

Aggregates only.  Nothing here returns a name, a handle, a post's text or a link to an
item, and no count from 1 to 4 leaves this module as a number.

How small numbers stay hidden
-----------------------------
Everything a governor or the trust can see at one time is treated as one publication: the
trends page, the termly report, each school's section, the trust's side-by-side table and
totals, this term, and each earlier term of the academic year.  These rules hold across
all of it:

1. A count of 1 to 4 reads "fewer than 5".  A count of 0 is shown as 0: "none" singles
   nobody out, so an empty week is drawn as zero, not as a hatched band.  (Hidden counts
   are therefore known to be 1 to 4, and the checks below assume that.)
2. A breakdown (new flags by where, by week and by category; incidents by stage) is shown
   only under a total of 5 or more.  Inside it, while any hidden cell could be worked out
   from the total and the other cells, the smallest cell still shown is hidden too ("not
   shown"); if nothing is left to hide, the breakdown is left out as a whole.  Cells are
   listed in a fixed order (policy, calendar, name), never by size, which would place a
   hidden cell between two shown ones.
3. "Posts removed" lies within "reports to platforms", and "criticism left alone" within
   "criticism recognised".  What is left over (reports not acted on, criticism that was
   flagged) is never shown but follows by subtraction, so a small remainder hides the
   count; in the one case where even that could be worked out, the total is hidden too.
4. A school's figures depend on that school's data alone, so a governor sees exactly what
   the trust sees for their school.  The trust's total of a row is shown only if no hidden
   school figure could be worked out from it; the totals of "posts removed" and "criticism
   left alone", and every total whose parts include a "not shown", only when every
   school's figure is shown.
5. A year-so-far figure (a school's or the trust's) is shown only when every term it adds
   up is shown, and an earlier term's figures are computed exactly as that term's own
   report showed them, so comparing this year's page with last term's report reveals
   nothing either.

"Worked out" is the arithmetic of someone who holds every page and report at once, knows
which numbers add up to which, that "fewer than 5" is 1 to 4, and that "not shown" is at
least 5 and no more than the smallest number shown beside it.  For one group of cells
adding up to a total, what each hidden cell could be is exact (`_ranges`); the rules above
leave every hidden cell in at most one group that an outsider can use, so checking the
groups one by one is enough.  tests/review_queue/test_trends_suppression.py plays that
person with an integer solver over everything shown.

What the rules do not cover: two snapshots of one term taken on different days differ by
what happened in between, which can be small (give governors the report taken when a term
ends); and a retention prune of an earlier term's rows changes that term's figures.

This module computes and shapes numbers; templates and the web router present them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.policy import Policy
from review_queue.models import ConductIncident, Judgement, PlatformReport, Post, ReviewItem, School
from review_queue.oversight import charts
from review_queue.oversight.terms import Period, academic_year_containing, term_containing

# The smallest count shown as a number; below it, "fewer than 5" (the rule, and
# the usual threshold for publishing small-number statistics about children).
SUPPRESS_BELOW = 5
SMALL_TEXT = f"fewer than {SUPPRESS_BELOW}"
HIDDEN_TEXT = "not shown"
WITHHELD_TEXT = "Not broken down: too few to show without revealing a small number."
# Incidents by stage: the row for those opened with no letter sent (the ladder's labels follow).
NO_LETTER_YET = "Opened, no letter yet"
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
# The headline figures, in the order every table shows them: (key, label).
MEASURES = (
    ("flags", "New flags"),
    ("decisions", "Decisions made"),
    ("reports_made", "Reports to platforms"),
    ("posts_removed", "Posts removed after a report"),
    ("incidents", "Conduct incidents opened"),
    ("criticism_recognised", "Criticism recognised"),
    ("criticism_spared", "Criticism left alone"),
)
# Totals of these are shown only when every part is (rule 4): their parts are also parts of
# the school's "reports made" and "criticism recognised", a second group an outsider can use.
STRICT_TOTALS = frozenset({"posts_removed", "criticism_spared"})


@dataclass(frozen=True)
class Count:
    """A count as governors may see it: `value` is None when hidden, and `text` says how."""

    value: int | None
    text: str

    @property
    def suppressed(self) -> bool:
        return self.value is None


HIDDEN = Count(None, HIDDEN_TEXT)


def _small(n: int) -> bool:
    return 0 < n < SUPPRESS_BELOW


def shown(n: int) -> Count:
    """Rule 1: 1 to 4 reads "fewer than 5"; 0 and 5 or more are shown as they are."""
    return Count(None, SMALL_TEXT) if _small(n) else Count(n, str(n))


def _ranges(bounds: Sequence[tuple[int, int]], hidden_sum: int, *, at_least: bool) -> list[tuple[int, int]]:
    """What each hidden cell could be, given each one's bounds and that together they make `hidden_sum`.

    Exact for whole numbers: the others can make any total between their lowest and their
    highest, so cell i is anything from max(lo, sum - others' highest) to min(hi, sum -
    others' lowest).  With `at_least` (categories: an item may carry several) they make at
    least `hidden_sum`, which only raises the lower end.
    """
    lo_all = sum(lo for lo, _ in bounds)
    hi_all = sum(hi for _, hi in bounds)
    out = []
    for lo, hi in bounds:
        low = max(lo, hidden_sum - (hi_all - hi))
        high = hi if at_least else min(hi, hidden_sum - (lo_all - lo))
        out.append((low, high))
    return out


def _safe(values: Sequence[int], hidden: set[int], total: int, *, at_least: bool) -> bool:
    """Whether no hidden cell of a breakdown has only one possible value."""
    if not hidden:
        return True
    visible = [v for i, v in enumerate(values) if i not in hidden]
    # A "not shown" cell was the smallest shown one when it was hidden: at least 5, at most
    # the smallest still shown (an outsider who knows the rule knows that much).
    cap = min([v for v in visible if v >= SUPPRESS_BELOW] + [total])
    bounds = [(1, SUPPRESS_BELOW - 1) if _small(values[i]) else (SUPPRESS_BELOW, cap) for i in sorted(hidden)]
    return all(lo < hi for lo, hi in _ranges(bounds, total - sum(visible), at_least=at_least))


def breakdown(values: Sequence[int], total: int, *, at_least: bool = False) -> list[Count] | None:
    """Rule 2: the cells of a breakdown of `total`, or None when it cannot be shown safely.

    `at_least`: the cells may add up to more than the total (categories of multi-category items).
    """
    if total == 0:
        return [shown(0) for _ in values]
    if total < SUPPRESS_BELOW:
        return None
    hidden = {i for i, v in enumerate(values) if _small(v)}
    while not _safe(values, hidden, total, at_least=at_least):
        candidates = [i for i, v in enumerate(values) if i not in hidden and v >= SUPPRESS_BELOW]
        if not candidates:
            return None
        # Not small itself: hidden only so a small one cannot be worked out from the total.
        hidden.add(min(candidates, key=lambda i: (values[i], i)))
    return [HIDDEN if i in hidden and not _small(v) else shown(v) for i, v in enumerate(values)]


def part_of(part: int, whole: int) -> tuple[Count, Count]:
    """Rule 3: (part, whole) cells for a count within a total whose remainder is never shown."""
    rest = whole - part
    if whole < SUPPRESS_BELOW or not _small(rest) or _small(part):
        # The whole is small (so is the part), or the remainder is 0 or 5 or more, or the
        # part is itself "fewer than 5" and the remainder could be anything up to the whole.
        return shown(part), shown(whole)
    # The part is 5 or more and the remainder 1 to 4: hide the part.  Then it is known to lie
    # between max(5, whole - 4) and whole - 1, a single value only when whole is 6.
    if max(SUPPRESS_BELOW, whole - (SUPPRESS_BELOW - 1)) >= whole - 1:
        return HIDDEN, HIDDEN
    return HIDDEN, shown(whole)


def _hidden_total(total: int) -> Count:
    return shown(total) if total < SUPPRESS_BELOW else HIDDEN


def total_of(values: Sequence[int], cells: Sequence[Count], *, strict: bool = False) -> Count:
    """Rules 4 and 5: the total of `values` as shown beside their `cells`.

    Shown when every cell is; otherwise, unless `strict`, shown when the hidden cells are all
    "fewer than 5" and none of them could be worked out from it.
    """
    total = sum(values)
    hidden = [v for v, c in zip(values, cells, strict=True) if c.suppressed]
    if not hidden:
        return shown(total)
    if strict or any(c.suppressed and c.text != SMALL_TEXT for c in cells):
        return _hidden_total(total)
    ranges = _ranges([(1, SUPPRESS_BELOW - 1)] * len(hidden), sum(hidden), at_least=False)
    return shown(total) if all(lo < hi for lo, hi in ranges) else _hidden_total(total)


def _median_text(hours: Sequence[float]) -> str:
    if len(hours) < SUPPRESS_BELOW:
        return f"not shown (fewer than {SUPPRESS_BELOW} decisions)"
    values = sorted(hours)
    mid = len(values) // 2
    median = values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
    return f"{median:.1f} hours" if median < 48 else f"{median / 24:.1f} days"


@dataclass(frozen=True)
class PeriodTrends:
    """One school's term: the headline figures and their breakdowns (None: not broken down)."""

    name: str
    start: date
    end: date
    flags: Count
    by_category: list[tuple[str, Count]] | None
    by_source: list[tuple[str, Count]] | None
    by_week: list[tuple[str, Count]] | None
    decisions: Count
    median_hours_to_decision: str
    reports_made: Count
    posts_removed: Count
    incidents: Count
    incidents_by_stage: list[tuple[str, Count]] | None
    criticism_recognised: Count
    criticism_spared: Count
    # Unsuppressed numbers, for tests only; templates never show them.
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)

    def headline(self) -> dict[str, Count]:
        return {key: getattr(self, key) for key, _ in MEASURES}

    def charts(self, chart_id: str) -> dict[str, Markup]:
        t = SUPPRESS_BELOW
        return {
            "weeks": charts.week_chart(
                self.by_week or [],
                title=f"New flags per week, {self.name}",
                threshold=t,
                chart_id=f"{chart_id}-w",
                withheld=WITHHELD_TEXT if self.by_week is None else "",
            ),
            "categories": charts.bar_chart(
                self.by_category or [],
                title="New flags by category",
                threshold=t,
                chart_id=f"{chart_id}-c",
                withheld=WITHHELD_TEXT if self.by_category is None else "",
            ),
            "sources": charts.bar_chart(
                self.by_source or [],
                title="New flags by where they were posted",
                threshold=t,
                chart_id=f"{chart_id}-s",
                colour=charts.BAR_ALT,
                withheld=WITHHELD_TEXT if self.by_source is None else "",
            ),
        }


@dataclass(frozen=True)
class Row:
    """A table row: a measure's label and its cells (schools or terms, then the total)."""

    label: str
    cells: list[Count]
    key: str = ""


@dataclass(frozen=True)
class YearTrends:
    """The academic year so far, term by term, with the year's total (rule 5)."""

    name: str
    columns: list[str]  # each term so far, then "Year so far"
    rows: list[Row]


@dataclass(frozen=True)
class SchoolTrends:
    name: str
    term: PeriodTrends
    # None while the year so far is this term alone (autumn): it would repeat the term.
    year: YearTrends | None
    slug: str = ""
    # Each term of the year so far, oldest first, as (period, raw figures, headline cells).
    terms: list[tuple[Period, Mapping[str, Any], dict[str, Count]]] = field(repr=False, default_factory=list)


@dataclass(frozen=True)
class TrustTrends:
    schools: list[SchoolTrends]
    # The term side by side: one cell per school, then the trust's total.
    rows: list[Row]
    term_name: str
    median_hours_to_decision: str
    year: YearTrends | None


def _bounds(period: Period, tz: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    start = datetime.combine(period.start, time.min, tzinfo=tz)
    end = min(datetime.combine(period.end, time.min, tzinfo=tz), now)
    return start, end


def _period_raw(
    session: Session, school_id: int, period: Period, tz: ZoneInfo, now: datetime
) -> dict[str, Any]:
    """Every number a period needs, unsuppressed; never leaves this module as is."""
    start, end = _bounds(period, tz, now)
    items = session.execute(
        select(ReviewItem.categories, Post.kind, ReviewItem.created_at)
        .join(Post, Post.id == ReviewItem.post_id)
        .where(ReviewItem.school_id == school_id, ReviewItem.created_at >= start, ReviewItem.created_at < end)
    )
    cats: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    weeks: Counter[int] = Counter()
    flags = 0
    for categories, kind, created in items:
        flags += 1
        cats.update(categories or [])
        sources[kind] += 1
        local = created.astimezone(tz).date()
        weeks[local.toordinal() - local.weekday()] += 1
    decided = session.execute(
        select(ReviewItem.created_at, ReviewItem.decided_at).where(
            ReviewItem.school_id == school_id,
            ReviewItem.decided_at.is_not(None),
            ReviewItem.decided_at >= start,
            ReviewItem.decided_at < end,
        )
    )
    hours = [(d - c).total_seconds() / 3600 for c, d in decided if d is not None]
    outcomes = Counter(
        session.scalars(
            select(PlatformReport.outcome)
            .join(ReviewItem, ReviewItem.id == PlatformReport.item_id)
            .where(
                ReviewItem.school_id == school_id,
                PlatformReport.reported_at.is_not(None),
                PlatformReport.reported_at >= start,
                PlatformReport.reported_at < end,
            )
        )
    )
    stages = Counter(
        session.scalars(
            select(ConductIncident.stage).where(
                ConductIncident.school_id == school_id,
                ConductIncident.opened_at >= start,
                ConductIncident.opened_at < end,
            )
        )
    )
    crit = session.execute(
        select(Judgement.recognised, ReviewItem.status)
        .join(Post, Post.id == Judgement.post_id)
        .outerjoin(ReviewItem, ReviewItem.post_id == Post.id)
        .where(Post.school_id == school_id, Judgement.judged_at >= start, Judgement.judged_at < end)
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
        "hours": hours,
        "reports_made": sum(outcomes.values()),
        "posts_removed": outcomes["removed"],
        "incidents": sum(stages.values()),
        "stages": stages,
        "criticism_recognised": recognised,
        "criticism_spared": spared,
        "start": start,
        "end": end,
    }


def _headline(raw: Mapping[str, Any]) -> dict[str, Count]:
    """A term's headline cells: rule 1, and rule 3 for the two counts that lie within others."""
    cells = {key: shown(raw[key]) for key, _ in MEASURES}
    cells["posts_removed"], cells["reports_made"] = part_of(raw["posts_removed"], raw["reports_made"])
    cells["criticism_spared"], cells["criticism_recognised"] = part_of(
        raw["criticism_spared"], raw["criticism_recognised"]
    )
    return cells


def _labelled(labels: Sequence[str], cells: list[Count] | None) -> list[tuple[str, Count]] | None:
    return None if cells is None else list(zip(labels, cells, strict=True))


def _shape(
    raw: Mapping[str, Any], head: Mapping[str, Count], period: Period, policy: Policy, tz: ZoneInfo
) -> PeriodTrends:
    cat_names = list(policy.categories)
    cat_names += sorted(c for c in raw["categories"] if c not in cat_names)
    by_category = _labelled(
        [policy.label(c) for c in cat_names],
        breakdown([raw["categories"][c] for c in cat_names], raw["flags"], at_least=True),
    )
    # By name, never by size: a hidden cell's place in a sorted list would say how big it is.
    kinds = sorted(raw["sources"], key=lambda k: SOURCE_LABELS.get(k, k.capitalize()))
    by_source = _labelled(
        [SOURCE_LABELS.get(k, k.capitalize()) for k in kinds],
        breakdown([raw["sources"][k] for k in kinds], raw["flags"]),
    )
    end_local: datetime = raw["end"].astimezone(tz)
    mondays = [m for m in period.weeks() if m <= end_local.date()]
    by_week = _labelled(
        [m.strftime("%d %b") for m in mondays],
        breakdown([raw["weeks"][m.toordinal()] for m in mondays], raw["flags"]),
    )
    keys: list[str | None] = [None, *policy.incidents.stage_keys]
    keys += sorted(k for k in raw["stages"] if k not in keys)
    by_stage = _labelled(
        [NO_LETTER_YET if k is None else policy.incidents.stage_label(k) for k in keys],
        breakdown([raw["stages"][k] for k in keys], raw["incidents"]),
    )
    # The true value behind each breakdown cell, in order: for tests, never for templates.
    truth = {
        "by_category": [raw["categories"][c] for c in cat_names],
        "by_source": [raw["sources"][k] for k in kinds],
        "by_week": [raw["weeks"][m.toordinal()] for m in mondays],
        "incidents_by_stage": [raw["stages"][k] for k in keys],
    }
    return PeriodTrends(
        name=period.name,
        start=period.start,
        end=period.end,
        flags=head["flags"],
        by_category=by_category,
        by_source=by_source,
        by_week=by_week,
        decisions=head["decisions"],
        median_hours_to_decision=_median_text(raw["hours"]),
        reports_made=head["reports_made"],
        posts_removed=head["posts_removed"],
        incidents=head["incidents"],
        incidents_by_stage=by_stage,
        criticism_recognised=head["criticism_recognised"],
        criticism_spared=head["criticism_spared"],
        raw={**raw, "cells": truth},
    )


def terms_of_year(term: Period) -> list[Period]:
    """The terms of `term`'s academic year up to and including it, oldest first."""
    year = academic_year_containing(term.start)
    out = []
    day = year.start
    while day <= term.start:
        t = term_containing(day)
        out.append(t)
        day = t.end
    return out


def _short(period: Period) -> str:
    return period.name.split(" term")[0]


def _year_table(
    year: Period,
    terms: Sequence[Period],
    cells: Sequence[Mapping[str, Count]],
    values: Sequence[Mapping[str, Any]],
) -> YearTrends | None:
    if len(terms) < 2:
        return None
    rows = []
    for key, label in MEASURES:
        term_cells = [c[key] for c in cells]
        rows.append(
            Row(label, [*term_cells, total_of([v[key] for v in values], term_cells, strict=True)], key)
        )
    return YearTrends(
        name=f"{year.name} so far", columns=[*(_short(t) for t in terms), "Year so far"], rows=rows
    )


def school_trends(
    session: Session,
    school_id: int,
    name: str,
    now: datetime,
    *,
    timezone: str,
    policy: Policy,
    term: Period | None = None,
    slug: str = "",
) -> SchoolTrends:
    """One school's current (or given) term, and its academic year so far term by term."""
    tz = ZoneInfo(timezone)
    term = term or term_containing(now.astimezone(tz).date())
    terms = terms_of_year(term)
    figures: list[tuple[Period, Mapping[str, Any], dict[str, Count]]] = []
    for t in terms:
        figures_raw = _period_raw(session, school_id, t, tz, now)
        figures.append((t, figures_raw, _headline(figures_raw)))
    _, last, head = figures[-1]
    return SchoolTrends(
        name=name,
        slug=slug,
        term=_shape(last, head, term, policy, tz),
        year=_year_table(
            academic_year_containing(term.start), terms, [f[2] for f in figures], [f[1] for f in figures]
        ),
        terms=figures,
    )


def trust_trends(
    session: Session,
    now: datetime,
    *,
    timezone: str,
    policy: Policy,
    term: Period | None = None,
    timezones: Mapping[str, str] | None = None,
) -> TrustTrends:
    """Every school side by side with the trust's totals; each school's figures are its own (rule 4).

    `timezones` maps a school's slug to its own time zone (its profile's); others use `timezone`.
    """
    zones = timezones or {}
    term = term or term_containing(now.astimezone(ZoneInfo(timezone)).date())
    schools = [
        school_trends(
            session, sid, name, now, timezone=zones.get(slug, timezone), policy=policy, term=term, slug=slug
        )
        for sid, name, slug in session.execute(
            select(School.id, School.name, School.slug).order_by(School.name)
        )
    ]
    terms = terms_of_year(term)
    # Per term: the trust's total of each measure, from the schools' own cells.
    totals: list[dict[str, Count]] = []
    sums: list[dict[str, int]] = []
    for i in range(len(terms)):
        cells, values = {}, {}
        for key, _ in MEASURES:
            parts = [s.terms[i][1][key] for s in schools]
            cells[key] = total_of(parts, [s.terms[i][2][key] for s in schools], strict=key in STRICT_TOTALS)
            values[key] = sum(parts)
        totals.append(cells)
        sums.append(values)
    rows = [
        Row(label, [*(s.term.headline()[key] for s in schools), totals[-1][key]], key)
        for key, label in MEASURES
    ]
    hours = [h for s in schools for h in s.terms[-1][1]["hours"]]
    return TrustTrends(
        schools=schools,
        rows=rows,
        term_name=term.name,
        median_hours_to_decision=_median_text(hours),
        year=_year_table(academic_year_containing(term.start), terms, totals, sums),
    )
