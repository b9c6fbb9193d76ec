"""School terms and weeks: the periods digests and trends compare.

English schools' three terms, approximated by calendar months so no per-school term
dates are needed: autumn is September to December, spring January to March, summer
April to August (the summer holiday counts with the summer term).  The academic year
starts on 1 September.  Weeks start on Monday.  This module knows dates only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

# (name, first month, last month) in academic-year order.
TERMS = (("Autumn", 9, 12), ("Spring", 1, 3), ("Summer", 4, 8))


@dataclass(frozen=True)
class Period:
    name: str
    start: date  # inclusive
    end: date  # exclusive

    def weeks(self) -> list[date]:
        """The Mondays of the weeks that overlap this period."""
        first = self.start - timedelta(days=self.start.weekday())
        out = []
        day = first
        while day < self.end:
            out.append(day)
            day += timedelta(days=7)
        return out

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def _first_of_next(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def term_containing(day: date) -> Period:
    for name, first, last in TERMS:
        if first <= day.month <= last:
            academic = day.year if first >= 9 else day.year - 1
            label = f"{name} term {academic}–{str(academic + 1)[-2:]}"
            return Period(label, date(day.year, first, 1), _first_of_next(day.year, last))
    raise AssertionError("every month is in a term")


def previous_term(term: Period) -> Period:
    return term_containing(term.start - timedelta(days=1))


def academic_year_containing(day: date) -> Period:
    start_year = day.year if day.month >= 9 else day.year - 1
    return Period(
        f"Academic year {start_year}–{str(start_year + 1)[-2:]}",
        date(start_year, 9, 1),
        date(start_year + 1, 9, 1),
    )


def week_starting(day: date) -> date:
    return day - timedelta(days=day.weekday())
