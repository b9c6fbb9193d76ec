"""Times as a school reads them: in the school's time zone, labelled with that zone's name at that moment.

Every time Gatepost shows a person (the console, the weekly digest, urgent alerts, the
termly report, the evidence pack) is written by `local_time`, so 08:30 UTC reads
"08:30 GMT" on a January post and "09:30 BST" on a July one, wherever it appears.
Times are stored in UTC and stay UTC in machine exports (JSON, CSV, the audit chain).

Templates use the same function through two filters (`install`), which read the zone
from the template's `tz` variable:

    {{ item.created_at|when }}                  23 Nov 2026, 08:30 GMT
    {{ post.captured_at|when("%d %B %Y %H:%M:%S") }}
    {{ letter.sent_at|day }}                    the local date only: 24 Nov 2026

A naive datetime is taken to be UTC (the database's own columns are always aware).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

# Where no school profile names one (`[school] timezone`), nor settings (`timezone`).
DEFAULT_TIMEZONE = "Europe/London"
TIME_FORMAT = "%d %b %Y, %H:%M"
DATE_FORMAT = "%d %b %Y"


def _local(dt: datetime, timezone: str) -> datetime:
    aware = dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(timezone))


def local_time(dt: datetime, timezone: str, fmt: str = TIME_FORMAT) -> str:
    """`dt` as a wall-clock time in `timezone`, followed by the zone's abbreviation then (GMT, BST)."""
    local = _local(dt, timezone)
    return f"{local.strftime(fmt)} {local.tzname()}"


def local_date(dt: datetime, timezone: str, fmt: str = DATE_FORMAT) -> str:
    """The date `dt` falls on in `timezone` (23:30 UTC on a summer evening is the next day in BST)."""
    return _local(dt, timezone).strftime(fmt)


def install(env: Environment) -> None:
    """Add the `when` and `day` filters; each reads the zone from the template's `tz`."""

    def zone(ctx: Context) -> str:
        tz = ctx.get("tz")
        return tz if isinstance(tz, str) and tz else DEFAULT_TIMEZONE

    @pass_context
    def when(ctx: Context, dt: datetime | None, fmt: str = TIME_FORMAT) -> str:
        return local_time(dt, zone(ctx), fmt) if dt else ""

    @pass_context
    def day(ctx: Context, dt: datetime | None, fmt: str = DATE_FORMAT) -> str:
        return local_date(dt, zone(ctx), fmt) if dt else ""

    env.filters["when"] = when
    env.filters["day"] = day
