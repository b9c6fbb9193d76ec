"""The one way a staff submission is refused, shared by the shell that makes it and the console that takes it.

`monitor.submit` raises it (bad input, a file that is not a screenshot, OCR that read
nothing); `gatepost submit` prints it and the console shows it with a 400.  Anything
else that goes wrong (judging the post, the database) is a server error, not a refusal.
"""

from __future__ import annotations


class SubmissionRefused(ValueError):
    """The submission cannot be used as given; the message says why, never quoting its content."""
