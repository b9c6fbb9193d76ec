"""The code of conduct as Gatepost reads it: one typed `Policy`, validated once, from policy.toml.

What each category is (the words people read, its description and the code's own words),
how urgent it is, the threshold a school may set for it, what a confirmed breach can lead
to, and how long it may wait; plus the severity ranks, retention periods, the incident
ladder and the standard reasons the console offers a reviewer.  `monitor` loads it once
with `read_policy` (one-line errors at start-up) and hands it to judgement and to the queue.

It decides nothing and scores nothing: the pipeline uses `threshold_for` and `severity`,
the queue the rest.  It imports only the standard library, pydantic and `classifiers.base`,
so the review queue may read it without loading spaCy or scikit-learn.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import pydantic

from classifiers.base import CATEGORIES, ClassifierError

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent.parent / "config" / "policy.toml"

Severity = Literal["low", "medium", "high", "urgent"]
Outcome = Literal["report", "incident", "police", "legal", "iwf"]


class _Strict(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


def _words(name: str) -> str:
    """A stored name as words, for a name the policy gives no label: "pupil_image" -> "Pupil image"."""
    return name.replace("_", " ").capitalize()


class CategoryRule(_Strict):
    """One category of the code of conduct."""

    # What people read (the console, digests, alerts); the category's key is what is stored.
    # Left out, the key in words.
    label: str = ""
    description: str
    code_reference: str = ""
    severity: Severity
    # Unset: the trained model's own validated threshold.  A number set by the school wins
    # (explicit beats implicit): lower flags more, higher flags less.
    threshold: float | None = pydantic.Field(default=None, ge=0.0, le=1.0)
    leads_to: list[Outcome] = []
    sla_hours: int = pydantic.Field(default=72, ge=1)
    examples: list[str] = []
    not_examples: list[str] = []


class Recognised(_Strict):
    label: str = ""
    description: str


class Retention(_Strict):
    """`[retention]`: every period a whole number of days or years, at least 1.  Strict: a
    quoted number or `true` is refused, not read as one."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True, strict=True)

    unflagged_posts_days: int = pydantic.Field(ge=1)
    dismissed_days: int = pydantic.Field(ge=1)
    confirmed_years: int = pydantic.Field(ge=1)
    audit_years: int = pydantic.Field(ge=1)
    # Failed sign-ins (an email and an IP address) are only needed to throttle guessing; a
    # month is ample and matches the unflagged-post period.  Used when a policy predates the key.
    signin_records_days: int = pydantic.Field(default=30, ge=1)


class Stage(_Strict):
    key: str
    title: str
    letter: str
    # The stage's letter in a few words, for digests and trends ("Warning letter"); left out,
    # the key in words.
    label: str = ""


class Beside(_Strict):
    title: str
    letter: str


class Incidents(_Strict):
    stages: list[Stage]
    beside: dict[str, Beside] = {}

    @property
    def stage_keys(self) -> list[str]:
        """The ladder's stage keys, in order."""
        return [s.key for s in self.stages]

    def stage_label(self, key: str) -> str:
        """A stage's label; a stored key the ladder no longer has is shown in words."""
        stage = next((s for s in self.stages if s.key == key), None)
        return (stage.label if stage else "") or _words(key)


class Reasons(_Strict):
    """The standard reasons the console offers for each decision (free text may follow)."""

    confirm: list[str] = []
    dismiss: list[str] = []
    escalate: list[str] = []

    def offered(self, action: str) -> list[str]:
        """The standard reasons for `action`, in the policy's order; none for an action without."""
        return {"confirm": self.confirm, "dismiss": self.dismiss, "escalate": self.escalate}.get(action, [])


class Policy(_Strict):
    """policy.toml, typed.  Every flag category must be there; nothing unknown may be."""

    categories: dict[str, CategoryRule]
    recognised: dict[str, Recognised] = {}
    severities: dict[str, int]
    retention: Retention
    incidents: Incidents
    reasons: Reasons = Reasons()

    @pydantic.field_validator("categories")
    @classmethod
    def _every_category(cls, value: dict[str, CategoryRule]) -> dict[str, CategoryRule]:
        missing = [c for c in CATEGORIES if c not in value]
        unknown = [c for c in value if c not in CATEGORIES]
        if missing or unknown:
            raise ValueError(
                f"categories must be exactly {', '.join(CATEGORIES)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(unknown)}" if unknown else "")
            )
        return value

    def severity(self, category: str) -> str:
        return self.categories[category].severity

    def rank(self, severity: str) -> int:
        return 0 if severity == "none" else self.severities.get(severity, 0)

    def severities_by_rank(self) -> list[str]:
        """The severities, most severe first."""
        return sorted(self.severities, key=lambda s: -self.severities[s])

    def label(self, category: str) -> str:
        """What people read for a category (a flag or a recognised one); a stored name the
        policy no longer has is shown in words."""
        rule = self.categories.get(category) or self.recognised.get(category)
        return (rule.label if rule else "") or _words(category)

    def labels(self) -> dict[str, str]:
        """Flag category -> label, in the policy's order."""
        return {c: self.label(c) for c in self.categories}

    def sla_hours(self, categories: Sequence[str]) -> int | None:
        """The shortest wait the policy allows among `categories`; None when it knows none of them."""
        hours = [self.categories[c].sla_hours for c in categories if c in self.categories]
        return min(hours) if hours else None

    def threshold_for(self, category: str, model_threshold: float) -> float:
        """The school's own threshold for `category` when its policy sets one, else the model's."""
        rule = self.categories.get(category)
        return model_threshold if rule is None or rule.threshold is None else rule.threshold


def read_policy(path: Path = DEFAULT_POLICY_PATH) -> Policy:
    """Parse and validate a policy file: the one way Gatepost reads a policy.

    A file that cannot be read is a `ClassifierError` whose message is one line naming the
    file and the fix; one that reads but is not a valid policy is pydantic's
    `ValidationError` (`monitor` turns both into its one-line `StartupError`).
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ClassifierError(f"{path}: file not found; fix: check the path") from exc
    except UnicodeDecodeError as exc:
        raise ClassifierError(f"{path}: not UTF-8 text; fix: save the file as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ClassifierError(f"{path}: not valid TOML ({exc}); fix: correct the syntax") from exc
    except OSError as exc:
        raise ClassifierError(
            f"{path}: cannot be read ({type(exc).__name__}); fix: check it is a readable file"
        ) from exc
    return Policy.model_validate(data)
