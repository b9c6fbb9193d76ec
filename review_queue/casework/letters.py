"""Conduct-incident letters drafted from the editable templates in config/letters/.

Templates are plain text with `$placeholders` (`string.Template`), not Jinja: a school can
edit them without learning a template language, and a post's text can never run as
template code.  The first line is `Subject: ...`.  Unknown placeholders are left as they
are, so a mistyped one shows up in the draft rather than failing.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import config

LETTERS_DIR = Path(config.__file__).resolve().parent / "letters"
# Letters never quote a post in full: the meeting is where it is discussed.
POST_LINE = "  • {where}, {when}: {url}"


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


def available(letters_dir: Path = LETTERS_DIR) -> list[str]:
    return sorted(p.stem for p in letters_dir.glob("*.txt"))


def long_date(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


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
    letters_dir: Path = LETTERS_DIR,
) -> RenderedLetter:
    if template not in available(letters_dir):
        raise LetterError(f"no letter template named {template!r} in {letters_dir}")
    text = (letters_dir / f"{template}.txt").read_text(encoding="utf-8")
    fields: Mapping[str, str] = {
        "school_name": school.name,
        "school_town": school.town,
        "headteacher_name": school.headteacher_name,
        "code_title": school.code_title,
        "date": long_date(today),
        "recipient_name": recipient_name or "Parent/Carer",
        "recipient_address": recipient_address or "[address]",
        "incident_ref": incident_ref,
        "posts": "\n".join(
            POST_LINE.format(where=p.platform, when=long_date(p.posted), url=p.url or "(no address)")
            for p in posts
        )
        or "  • [describe the post]",
        "the_posts": "the post" if len(posts) == 1 else "the posts",
        "it_them": "it" if len(posts) == 1 else "them",
        "breaches": "\n".join(f"  • {b}" for b in breaches) or "  • [the relevant part of the code]",
        "previous_letter_date": long_date(previous_letter_date) if previous_letter_date else "[date]",
    }
    filled = string.Template(text).safe_substitute(fields)
    first, _, rest = filled.partition("\n")
    if first.lower().startswith("subject:"):
        return RenderedLetter(first.split(":", 1)[1].strip(), rest.lstrip("\n"))
    return RenderedLetter("", filled)
