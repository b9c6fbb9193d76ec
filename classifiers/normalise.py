"""Undo the obfuscation people use to slip past filters, keeping a map back to the original text.

`normalise(text)` returns a lower-cased, de-obfuscated copy of a post together with, for
every character of that copy, the span of the original text it came from.  Evidence
found in the normalised text is mapped back with `Normalised.original_span` so the
console highlights the characters the author actually wrote.

What it undoes: zero-width and bidirectional control characters, lone surrogates,
homoglyphs (Cyrillic/Greek look-alikes, full-width and mathematical letters), leetspeak
and masked swearing in words that then spell something on the watch list (`sh1t`,
`f*ck`, `1d10t`), letters spaced out to dodge a filter (`f u c k`, `i.d.i.o.t`), and
long runs of one repeated letter.  It deliberately does *not* rewrite digits in ordinary
tokens (`Y4`, `5pm`, `3rd`): a digit only becomes a letter when the whole word then
spells a watched word.

This module is not a spell-checker and never raises: any `str` gives a result.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

# Posts longer than this are judged on their first MAX_CHARS characters: real social
# posts are far shorter, and a hostile 10 MB paste must not stall a batch.
MAX_CHARS = 50_000

# Invisible characters used to split a word so that a filter misses it, plus the
# bidirectional overrides that make text display in a different order than it is stored.
_INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\u206a\u206b\u206c\u206d\u206e\u206f\ufeff\ufe0e\ufe0f"
)

# Look-alike letters that NFKC does not fold to Latin.
_HOMOGLYPHS: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɡ": "g",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "γ": "y",
    # Latin look-alikes and symbols
    "ı": "i", "ł": "l", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "ð": "d", "þ": "th",
}  # fmt: skip

# Characters that stand in for letters inside a word (only applied when the result is a watched word).
_LEET: dict[str, str] = {
    "0": "o", "1": "i", "2": "z", "3": "e", "4": "a", "5": "s", "6": "g", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "!": "i", "|": "l", "+": "t", "€": "e", "£": "l",
}  # fmt: skip
_LEET_ALT: dict[str, str] = {"1": "l", "!": "l", "0": "o", "9": "q", "|": "i"}
_MASK_CHARS = frozenset("*#_.%?-")

# Words worth recovering from disguise: swearing, insults, slurs' common stems and threat
# verbs.  A disguised token is only rewritten when it resolves to one of these, so that
# `Y4`, `5pm` and `3rd` are left alone.
WATCH_WORDS: frozenset[str] = frozenset(
    [
        "fuck",
        "fucking",
        "fucker",
        "fucked",
        "fuckin",
        "fuk",
        "fck",
        "shit",
        "shite",
        "shitty",
        "bullshit",
        "crap",
        "cunt",
        "cunts",
        "twat",
        "twats",
        "prick",
        "pricks",
        "dick",
        "dickhead",
        "dickheads",
        "knob",
        "knobhead",
        "bellend",
        "wanker",
        "wankers",
        "wank",
        "tosser",
        "tossers",
        "bastard",
        "bastards",
        "bitch",
        "bitches",
        "bitchy",
        "slag",
        "slags",
        "slut",
        "sluts",
        "whore",
        "whores",
        "hoe",
        "hoes",
        "arse",
        "arsehole",
        "arseholes",
        "ass",
        "asshole",
        "assholes",
        "piss",
        "pissed",
        "bollocks",
        "bloody",
        "damn",
        "hell",
        "idiot",
        "idiots",
        "moron",
        "morons",
        "stupid",
        "retard",
        "retarded",
        "retards",
        "spastic",
        "spaz",
        "mong",
        "mongs",
        "pikey",
        "pikeys",
        "chav",
        "chavs",
        "scum",
        "scumbag",
        "scumbags",
        "loser",
        "losers",
        "freak",
        "freaks",
        "ugly",
        "fat",
        "pathetic",
        "useless",
        "incompetent",
        "disgusting",
        "vile",
        "evil",
        "liar",
        "liars",
        "paedo",
        "paedophile",
        "pedo",
        "pedophile",
        "nonce",
        "nonces",
        "groomer",
        "predator",
        "cow",
        "cows",
        "witch",
        "kill",
        "killing",
        "killed",
        "murder",
        "stab",
        "stabbing",
        "shoot",
        "shooting",
        "hurt",
        "beat",
        "batter",
        "smash",
        "burn",
        "bomb",
        "die",
        "dead",
        "rape",
        "raped",
        "punch",
        "slap",
        "strangle",
        "hang",
        "torch",
        "attack",
        "hate",
        "hater",
        "hating",
        "nigger",
        "nigga",
        "niggas",
        "faggot",
        "fag",
        "fags",
        "dyke",
        "tranny",
        "kike",
        "paki",
        "pakis",
        "gyppo",
        "spic",
        "wog",
    ]
)
_WATCH_BY_LEN: dict[int, tuple[str, ...]] = {}
for _w in WATCH_WORDS:
    _WATCH_BY_LEN.setdefault(len(_w), ())
    _WATCH_BY_LEN[len(_w)] += (_w,)

_TOKEN_RE = re.compile(r"[^\s]+")
# Three or more single letters separated by one space, dot, dash or underscore: "f u c k".
_SPACED_RE = re.compile(r"(?<![^\W\d_])(?:[a-z][ ._\-]){2,}[a-z](?![^\W\d_])")
_REPEAT_RE = re.compile(r"([a-z])\1{2,}")
_SPACES_RE = re.compile(r"\s{2,}|[\t\r\n\f\v]")
_EDGE_PUNCT = "\"'()[]{}<>,;:?.!…“”‘’"


@dataclasses.dataclass(frozen=True, slots=True)
class Normalised:
    """A normalised copy of a text and, per character, the original span it came from."""

    text: str
    starts: list[int]
    ends: list[int]
    original_length: int

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalised text to one of the original text."""
        if not self.text:
            return (0, 0)
        start = max(0, min(start, len(self.text) - 1))
        end = max(start + 1, min(end, len(self.text)))
        return (self.starts[start], self.ends[end - 1])


