"""Trying to work out a hidden count from everything governors and the trust are shown.

The attacker holds, at once: the trust's trends page (every school's section, the side-by-
side table, the trust's year), each school's governors' page, the termly report, and the
reports of every earlier term of the year as they were issued.  They know which numbers
add up to which (weeks and places to new flags, stages to incidents, schools to the
trust, terms to the year, posts removed within reports made), that an item carries at
least one category, that "fewer than 5" is 1 to 4, and that "not shown" is at least 5
and, in a breakdown, no more than the smallest number shown beside it.  For every hidden
cell they ask an integer solver for its smallest and largest possible value: the same
value twice means it was worked out.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp
from sqlalchemy.orm import Session

from classifiers.policy import Policy, read_policy
from config import POLICY_PATH
from review_queue.db import Database
from review_queue.models import ConductIncident, Judgement, PlatformReport, Post, ReviewItem, School
from review_queue.oversight import termly
from review_queue.oversight.terms import term_containing
from review_queue.oversight.trends import (
    HIDDEN_TEXT,
    MEASURES,
    SMALL_TEXT,
    Count,
    SchoolTrends,
    TrustTrends,
    school_trends,
    terms_of_year,
    trust_trends,
)
from tests.fakes.school_data import seed_school

TZ = "Europe/London"
# Half-way through the spring term: the year so far is autumn and spring.
SPRING = datetime(2027, 2, 15, 7, 0, tzinfo=UTC)
AUTUMN = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
BIG = 10**6
BREAKDOWNS = (("by_source", "flags", "="), ("by_week", "flags", "="), ("by_category", "flags", ">="))


@pytest.fixture
def policy() -> dict[str, Any]:
    return read_policy(POLICY_PATH)


# ---------------------------------------------------------------- the attacker


@dataclass
class Attacker:
    """Every number seen, as integer variables with bounds, and the sums that tie them."""

    lower: list[int] = field(default_factory=list)
    upper: list[int] = field(default_factory=list)
    truth: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    index: dict[str, int] = field(default_factory=dict)
    equal: list[tuple[dict[int, int], int]] = field(default_factory=list)
    at_least: list[tuple[dict[int, int], int]] = field(default_factory=list)

    def see(self, name: str, count: Count | None, truth: int, cap: int = BIG) -> int:
        """A cell as shown (None: never shown); the same cell seen twice must read the same."""
        if count is None:
            lo, hi = 0, BIG
        elif count.value is not None:
            lo = hi = count.value
        elif count.text == SMALL_TEXT:
            lo, hi = 1, 4
        else:
            assert count.text == HIDDEN_TEXT, count
            lo, hi = 5, cap
        if name in self.index:
            i = self.index[name]
            if count is not None:
                assert self.texts.get(name, count.text) == count.text, (
                    f"{name} reads differently on two pages"
                )
                self.texts[name] = count.text
            self.lower[i], self.upper[i] = max(self.lower[i], lo), min(self.upper[i], hi)
            assert self.truth[i] == truth
            return i
        self.index[name] = len(self.names)
        self.names.append(name)
        self.lower.append(lo)
        self.upper.append(hi)
        self.truth.append(truth)
        if count is not None:
            self.texts[name] = count.text
        return self.index[name]

    def adds_up(self, parts: Iterable[int], total: int, *, at_least: bool = False) -> None:
        row: dict[int, int] = defaultdict(int)
        for p in parts:
            row[p] += 1
        row[total] -= 1
        (self.at_least if at_least else self.equal).append((dict(row), 0))

    def no_more_than(self, part: int, whole: int) -> None:
        self.at_least.append(({whole: 1, part: -1}, 0))

    def worked_out(self) -> list[tuple[str, int]]:
        """The hidden cells whose value is fixed by everything seen, with that value."""
        n = len(self.names)
        rows, lows, highs = [], [], []
        for cons, kind in ((self.equal, "="), (self.at_least, ">=")):
            for row, rhs in cons:
                vec = np.zeros(n)
                for i, coef in row.items():
                    vec[i] = coef
                rows.append(vec)
                lows.append(rhs)
                highs.append(rhs if kind == "=" else np.inf)
        constraints = LinearConstraint(np.array(rows), lows, highs)
        bounds = Bounds(np.array(self.lower, dtype=float), np.array(self.upper, dtype=float))
        truth = np.array(self.truth, dtype=float)
        # The model is right only if what really happened fits everything seen.
        assert all(lo <= t <= hi for lo, t, hi in zip(self.lower, self.truth, self.upper, strict=True)), [
            (nm, lo, t, hi)
            for nm, lo, t, hi in zip(self.names, self.lower, self.truth, self.upper, strict=True)
            if not lo <= t <= hi
        ]
        a = np.array(rows)
        assert np.all(a @ truth >= np.array(lows) - 1e-9) and np.all(a @ truth <= np.array(highs) + 1e-9)
        found = []
        for i in range(n):
            if self.lower[i] == self.upper[i]:
                continue  # shown as a number
            if self.names[i].endswith("(remainder)") and not 0 < self.truth[i] < 5:
                continue  # a remainder of 0 or 5 or more may follow: it is not a small number
            c = np.zeros(n)
            c[i] = 1
            lo = milp(c, constraints=constraints, integrality=np.ones(n), bounds=bounds)
            hi = milp(-c, constraints=constraints, integrality=np.ones(n), bounds=bounds)
            assert lo.status == 0 and hi.status == 0, self.names[i]
            if round(lo.fun) == round(-hi.fun):
                found.append((self.names[i], round(lo.fun)))
        return found


def _school_cells(a: Attacker, s: SchoolTrends, *, with_breakdowns: bool) -> dict[str, int]:
    """A school's term headline (and breakdowns) as the attacker reads them; the headline's variables."""
    term = s.term
    head = {}
    for key, _ in MEASURES:
        head[key] = a.see(f"{s.name}|{term.name}|{key}", getattr(term, key), term.raw[key])
    for part, whole in (("posts_removed", "reports_made"), ("criticism_spared", "criticism_recognised")):
        rest = a.see(
            f"{s.name}|{term.name}|{whole}-{part} (remainder)", None, term.raw[whole] - term.raw[part]
        )
        a.adds_up([head[part], rest], head[whole])
    if not with_breakdowns:
        return head
    for attr, total_key, rel in (*BREAKDOWNS, ("incidents_by_stage", "incidents", "=")):
        rows = getattr(term, attr)
        truth = term.raw["cells"][attr]
        shown = [c.value for _, c in rows or [] if c.value is not None and c.value >= 5]
        cap = min([*shown, term.raw[total_key]])
        cells = []
        for k, value in enumerate(truth):
            count = rows[k][1] if rows is not None else None
            v = a.see(f"{s.name}|{term.name}|{attr}|{k}", count, value, cap=cap)
            cells.append(v)
            if attr == "by_category":
                a.no_more_than(v, head["flags"])
        a.adds_up(cells, head[total_key], at_least=rel == ">=")
    return head


def _year(
    a: Attacker, owner: str, year: Any, heads: Sequence[dict[str, int]], truths: Sequence[dict[str, int]]
) -> None:
    """A year table: its term cells are each term's own variables; the last column adds them up."""
    assert year is not None
    for row in year.rows:
        *term_cells, total = row.cells
        for cell, head in zip(term_cells, heads, strict=True):
            a.see(a.names[head[row.key]], cell, a.truth[head[row.key]])
        y = a.see(f"{owner}|year|{row.key}", total, sum(t[row.key] for t in truths))
        a.adds_up([head[row.key] for head in heads], y)


