"""Staff submissions as the review queue sees them: the one way one is refused, and its provenance in words.

`monitor.submit` raises `SubmissionRefused` (bad input, a file that is not a screenshot,
OCR that read nothing); `gatepost submit` prints it and the console shows it with a 400.
Anything else that goes wrong (judging the post, the database) is a server error, not a
refusal.

`provenance` turns what `connectors.manual` stored on the post (`Post.provenance`: who
submitted it, when, where from and how it was read) into the words the item page, the
evidence pack and the subject access export show.  For police or a solicitor the
provenance of a post from a closed group is the evidence, so every one of them shows all
of it.  The values were typed by staff and read by OCR: they are returned as text, capped,
for autoescaping templates, and never marked safe.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

# A provenance value longer than this was not typed as provenance (connectors.manual caps
# "where from" and "submitted by" at 300 characters and a link at 2,000).
MAX_VALUE_CHARS = 2_000
# How each way of submitting is described.
METHODS = {
    "text": "Pasted text",
    "screenshot": "A screenshot, its text read by OCR",
    "text+screenshot": "Pasted text, with a screenshot whose text was read by OCR",
}


class SubmissionRefused(ValueError):
    """The submission cannot be used as given; the message says why, never quoting its content."""


def _text(value: Any) -> str:
    return str(value if value is not None else "").strip()[:MAX_VALUE_CHARS]


def provenance(stored: Any) -> dict[str, Any] | None:
    """Where a staff submission came from, who submitted it, when and how, in words; None if
    the post is not a submission.

    Keys: where_from, submitted_by, submitted_at (a datetime, or None if unreadable), how,
    link, screenshot (a description of the image that was read and not kept, or "").
    """
    if not isinstance(stored, dict):
        return None
    method = _text(stored.get("method"))
    try:
        submitted_at: datetime | None = datetime.fromisoformat(_text(stored.get("submitted_at")))
    except ValueError:
        submitted_at = None
    how = METHODS.get(method, method or "not recorded")
    if stored.get("ocr"):
        how += f" ({_text(stored.get('ocr'))})"
    shot = stored.get("screenshot")
    screenshot = ""
    if isinstance(shot, dict):
        size = f"{shot.get('width')} × {shot.get('height')} px, " if shot.get("width") else ""
        screenshot = (
            f"{_text(shot.get('type')).upper() or 'image'}, {size}{_text(shot.get('bytes'))} bytes, "
            f"SHA-256 {_text(shot.get('sha256'))} (the image itself was not kept)"
        )
    return {
        "where_from": _text(stored.get("where_from")) or "not recorded",
        "submitted_by": _text(stored.get("submitted_by")) or "not recorded",
        "submitted_at": submitted_at,
        "how": how,
        "link": _text(stored.get("url")),
        "screenshot": screenshot,
    }
