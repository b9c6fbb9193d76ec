"""Jinja filters for the console: dates and labels.  None of them marks anything safe.

Times come from `review_queue.localtime` (`when`, `day`), in the zone `render` puts in
every page's context as `tz`: the signed-in account's school's, else the console's.
"""

from __future__ import annotations

from jinja2 import Environment

from review_queue import localtime


def label(key: str | None) -> str:
    return (key or "").replace("_", " ")


def install(env: Environment) -> None:
    localtime.install(env)
    env.filters["label"] = label