def _trust(a: Attacker, trust: TrustTrends, heads_by_school: dict[str, dict[str, int]]) -> dict[str, int]:
    totals = {}
    for row in trust.rows:
        *school_cells, total = row.cells
        for s, cell in zip(trust.schools, school_cells, strict=True):
            i = heads_by_school[s.name][row.key]
            a.see(a.names[i], cell, a.truth[i])
        t = a.see(
            f"trust|{trust.term_name}|{row.key}", total, sum(s.term.raw[row.key] for s in trust.schools)
        )
        a.adds_up([heads_by_school[s.name][row.key] for s in trust.schools], t)
        totals[row.key] = t
    return totals


def attack(db: Database, now: datetime, policy: Policy) -> list[tuple[str, int]]:
    """Everything governors and the trust can see at `now`, thrown at the solver."""
    a = Attacker()
    with db.session_scope() as s:
        current = term_containing(now.date())
        terms = terms_of_year(current)
        # Each term's reports as issued (the last one is this term's, up to now).
        per_term: list[dict[str, dict[str, int]]] = []
        trust_heads: list[dict[str, int]] = []
        for t in terms:
            trust = trust_trends(s, now, timezone=TZ, policy=policy, term=t)
            heads = {st.name: _school_cells(a, st, with_breakdowns=True) for st in trust.schools}
            trust_heads.append(_trust(a, trust, heads))
            per_term.append(heads)
            # The termly report is the same figures: every cell of the table is on it.
            html = termly.render_html(trust, now, TZ)
            for row in trust.rows:
                assert all(c.text in html for c in row.cells)
        names = [st.name for st in trust.schools]
        truths = {st.name: [dict(f[1]) for f in st.terms] for st in trust.schools}
        if len(terms) > 1:
            for st in trust.schools:
                _year(a, st.name, st.year, [p[st.name] for p in per_term], truths[st.name])
            sums = [{k: sum(truths[n][i][k] for n in names) for k, _ in MEASURES} for i in range(len(terms))]
            _year(a, "trust", trust.year, trust_heads, sums)
            # The trust's year is also the schools' years added up.
            for key, _ in MEASURES:
                a.adds_up([a.index[f"{n}|year|{key}"] for n in names], a.index[f"trust|year|{key}"])
        # Each governors' page shows its school exactly as the trust's page does.
        for sid, name, slug in s.execute(
            School.__table__.select().with_only_columns(School.id, School.name, School.slug)
        ):
            mine = school_trends(s, sid, name, now, timezone=TZ, policy=policy, slug=slug)
            _school_cells(a, mine, with_breakdowns=True)
            if mine.year is not None:
                _year(a, name, mine.year, [p[name] for p in per_term], truths[name])
    return a.worked_out()


