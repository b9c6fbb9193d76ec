"""The judgement interface: `Evidence`, `Classification`, `ClassifierError`, `Classifier`.

A classifier takes the text of a post (hostile input: any length, any code points)
and returns a `Classification`: the flagged categories, a 0..1 score per category,
the overall severity, and evidence spans into the *original* text.  It never raises
on bad input; it raises `ClassifierError` only when its model cannot be loaded.

`criticism` is recognised but is never a flag: it is reported in `recognised` so that
the digest can count it and the reviewer can see it was left alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Protocol

# The seven flag categories, in the policy's order.  They are stored: never rename one.
CATEGORIES: tuple[str, ...] = (
    "abuse",
    "threat",
    "defamation",
    "pupil_image",
    "individual_child",
    "incitement",
    "security",
)
# Recognised, never flagged.
NON_FLAG_CATEGORIES: tuple[str, ...] = ("criticism",)

SEVERITIES: tuple[str, ...] = ("none", "low", "medium", "high", "urgent")


class ClassifierError(Exception):
    """The classifier cannot run at all (a model that will not load, a bad policy)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Evidence:
    """Why a category was flagged: a span of the original text and a short reason."""

    category: str
    start: int
    end: int
    why: str

    def to_json(self) -> dict[str, Any]:
        return {"category": self.category, "start": self.start, "end": self.end, "why": self.why}


@dataclasses.dataclass(frozen=True, slots=True)
class MediaInfo:
    """What the classifier may know of an attachment: never bytes the caller did not fetch safely."""

    type: str
    url: str = ""
    alt_text: str = ""
    face_count: int | None = None


# An attachment list longer than this is judged on its first entries only.
MAX_MEDIA = 20


def media_from_json(raw: Any) -> tuple[MediaInfo, ...]:
    """MediaInfo from the JSON shape of `classify` input lines; unknown shapes are ignored."""
    out: list[MediaInfo] = []
    if not isinstance(raw, list):
        return ()
    for m in raw[:MAX_MEDIA]:
        if not isinstance(m, dict):
            continue
        fc = m.get("face_count")
        out.append(
            MediaInfo(
                type=str(m.get("type", "")),
                url=str(m.get("url", "")),
                alt_text=str(m.get("alt_text", "") or ""),
                face_count=fc if isinstance(fc, int) and not isinstance(fc, bool) else None,
            )
        )
    return tuple(out)


@dataclasses.dataclass(frozen=True, slots=True)
class Classification:
    flags: tuple[str, ...]
    scores: dict[str, float]
    severity: str
    evidence: tuple[Evidence, ...] = ()
    recognised: tuple[str, ...] = ()
    model_version: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "flags": list(self.flags),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "severity": self.severity,
            "evidence": [e.to_json() for e in self.evidence],
            "recognised": list(self.recognised),
            "model_version": self.model_version,
        }


class Classifier(Protocol):
    model_version: str

    def classify(self, text: str, media: Sequence[MediaInfo] = ()) -> Classification: ...

    def classify_many(self, items: Sequence[tuple[str, Sequence[MediaInfo]]]) -> list[Classification]: ...


@dataclasses.dataclass(frozen=True, slots=True)
class StaffRef:
    name: str
    role: str = ""
    aliases: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class SchoolContext:
    """What the pipeline knows of the school it judges for (built by `monitor` from the profile)."""

    name: str
    aliases: tuple[str, ...] = ()
    town: str | None = None
    staff: tuple[StaffRef, ...] = ()
