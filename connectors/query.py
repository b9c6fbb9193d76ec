"""Search terms shared by connectors whose platforms take one phrase per search."""

from __future__ import annotations

import re

from connectors.base import SchoolQuery


def distinct_terms(school: SchoolQuery) -> list[str]:
    """The school's terms minus those containing another as a whole word.

    "Hollybrook Primary" adds nothing to a search that already has "Hollybrook".
    """
    terms = list(school.terms)
    return [
        term
        for term in terms
        if not any(o != term and re.search(rf"(?<!\w){re.escape(o)}(?!\w)", term, re.I) for o in terms)
    ]
