"""Decide whether a post's text really refers to the school (whole-word aliases, excludes honoured).

"Hollybrook Garden Centre" is not Hollybrook Primary School; "HPS" inside "HPSX" is
not either.  This is a filter on what connectors keep, not a judgement on the post.
"""

from __future__ import annotations

import re
import unicodedata

from connectors.base import SchoolQuery


def _fold(text: str) -> str:
    # NFKC folds full-width and other compatibility forms people use to dodge filters.
    return unicodedata.normalize("NFKC", text).casefold()


def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = [r"\s+".join(re.escape(w) for w in _fold(p).split()) for p in phrases if p.strip()]
    if not parts:
        return None
    parts.sort(key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


class SchoolMatcher:
    """Whole-word, case-insensitive match of the school's aliases, minus the exclude phrases."""

    def __init__(self, school: SchoolQuery):
        self._aliases = _phrase_pattern(school.terms)
        self._exclude = _phrase_pattern(school.exclude)

    def mentions(self, text: str) -> bool:
        """True when some alias occurs outside every exclude phrase."""
        if self._aliases is None:
            return False
        folded = _fold(text)
        excluded: list[tuple[int, int]] = []
        if self._exclude is not None:
            excluded = [m.span() for m in self._exclude.finditer(folded)]
        for m in self._aliases.finditer(folded):
            start, end = m.span()
            if not any(s <= start and end <= e for s, e in excluded):
                return True
        return False
