"""How every gatepost process logs: one stderr handler, its level, and tracebacks with no exception text.

Exception messages are written by libraries as well as by Gatepost, and a library's
message can quote what it was handling: a database driver quotes the row it refused,
a parser the text it choked on.  Post text, handles and reviewers' reasons must never
reach a log, so a traceback here keeps its frames and exception types and withholds
every message.  Gatepost's own log lines carry ids, kinds and counts only.

This module is not for audit: who saw what is recorded in the audit log, not here.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
WITHHELD = "(message withheld: it may quote post text)"
# The ASGI server logs a traceback for an error the console's own handler has already
# answered with a 500 page and logged by type; that second copy says nothing new.
_SERVER_REPEATS = ("Exception in ASGI application",)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def _chain(exc: BaseException | None) -> list[BaseException]:
    """An exception and its causes, oldest first, as Python prints them."""
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return seen[::-1]


def format_exception_safely(exc: BaseException) -> str:
    """A traceback of `exc` and its causes: frames and types, no messages."""
    parts = []
    for n, e in enumerate(_chain(exc)):
        if n:
            parts.append(
                "\nWhile handling the above, another exception occurred (or was raised from it):\n\n"
            )
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(e.__traceback__))
        parts.append(f"{type(e).__module__}.{type(e).__qualname__}: {WITHHELD}\n")
    return "".join(parts).rstrip("\n")


class SafeFormatter(logging.Formatter):
    """A formatter whose tracebacks never carry an exception's message."""

    def formatException(self, ei: ExcInfo) -> str:
        return format_exception_safely(ei[1]) if ei[1] is not None else ""

    def formatStack(self, stack_info: str) -> str:
        return stack_info


class _NotServerRepeat(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name.startswith("uvicorn") and record.getMessage().strip() in _SERVER_REPEATS)


def configure(level: str | int = logging.WARNING) -> None:
    """Send every logger, libraries' included, through one safe stderr handler at `level`."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(SafeFormatter(FORMAT))
    handler.addFilter(_NotServerRepeat())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    if isinstance(level, str):
        # An unknown name logs at WARNING here; settings refuse it at load with a one-line error.
        level = logging.getLevelNamesMapping().get(level.upper(), logging.WARNING)
    root.setLevel(level)
    # Libraries that install handlers of their own (uvicorn, celery) log through the root.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "celery", "apscheduler"):
        lib = logging.getLogger(name)
        lib.handlers.clear()
        lib.propagate = True