# ---------------------------------------------------------------- schools to attack


def _h(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


class Builder:
    """Exact counts for one school: flags by week and category, reports, criticism, incidents."""

    def __init__(self, session: Session, slug: str, name: str) -> None:
        self.s = session
        self.school = School(slug=slug, name=name)
        session.add(self.school)
        session.flush()
        self.n = 0

    def _post(self, at: datetime, kind: str = "x") -> Post:
        self.n += 1
        post = Post(
            school_id=self.school.id,
            kind=kind,
            external_id=f"{self.school.slug}-{self.n}",
            url=f"https://{kind}.example/{self.n}",
            author_handle=f"h{self.n}",
            text=f"text {self.n}",
            created_at=at,
            captured_at=at,
            content_hash=_h(f"{self.school.slug}{self.n}"),
            evidence_hash=_h(f"e{self.school.slug}{self.n}"),
        )
        self.s.add(post)
        self.s.flush()
        return post

    def flags(
        self,
        n: int,
        at: datetime,
        *,
        kind: str = "x",
        category: str = "abuse",
        removed: int = 0,
        kept: int = 0,
    ) -> None:
        for k in range(n):
            post = self._post(at + timedelta(minutes=k), kind)
            self.s.add(
                Judgement(
                    post_id=post.id,
                    model_version="t",
                    flags=[category],
                    severity="medium",
                    judged_at=at,
                    recognised=[],
                )
            )
            item = ReviewItem(
                post_id=post.id,
                school_id=self.school.id,
                status="confirmed",
                severity="medium",
                severity_rank=2,
                categories=[category],
                created_at=at,
                decided_at=at + timedelta(hours=3),
            )
            self.s.add(item)
            self.s.flush()
            if k < removed + kept:
                self.s.add(
                    PlatformReport(
                        item_id=item.id,
                        platform="x",
                        body="r",
                        created_at=at,
                        reported_at=at + timedelta(hours=4),
                        outcome="removed" if k < removed else "pending",
                    )
                )

    def criticism(self, n: int, at: datetime, *, flagged: int = 0) -> None:
        for k in range(n):
            post = self._post(at)
            self.s.add(
                Judgement(
                    post_id=post.id,
                    model_version="t",
                    flags=[],
                    severity="none",
                    judged_at=at,
                    recognised=["criticism"],
                )
            )
            if k < flagged:
                self.s.add(
                    ReviewItem(
                        post_id=post.id,
                        school_id=self.school.id,
                        status="confirmed",
                        severity="low",
                        severity_rank=1,
                        categories=["incitement"],
                        created_at=at,
                    )
                )

    def incidents(self, stages: Sequence[str | None], at: datetime) -> None:
        for stage in stages:
            self.s.add(
                ConductIncident(
                    school_id=self.school.id, stage=stage, status="open", summary="s", opened_at=at
                )
            )
        self.s.flush()


@pytest.fixture
def the_issue_trust(sqlite_db: Database) -> Database:
    """The walk-through's trust: Ashby Vale had 3 new flags this term beside Hollybrook's 21."""
    week = datetime(2026, 10, 5, 10, 0, tzinfo=UTC)
    with sqlite_db.session_scope() as s:
        big = Builder(s, "hollybrook", "Hollybrook Primary School")
        for w in range(7):
            big.flags(
                3, week + timedelta(days=7 * w), kind=("x", "reddit", "bluesky")[w % 3], removed=2, kept=1
            )
        big.criticism(12, week, flagged=0)
        big.incidents([None, "invitation", "warning", "ban", None, "warning"], week)
        small = Builder(s, "ashby-vale", "Ashby Vale Infants")
        small.flags(1, week, removed=1)
        # 10 fair criticisms recognised, 8 left alone: "2 flagged" must not follow.  Those 2
        # were flagged, so the school's new flags are 3.
        small.criticism(10, week, flagged=2)
        small.incidents(["invitation"], week)
    return sqlite_db


def test_the_trust_page_does_not_give_away_a_small_schools_count_through_its_total(the_issue_trust, policy):
    with the_issue_trust.session_scope() as s:
        trust = trust_trends(s, AUTUMN, timezone=TZ, policy=policy)
    sections = {st.name: st.term for st in trust.schools}
    for row in trust.rows:
        *cells, total = row.cells
        # A school's figure in the table is the one its own section shows, further down the page...
        for st, cell in zip(trust.schools, cells, strict=True):
            section = next(c for label, c in _section_figures(sections[st.name]) if label == row.label)
            assert cell.text == section.text, (row.label, st.name, cell.text, section.text)
        # ...so a total beside exactly one hidden school would give that school away.
        hidden = [c for c in cells if c.suppressed]
        if len(hidden) == 1 and not total.suppressed:
            pytest.fail(f"{row.label}: {total.text} less the shown schools is the hidden one")
    flags = next(r for r in trust.rows if r.label == "New flags")
    assert [c.text for c in flags.cells] == [SMALL_TEXT, "21", HIDDEN_TEXT]


def _section_figures(term: Any) -> list[tuple[str, Count]]:
    """A school section's headline figures under the table's row labels."""
    return [
        ("New flags", term.flags),
        ("Decisions made", term.decisions),
        ("Reports to platforms", term.reports_made),
        ("Posts removed after a report", term.posts_removed),
        ("Conduct incidents opened", term.incidents),
        ("Criticism recognised", term.criticism_recognised),
        ("Criticism left alone", term.criticism_spared),
    ]


def test_nothing_hidden_can_be_worked_out_in_the_issues_trust(the_issue_trust, policy):
    assert attack(the_issue_trust, AUTUMN, policy) == []


@pytest.mark.parametrize("seed", [3, 11, 29])
def test_nothing_hidden_can_be_worked_out_from_a_trusts_year(sqlite_db, policy, seed):
    with sqlite_db.session_scope() as s:
        seed_school(s, slug="hollybrook", name="Hollybrook Primary School", now=SPRING, weeks=26, seed=seed)
        seed_school(
            s,
            slug="ashby-vale",
            name="Ashby Vale Infants",
            now=SPRING,
            weeks=26,
            per_week=(0, 3),
            seed=seed + 1,
        )
        seed_school(
            s,
            slug="fenwick",
            name="Fenwick Church School",
            now=SPRING,
            weeks=26,
            per_week=(0, 1),
            seed=seed + 2,
        )
    found = attack(sqlite_db, SPRING, policy)
    assert found == [], found


def test_the_attacker_finds_what_a_careless_page_would_give_away(the_issue_trust, policy):
    """The attack works: shown the trust's true total beside the schools, it finds Ashby Vale's 3."""
    a = Attacker()
    with the_issue_trust.session_scope() as s:
        trust = trust_trends(s, AUTUMN, timezone=TZ, policy=policy)
        heads = {st.name: _school_cells(a, st, with_breakdowns=False) for st in trust.schools}
    flags = sum(st.term.raw["flags"] for st in trust.schools)
    total = a.see("trust|flags", Count(flags, str(flags)), flags)
    a.adds_up([heads[st.name]["flags"] for st in trust.schools], total)
    assert ("Ashby Vale Infants|Autumn term 2026–27|flags", 3) in a.worked_out()


def test_an_autumn_page_has_no_year_section_that_repeats_the_term(the_issue_trust, policy):
    with the_issue_trust.session_scope() as s:
        trust = trust_trends(s, AUTUMN, timezone=TZ, policy=policy)
        spring = trust_trends(s, SPRING, timezone=TZ, policy=policy)
    html = termly.render_html(trust, AUTUMN, TZ)
    assert trust.year is None and all(st.year is None for st in trust.schools)
    assert "Academic year" not in html and "The academic year so far is this term" in html
    assert spring.year is not None and spring.year.columns == ["Autumn", "Spring", "Year so far"]
    # Autumn's column in spring reads as autumn's own report did.
    for st_autumn, st_spring in zip(trust.schools, spring.schools, strict=True):
        assert st_spring.year is not None
        for row in st_spring.year.rows:
            assert row.cells[0] == st_autumn.term.headline()[row.key]


def test_empty_weeks_show_as_zero(the_issue_trust, policy):
    with the_issue_trust.session_scope() as s:
        big = trust_trends(s, AUTUMN, timezone=TZ, policy=policy).schools[1]
    assert big.term.by_week is not None
    weeks = dict(big.term.by_week)
    assert weeks["07 Sep"] == Count(0, "0")
    svg = str(big.term.charts("t")["weeks"])
    assert re.search(r">0<title>07 Sep: 0</title>", svg)
