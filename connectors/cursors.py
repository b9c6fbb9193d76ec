"""JSON cursors: how connectors with more than one number of state write it down.

A cursor is opaque to everyone but its connector, and it is shown by `gatepost
sources`, so it holds positions only (ids, times, ETags), never a credential.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any


def load(cursor: str | None) -> dict[str, Any]:
    """The state in `cursor`, or an empty dict on a first run or an unreadable cursor."""
    if not cursor:
        return {}
    try:
        value = json.loads(cursor)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def dump(state: dict[str, Any]) -> str:
    return json.dumps(state, sort_keys=True, separators=(",", ":"))


def jsonable(value: Any, depth: int = 0) -> Any:
    """A JSON-safe copy of a library object's public data, for `Post.raw` evidence."""
    if depth > 8:
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v, depth + 1) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list | tuple):
        return [jsonable(v, depth + 1) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
