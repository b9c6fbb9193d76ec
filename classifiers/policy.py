"""The code of conduct as Gatepost reads it: one typed `Policy`, validated once, from policy.toml.

What each category is (its description and the code's own words), how urgent it is, the
threshold a school may set for it, what a confirmed breach can lead to, and how long it may
wait; plus the severity ranks, retention periods, the incident ladder and the standard
reasons the console offers a reviewer.  `monitor` loads
it once (one-line errors at start-up) and hands it to judgement and to the queue.

It decides nothing and scores nothing: the pipeline uses `threshold_for` and `severity`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import pydantic

from classifiers.base import CATEGORIES, ClassifierError

DEFAULT_POLICY_PATH = Path(__file__).resolve().parent.parent / "config" / "policy.toml"

Severity = Literal["low", "medium", "high", "urgent"]
Outcome = Literal["report", "incident", "police", "legal", "iwf"]


class _Strict(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


class CategoryRule(_Strict):
    """One category of the code of conduct."""

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
    description: str


class Retention(_Strict):
    unflagged_posts_days: int = pydantic.Field(ge=1)
    dismissed_days: int = pydantic.Field(ge=1)
    confirmed_years: int = pydantic.Field(ge=1)
    audit_years: int = pydantic.Field(ge=1)
    signin_records_days: int = pydantic.Field(ge=1)


class Stage(_Strict):
    key: str
    title: str
    letter: str


class Beside(_Strict):
    title: str
    letter: str


class Incidents(_Strict):
    stages: list[Stage]
    beside: dict[str, Beside] = {}


class Reasons(_Strict):
    """The standard reasons the console offers for each decision (free text may follow)."""

    confirm: list[str] = []
    dismiss: list[str] = []
    escalate: list[str] = []


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

    def threshold_for(self, category: str, model_threshold: float) -> float:
        """The school's own threshold for `category` when its policy sets one, else the model's."""
        rule = self.categories.get(category)
        return model_threshold if rule is None or rule.threshold is None else rule.threshold

    def as_mapping(self) -> dict[str, Any]:
        """The plain mapping the review queue reads (the same keys as policy.toml)."""
        return self.model_dump(mode="python")


def read_policy(path: Path = DEFAULT_POLICY_PATH) -> Policy:
    """Parse and validate a policy file; `pydantic.ValidationError` or `ClassifierError` if it is bad."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ClassifierError(f"policy file cannot be read: {path} ({type(exc).__name__})") from exc
    return Policy.model_validate(data)
