"""Turn a staff submission into a `Post` plus its provenance.

Closed groups (WhatsApp, private Facebook groups) reach Gatepost only this way: a
member of staff is sent something, and submits the text (with the link, if there is
one) or a screenshot.  The post's kind is "manual"; its external id is a hash of
what was submitted, so the same screenshot sent in twice is stored once.
Provenance says who submitted it, when, where it came from and how it was read.

This is not a fetching connector (nothing to poll), so it is not in the registry;
`monitor` calls `build_submission` from `gatepost submit` and the console.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime
from typing import Any

from connectors.base import Post
from connectors.manual.ocr import read_screenshot
from connectors.media import METADATA_ONLY, MediaPolicy

# A pasted text longer than this is refused rather than cut: staff should see why.
MAX_SUBMISSION_CHARS = 20_000
# "Year 4 parents WhatsApp group" and a link are short; anything longer is not provenance.
MAX_WHERE_CHARS = 300
MAX_URL_CHARS = 2_000
# Who posted it, as staff know them: a name or an account (the stored handle's width).
MAX_AUTHOR_CHARS = 200


@dataclasses.dataclass(frozen=True, slots=True)
class Submission:
    post: Post
    provenance: dict[str, Any]


def build_submission(
    *,
    submitted_by: str,
    where_from: str,
    text: str = "",
    url: str = "",
    screenshot: bytes | None = None,
    author_handle: str = "",
    seen_at: datetime | None = None,
    now: datetime | None = None,
    policy: MediaPolicy = METADATA_ONLY,
) -> Submission:
    """A Post from pasted text and/or a screenshot, with who/when/where provenance.

    Raises ValueError (including `MediaRefused`) for unusable input and
    `OcrUnavailable` when a screenshot cannot be read.
    """
    if not submitted_by.strip():
        raise ValueError("a submission must say who submitted it")
    if not where_from.strip():
        raise ValueError("a submission must say where it came from (e.g. 'Year 4 parents WhatsApp group')")
    if len(text) > MAX_SUBMISSION_CHARS:
        raise ValueError(f"pasted text is longer than {MAX_SUBMISSION_CHARS} characters")
    if len(where_from) > MAX_WHERE_CHARS or len(submitted_by) > MAX_WHERE_CHARS:
        raise ValueError(f"'where from' and 'submitted by' take at most {MAX_WHERE_CHARS} characters")
    if len(author_handle.strip()) > MAX_AUTHOR_CHARS:
        raise ValueError(f"'who posted it' takes at most {MAX_AUTHOR_CHARS} characters")
    if len(url) > MAX_URL_CHARS:
        raise ValueError(f"a link takes at most {MAX_URL_CHARS} characters")
    now = now or datetime.now(UTC)
    provenance: dict[str, Any] = {
        "submitted_by": submitted_by.strip(),
        "submitted_at": now.isoformat(),
        "where_from": where_from.strip(),
        "url": url.strip(),
        "method": "text",
    }
    body = text.strip()
    if screenshot is not None:
        ocr = read_screenshot(screenshot, policy)
        provenance.update(
            method="screenshot" if not body else "text+screenshot", screenshot=ocr.image, ocr=ocr.engine
        )
        body = f"{body}\n\n{ocr.text}".strip() if body else ocr.text
        if not body:
            raise ValueError("no text could be read from the screenshot; paste the text instead")
    if not body:
        raise ValueError("a submission needs a text or a screenshot")
    digest = hashlib.sha256()
    for part in (body, url.strip(), provenance.get("screenshot", {}).get("sha256", "")):
        digest.update(part.encode("utf-8", "replace") + b"\x00")
    post = Post(
        kind="manual",
        external_id="sub:" + digest.hexdigest()[:40],
        url=url.strip(),
        author_handle=author_handle.strip(),
        text=body,
        created_at=seen_at or now,
        raw={"submission": provenance},
    )
    return Submission(post=post, provenance=provenance)
