"""Decide whether a post's text really refers to the school (whole-word aliases, excludes honoured).

"Hollybrook Garden Centre" is not Hollybrook Primary School; "HPS" inside "HPSX" is
not either.  A short alias such as "HPS" stands for many things, so it counts only beside
something that places the post at a school: another alias, the town, or a school word
("HPS nativity", "HPS head").  This is a filter on what connectors keep, not a judgement
on the post.
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


# An alias this short, in one word, is an initialism ("HPS", "KGS") shared with much else.
SHORT_ALIAS = 4
# Words that place a post at a school, for a short alias to count.
SCHOOL_WORDS = re.compile(
    r"(?<!\w)(?:school|primary|academy|head|headteacher|teachers?|ta|staff|pupils?|class(?:es)?|"
    r"year\s*\d+|y\d|reception|nursery|parents?|mums?|dads?|kids?|children|child|ds|dd|pta|ofsted|uniform|"
    r"term|homework|playground|pick[- ]?up|drop[- ]?off|assembly|nativity|sats|"
    r"sports day|senco|sen|governors?|inset|detention|excluded|exclusion|behaviour|bullying|bullied|"
    r"lunch|dinner lady|gate|fair|panto|trip|lollipop)(?!\w)"
)


class SchoolMatcher:
    """Whole-word, case-insensitive match of the school's aliases, minus the exclude phrases."""

    def __init__(self, school: SchoolQuery):
        long_terms = tuple(t for t in school.terms if not _is_short(t))
        short_terms = tuple(t for t in school.terms if _is_short(t))
        self._aliases = _phrase_pattern(long_terms)
        self._short = _phrase_pattern(short_terms)
        self._town = _phrase_pattern((school.town,)) if school.town else None
        self._exclude = _phrase_pattern(school.exclude)

    def mentions(self, text: str) -> bool:
        """True when an alias occurs outside every exclude phrase (a short one with corroboration)."""
        folded = _fold(text)
        excluded: list[tuple[int, int]] = []
        if self._exclude is not None:
            excluded = [m.span() for m in self._exclude.finditer(folded)]

        def found(pattern: re.Pattern[str] | None) -> bool:
            matches = pattern.finditer(folded) if pattern is not None else ()
            return any(not any(s <= m.start() and m.end() <= e for s, e in excluded) for m in matches)

        if found(self._aliases):
            return True
        if not found(self._short):
            return False
        placed = self._town is not None and self._town.search(folded) is not None
        return placed or SCHOOL_WORDS.search(folded) is not None


def _is_short(term: str) -> bool:
    return len(term.split()) == 1 and len(term) <= SHORT_ALIAS
