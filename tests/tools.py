"""The Debian tools some tests drive, and what a test does when one is missing.

A fresh clone runs the README's test command on a machine without them: such a test is
skipped with the line that installs the tool.  CI installs them all and sets
GATEPOST_REQUIRE_TOOLS=1, under which a missing tool fails the test instead, so CI still
proves everything.  Use `@pytest.mark.needs("tool", ...)` or call `need_tool` in a fixture.
"""

from __future__ import annotations

import ctypes.util
import os
import shutil

import pytest

# Debian packages some tests drive: what to look for, and the line that installs it.
# On a machine without one such a test is skipped with that line; CI (GATEPOST_REQUIRE_TOOLS=1,
# read at import, because each test's environment is cleared of GATEPOST_*) fails it instead.
TOOLS = {
    "chromium": ("/usr/bin/chromium", "chromium"),
    "tesseract": ("tesseract", "tesseract-ocr tesseract-ocr-eng"),
    "pdftotext": ("pdftotext", "poppler-utils"),
    "pango": ("", "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"),  # WeasyPrint's PDF maker
}
REQUIRE_TOOLS = os.environ.get("GATEPOST_REQUIRE_TOOLS") == "1"


def missing_tool(tool: str) -> str | None:
    """Why `tool` cannot be used here (with the install line), or None when it is installed."""
    where, package = TOOLS[tool]
    found = ctypes.util.find_library("pango-1.0") if tool == "pango" else shutil.which(where)
    return None if found else f"{tool} is not installed: apt-get install {package}"


def need_tool(tool: str) -> None:
    """Skip (or, under GATEPOST_REQUIRE_TOOLS=1, fail) the current test when `tool` is missing."""
    why = missing_tool(tool)
    if why is None:
        return
    if REQUIRE_TOOLS:
        pytest.fail(f"{why} (GATEPOST_REQUIRE_TOOLS=1: a missing tool is a failure)", pytrace=False)
    pytest.skip(why)
