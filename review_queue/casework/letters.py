"""Conduct-incident letters drafted from the editable templates in config/letters/.

Templates are plain text with `$placeholders` (`string.Template`), not Jinja: a school can
edit them without learning a template language, and a post's text can never run as
template code.  The first line is `Subject: ...`.  Unknown placeholders are left as they
are, so a mistyped one shows up in the draft rather than failing.

What the record does not know yet (the person's name and address, the date of the last
letter, a meeting) is drafted as a placeholder in square brackets (`UNFILLED`), like the
templates' own "[...]" notes for the headteacher.  A letter remembers what each of those
fields was filled with (`REFRESHED`), so that when the record changes, `refill` can put the
new value in an unsent draft without undoing anyone's edits; `unfilled` lists whatever is
still in brackets, and a letter with any cannot be marked sent.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import config

LETTERS_DIR = Path(config.__file__).resolve().parent / "letters"
# Letters never quote a post in full: the meeting is where it is discussed.
POST_LINE = "  • {where}, {when}: {url}"
# What a field the record does not know yet is drafted as.  Each is in square brackets, so
# the letter cannot be marked sent until it is filled, by the record or by hand.
UNFILLED: Mapping[str, str] = {
    "recipient_name": "[name of the parent or carer]",
    "recipient_address": "[address]",
    "previous_letter_date": "[date of the previous letter]",
    "meeting_thanks": "[and thank you for meeting with me on (date)]",
}
# The fields filled from the incident's record that change after drafting; an unsent
# letter has them refilled when the record changes (casework.incidents.refresh_letters).
REFRESHED = tuple(UNFILLED)
# Letters drafted before letters kept their fields: what those fields were drafted as.
# (Their recipient was "Parent/Carer", which the code of conduct's own title contains, so
# it is replaced only where it stands as the name: on its own line, or after "Dear".)
LEGACY_FIELDS: Mapping[str, str] = {
    "recipient_address": "[address]",
    "meeting_thanks": "[and thank you for meeting with me on (date)]",
}
LEGACY_NAME = re.compile(r"(?m)^(Dear )?Parent/Carer(,?)$")
# A placeholder still to complete: "[...]" on one line, or a "$name" the template's fields
# do not know.  Web addresses are left out first: "[" may appear in a post's address.
BRACKETED = re.compile(r"\[[^\[\]\n]{1,300}\]")
DOLLAR = re.compile(r"\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)")
WEB_ADDRESS = re.compile(r"https?://\S+")


class LetterError(ValueError):
    """A letter template that does not exist or cannot be read."""


@dataclass(frozen=True)
class SchoolDetails:
    """What a letter needs to know about the school (from its profile)."""

    name: str
    town: str = ""
    headteacher_name: str = "[Headteacher's name]"
    code_title: str = "Parent/Carer Code of Conduct"


@dataclass(frozen=True)
class PostRef:
    platform: str
    posted: date
    url: str


@dataclass(frozen=True)
class RenderedLetter:
    subject: str
    body: str
    # What each of REFRESHED was filled with (kept with the letter).
    fields: Mapping[str, str]


def available(letters_dir: Path = LETTERS_DIR) -> list[str]:
    return sorted(p.stem for p in letters_dir.glob("*.txt"))


def long_date(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def record_fields(
    *,
    recipient_name: str,
    recipient_address: str,
    previous_letter_date: date | None,
    meeting_date: date | None,
) -> dict[str, str]:
    """The REFRESHED fields' values from what the record knows, with UNFILLED for what it does not."""
    return {
        "recipient_name": recipient_name.strip() or UNFILLED["recipient_name"],
        "recipient_address": recipient_address.strip() or UNFILLED["recipient_address"],
        "previous_letter_date": long_date(previous_letter_date)
        if previous_letter_date
        else UNFILLED["previous_letter_date"],
        "meeting_thanks": f"and thank you for meeting with me on {long_date(meeting_date)}"
        if meeting_date
        else UNFILLED["meeting_thanks"],
    }


def refill(body: str, old: Mapping[str, str] | None, new: Mapping[str, str]) -> tuple[str, list[str]]:
    """Put the record's new values in a draft where the old ones still stand.

    Only text the draft was filled with is replaced, as a whole (never inside a longer
    word), so whatever staff wrote by hand stays.  Returns the new body and the fields
    changed.  `old` is None for a letter drafted before letters kept their fields.
    """
    changed: list[str] = []
    for key in REFRESHED:
        was = (old if old is not None else LEGACY_FIELDS).get(key)
        now = new.get(key)
        if not was or now is None or was == now:
            continue
        pattern = re.compile(r"(?<!\w)" + re.escape(was) + r"(?!\w)")
        # A function, not a string, so that a backslash in an address is not an escape.
        body, n = pattern.subn(functools.partial(_literal, now), body)
        if n:
            changed.append(key)
    if old is None and new.get("recipient_name") != UNFILLED["recipient_name"]:
        name = new["recipient_name"]
        body, n = LEGACY_NAME.subn(lambda m: f"{m.group(1) or ''}{name}{m.group(2)}", body)
        if n:
            changed.append("recipient_name")
    return body, changed


def _literal(text: str, _match: re.Match[str]) -> str:
    return text


def unfilled(body: str) -> list[str]:
    """The placeholders still to complete in a letter, each once, in order of appearance."""
    text = WEB_ADDRESS.sub("", body)
    found = [m.group(0) for m in BRACKETED.finditer(text)] + [m.group(0) for m in DOLLAR.finditer(text)]
    return list(dict.fromkeys(found))


def render(
    template: str,
    *,
    school: SchoolDetails,
    recipient_name: str,
    recipient_address: str,
    incident_ref: str,
    posts: Sequence[PostRef],
    breaches: Sequence[str],
    today: date,
    previous_letter_date: date | None = None,
    meeting_date: date | None = None,
    letters_dir: Path = LETTERS_DIR,
) -> RenderedLetter:
    if template not in available(letters_dir):
        raise LetterError(f"no letter template named {template!r} in {letters_dir}")
    text = (letters_dir / f"{template}.txt").read_text(encoding="utf-8")
    refreshed = record_fields(
        recipient_name=recipient_name,
        recipient_address=recipient_address,
        previous_letter_date=previous_letter_date,
        meeting_date=meeting_date,
    )
    fields: Mapping[str, str] = {
        **refreshed,
        "school_name": school.name,
        "school_town": school.town,
        "headteacher_name": school.headteacher_name,
        "code_title": school.code_title,
        "date": long_date(today),
        "incident_ref": incident_ref,
        "posts": "\n".join(
            POST_LINE.format(where=p.platform, when=long_date(p.posted), url=p.url or "(no address)")
            for p in posts
        )
        or "  • [describe the post]",
        "the_posts": "the post" if len(posts) == 1 else "the posts",
        "it_them": "it" if len(posts) == 1 else "them",
        "breaches": "\n".join(f"  • {b}" for b in breaches) or "  • [the relevant part of the code]",
    }
    filled = string.Template(text).safe_substitute(fields)
    first, _, rest = filled.partition("\n")
    if first.lower().startswith("subject:"):
        return RenderedLetter(first.split(":", 1)[1].strip(), rest.lstrip("\n"), refreshed)
    return RenderedLetter("", filled, refreshed)
