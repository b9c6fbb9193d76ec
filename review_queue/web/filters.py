"""Jinja filters for the console: dates and labels.  None of them marks anything safe."""

from __future__ import annotations

from datetime import datetime

from jinja2 import Environment


def when(dt: datetime | None) -> str:
    return dt.strftime("%d %b %Y, %H:%M UTC") if dt else ""


def label(key: str | None) -> str:
    return (key or "").replace("_", " ")


def install(env: Environment) -> None:
    env.filters["when"] = when
    env.filters["label"] = label
