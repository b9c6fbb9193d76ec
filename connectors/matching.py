"""Decide whether a post's text really refers to the school (whole-word aliases, excludes honoured).

"Hollybrook Garden Centre" is not Hollybrook Primary School; "HPS" inside "HPSX" is
not either.  A short alias such as "HPS" stands for many things, so it counts only beside
something that places the post at a school: another alias, the town, or a school word
("HPS nativity", "HPS head").  This is a filter on what connectors keep, not a judgement
on the post.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from confusable_homoglyphs import confusables

from connectors.base import SchoolQuery


@functools.lru_cache(maxsize=4096)
def _latin(ch: str) -> str:
    """The Latin letter `ch` is confusable with (Unicode TR39 data), else `ch` itself."""
    found = confusables.is_confusable(ch, preferred_aliases=["latin"], greedy=False)
    if found:
        for glyph in found[0]["homoglyphs"]:
            if glyph["c"].isascii() and glyph["c"].isalpha():
                return str(glyph["c"])
    return ch


def _fold(text: str) -> str:
    """The text as the matcher compares it, so that one invisible or look-alike letter hides nothing.

    NFKC folds full-width and other compatibility forms; format characters (zero-width
    spaces and joiners, soft hyphens, bidi controls) are dropped; accents come off (NFKD,
    combining marks dropped); letters confusable with a Latin one (Cyrillic "о", Greek "ο")
    become it; then case is folded.
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    if not text.isascii():
        text = "".join(ch if ch.isascii() else _latin(ch) for ch in text)
    return text.casefold()


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