def _fold_char(ch: str) -> str:
    """One original character as zero or more normalised characters."""
    if ch in _INVISIBLE:
        return ""
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:  # a lone surrogate: not text, drop it
        return ""
    low = ch.lower()
    mapped = _HOMOGLYPHS.get(low)
    if mapped is not None:
        return mapped
    if code < 128:
        return low
    folded = unicodedata.normalize("NFKC", ch).lower()
    if folded.isascii():
        return folded
    # Strip accents (é -> e) but keep scripts that have no Latin form (Arabic, CJK).
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(_HOMOGLYPHS.get(c, c) for c in stripped) or folded


def _apply(
    text: str, starts: list[int], ends: list[int], edits: list[tuple[int, int, str]]
) -> tuple[str, list[int], list[int]]:
    """Apply non-overlapping, sorted (start, end, replacement) edits, carrying the offset map along."""
    if not edits:
        return text, starts, ends
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    pos = 0
    for a, b, rep in edits:
        out.append(text[pos:a])
        new_starts.extend(starts[pos:a])
        new_ends.extend(ends[pos:a])
        if len(rep) == b - a:
            new_starts.extend(starts[a:b])
            new_ends.extend(ends[a:b])
        else:
            # The replacement covers the whole original region: highlight all of it.
            new_starts.extend([starts[a]] * len(rep))
            new_ends.extend([ends[b - 1]] * len(rep))
        out.append(rep)
        pos = b
    out.append(text[pos:])
    new_starts.extend(starts[pos:])
    new_ends.extend(ends[pos:])
    return "".join(out), new_starts, new_ends


def _unmask(word: str) -> str | None:
    """The watched word a masked or leetspeak token stands for, if exactly one fits."""
    n = len(word)
    has_mask = any(c in _MASK_CHARS for c in word)
    if has_mask:
        candidates = [
            w
            for w in _WATCH_BY_LEN.get(n, ())
            if all(c in _MASK_CHARS or c == wc or _LEET.get(c) == wc for c, wc in zip(word, w, strict=True))
        ]
        if len(candidates) == 1:
            return candidates[0]
        # Prefer the commonest reading when a mask is ambiguous (f**k: fuck, not fork).
        for preferred in ("fuck", "shit", "cunt", "twat", "prick", "bitch", "wanker", "fucking"):
            if preferred in candidates:
                return preferred
        return None
    plain = "".join(_LEET.get(c, c) for c in word)
    if plain in WATCH_WORDS:
        return plain
    alt = "".join(_LEET_ALT.get(c, _LEET.get(c, c)) for c in word)
    if alt in WATCH_WORDS:
        return alt
    squeezed = re.sub(r"(.)\1+", r"\1", plain)
    if squeezed in WATCH_WORDS:
        return squeezed
    return None


def _disguised_edits(text: str) -> list[tuple[int, int, str]]:
    edits: list[tuple[int, int, str]] = []
    for m in _TOKEN_RE.finditer(text):
        tok = m.group()
        lead = len(tok) - len(tok.lstrip(_EDGE_PUNCT))
        core = tok.strip(_EDGE_PUNCT)
        if len(core) < 3 or core.isalpha() or not any(c.isalpha() for c in core):
            continue
        # Keep possessives and ordinary punctuation out: only a token with a digit,
        # symbol or mask *inside* it is a candidate.
        if core.endswith("'s"):
            continue
        replacement = _unmask(core)
        if replacement is not None and replacement != core:
            a = m.start() + lead
            edits.append((a, a + len(core), replacement))
    return edits


def _spaced_edits(text: str) -> list[tuple[int, int, str]]:
    edits: list[tuple[int, int, str]] = []
    for m in _SPACED_RE.finditer(text):
        start = m.start()
        letters = m.group()[::2]
        # "a f u c k": the leading "a" or "i" is a word of its own, not part of the disguise.
        if (
            letters[0] in "ai"
            and len(letters) > 4
            and letters[1:] not in WATCH_WORDS
            and letters not in WATCH_WORDS
        ) or (letters[0] in "ai" and letters[1:] in WATCH_WORDS):
            start += 2
            letters = letters[1:]
        if len(letters) >= 4 or letters in WATCH_WORDS:
            edits.append((start, m.end(), letters))
    return edits


def _space_edits(text: str) -> list[tuple[int, int, str]]:
    # Runs of whitespace become one space: spaCy makes a token of extra whitespace,
    # which would break a Matcher pattern in two.
    return [(m.start(), m.end(), " ") for m in _SPACES_RE.finditer(text)]


def _repeat_edits(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(1) * 2) for m in _REPEAT_RE.finditer(text)]


def normalise(text: str) -> Normalised:
    """Lower-case and de-obfuscate `text`; never raises."""
    if not isinstance(text, str):
        text = ""
    original_length = len(text)
    text = text[:MAX_CHARS]
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    if text.isascii():
        folded = text.lower()
        starts = list(range(len(folded)))
        ends = list(range(1, len(folded) + 1))
    else:
        for i, ch in enumerate(text):
            f = _fold_char(ch)
            if not f:
                continue
            chars.append(f)
            starts.extend([i] * len(f))
            ends.extend([i + 1] * len(f))
        folded = "".join(chars)
    for step in (_space_edits, _spaced_edits, _disguised_edits, _repeat_edits):
        folded, starts, ends = _apply(folded, starts, ends, step(folded))
    return Normalised(folded, starts, ends, original_length)
