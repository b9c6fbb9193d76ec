"""The judgement pipeline: normalise, run spaCy rules, score with the model, decide flags, show why.

`load_pipeline(school)` returns a `Pipeline` that satisfies the `Classifier` protocol.
A post goes: `normalise` (undo obfuscation, keep an offset map) -> `RuleAnnotator`
(spaCy EntityRuler and Matcher over the normalised text) -> `TextModel` (calibrated
scores from n-grams plus rule features) -> flags where a score reaches its category's
threshold -> evidence spans mapped back into the *original* text.

Bad input never raises: any `str` (empty, huge, lone surrogates, right-to-left
overrides) gets a `Classification`.  Only a model or policy that cannot be loaded
raises `ClassifierError`.  Post text never goes into a log or an exception message.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pydantic

from classifiers.base import (
    CATEGORIES,
    NON_FLAG_CATEGORIES,
    Classification,
    ClassifierError,
    Evidence,
    MediaInfo,
    SchoolContext,
)
from classifiers.model import MODEL_PATH, TextModel, load_model
from classifiers.normalise import Normalised, normalise
from classifiers.policy import Policy, read_policy
from classifiers.rules import FEATURE_NAMES, QUOTED, RuleAnnotator, RuleHit, media_features

# Rule labels that explain a category's flag, in order of preference.
EVIDENCE_RULES: dict[str, tuple[str, ...]] = {
    "threat": ("THREAT_STRONG", "THREAT", "THREAT_VEILED"),
    "incitement": ("INCITEMENT", "OFSTED", "SHARE_CALL"),
    "security": ("SECURITY_CODE", "SECURITY"),
    "individual_child": ("CHILD_FAMILY", "CHILD_REF"),
    "pupil_image": ("POINT_CHILD", "PHOTO"),
    "abuse": ("GROUP_HATE", "INSULT_PREDICATE"),
    "defamation": ("ALLEGATION",),
}
RULE_REASONS: dict[str, str] = {
    "THREAT": "threatening wording",
    "THREAT_STRONG": "threat of harm aimed at a person or group",
    "THREAT_VEILED": "veiled threat",
    "INCITEMENT": "urges others to act against the school or staff",
    "SHARE_CALL": "urges others to pass on a grievance against the school",
    "OFSTED": "threat to go to an outside body",
    "SECURITY": "discloses a security weakness or collection arrangement",
    "SECURITY_CODE": "discloses an entry code",
    "CHILD_REF": "refers to an identifiable child",
    "CHILD_FAMILY": "refers to a family's children by surname",
    "PHOTO": "refers to a photo or video",
    "POINT_CHILD": "points out a child in the attachment",
    "STAFF": "names a member of staff",
    "INSULT_PREDICATE": "an insult said of a person or group",
    "GROUP_HATE": "hostility towards a group of people",
    "ALLEGATION": "states a damaging allegation",
}
# Rule matches strong enough to flag a category on their own (recall first for threats and
# security), unless the match is negated or the post quotes it to condemn it.  Floors for
# insults said of a person, incitement wording and a family's children were dropped with
# the hand-written corpus: in the writer-grouped cross-validation they added false flags
# (harmless posts flagged 0.170 -> 0.159 without them) and no recall.
RULE_FLOORS: dict[str, str] = {
    "THREAT_STRONG": "threat",
    "SECURITY_CODE": "security",
    "GROUP_HATE": "abuse",
}
# A negation this many characters before a strong match cancels its floor ("no one should be shot").
NEGATION_WINDOW = 24
_COUNTER_INDEX = FEATURE_NAMES.index("counter_speech")
# Hits that make a post abusive or threatening; if every one of them is negated ("they are
# not vermin", "no one should be hurt"), or the post quotes them to condemn them and names
# no one at the school, the abuse and threat scores are held below their thresholds.
HARM_HITS = frozenset(
    {"INSULT", "INSULT_PREDICATE", "GROUP_HATE", "HATE_VERB", "THREAT", "THREAT_STRONG", "THREAT_VEILED"}
)
# Words besides HARM_HITS that a protective statement must account for.
_CHARGED_HITS = frozenset({"HOSTILE", "PROFANITY", "ALLEGATION"})
# Counter-speech that names someone at the school is still judged on its own words.
PERSON_HITS = frozenset({"STAFF", "ROLE", "NAMED_PERSON"})
# A post naming a group is held below the abuse threshold when, without the group's name,
# its abuse score would be under this share of the threshold: nothing else in it is abusive.
# (Kept low: misspelt hate, "Muslims are disgusitng", leans on the name and must still flag.)
UNNAMED_ABUSE_SHARE = 0.25
# A negation does not reach past a clause break or a "but" ("not being funny but you're dead").
_CLAUSE_BREAK = re.compile(r"\bbut\b|[.!?;,\n]")
# A protective statement ("no child deserves to be hurt") loses its protection when a condition
# or a turn follows within this many characters ("no one would hurt you if ...", "... Yet.").
_CONDITION = re.compile(r"\b(?:if|unless|until|yet|but|or else|otherwise)\b")
CONDITION_REACH = 40
# For the ceiling the negation must sit right before the harmful words ("are not vermin").
CEILING_NEGATION_WINDOW = 12
_OWN_INDEX = FEATURE_NAMES.index("own_child")
_IDENTITY_INDEX = FEATURE_NAMES.index("identity")
_FIRST_NAME_INDEX = FEATURE_NAMES.index("first_name")
_CHILD_REF_INDEX = FEATURE_NAMES.index("child_ref")
_PHOTO_INDEX = FEATURE_NAMES.index("photo_word")
_OTHER_INDEX = FEATURE_NAMES.index("other_child")
# Words that carry a model-only flag must push the score at least this much to be shown.
MIN_TOKEN_CONTRIBUTION = 0.05
_WORD_RE = re.compile(r"\w+", re.UNICODE)
# A model-only flag points at its strongest words among the first this many.
MAX_EVIDENCE_WORDS = 400
# Words too common to explain anything on their own.
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "am",
        "i",
        "me",
        "my",
        "you",
        "your",
        "he",
        "she",
        "him",
        "her",
        "it",
        "its",
        "we",
        "us",
        "our",
        "they",
        "them",
        "their",
        "and",
        "or",
        "but",
        "so",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "as",
        "by",
        "from",
        "that",
        "this",
        "these",
        "those",
        "there",
        "here",
        "not",
        "no",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "just",
    ]
)


# An insult this close to "you" is aimed at the reader ("you're a hoe", "bitch you lied").
SECOND_PERSON_REACH = 15


def _insults_you(hits: Sequence[RuleHit]) -> bool:
    you = [h for h in hits if h.label == "SECOND_PERSON"]
    return any(
        h.label in ("INSULT", "INSULT_PREDICATE")
        and any(-SECOND_PERSON_REACH <= h.start - y.end <= SECOND_PERSON_REACH for y in you)
        for h in hits
    )


# Harmful words that counter-speech must quote or report rather than say in its own voice.
# (A weak THREAT hit such as "deserve to be [in prison]" is left out.)
_OWN_VOICE_HITS = frozenset({"INSULT", "INSULT_PREDICATE", "GROUP_HATE", "HATE_VERB", "THREAT_STRONG"})
# A reporting word ("saying", "calling", "wrote") reaches this far ahead.
REPORTED_REACH = 60


def _reported(p: Prepared, hit: RuleHit) -> bool:
    """The words of `hit` are quoted, or follow a word that reports speech, or a protective stance."""
    text = p.norm.text
    if any(m.start() <= hit.start and hit.end <= m.end() for m in QUOTED.finditer(text)):
        return True
    return any(
        h.label in ("SPEECH", "QUOTE", "PROTECT") and 0 <= hit.start - h.end <= REPORTED_REACH for h in p.hits
    )


def _inside(span: Evidence, other: Evidence) -> bool:
    """`span` lies within `other`, a strictly larger span."""
    within = other.start <= span.start and span.end <= other.end
    return within and (other.end - other.start) > (span.end - span.start)


def _media_text(media: Sequence[MediaInfo]) -> str:
    alts = [m.alt_text for m in media if isinstance(getattr(m, "alt_text", None), str) and m.alt_text]
    return " ".join(alts)[:2000]


def mask_identities(text: str, hits: Sequence[RuleHit]) -> str:
    """Remove the words naming a protected group from the text the model sees.

    Public abuse data mention groups mostly to attack them, so a model that sees the names
    learns that "I am a woman" is abuse.  Masked, it has to learn from what is said about
    the group; whether a group is attacked is for the rules (GROUP_HATE) to say.
    """
    spans = sorted((h.start, h.end) for h in hits if h.label == "IDENTITY")
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for start, end in spans:
        if start < last:
            continue
        parts.append(text[last:start])
        last = end
    parts.append(text[last:])
    return "".join(parts)


@dataclasses.dataclass(frozen=True, slots=True)
class Prepared:
    """A post made ready for the model: normalised text, its spaCy hits and features."""

    norm: Normalised
    model_text: str
    hits: tuple[RuleHit, ...]
    features: tuple[float, ...]


def prepare(annotator: RuleAnnotator, items: Sequence[tuple[str, Sequence[MediaInfo]]]) -> list[Prepared]:
    """Normalise and annotate a batch; shared by training and classification so both see the same features."""
    norms = [normalise(text if isinstance(text, str) else "") for text, _ in items]
    media_feats = [media_features(media) for _, media in items]
    annotated = annotator.annotate([n.text for n in norms], media_feats)
    out: list[Prepared] = []
    for n, (_, media), ann in zip(norms, items, annotated, strict=True):
        alt = _media_text(media)
        model_text = mask_identities(n.text, ann.hits)
        if alt:
            model_text += " | " + normalise(alt).text
        out.append(Prepared(n, model_text, ann.hits, ann.features))
    return out


class Pipeline:
    """Judges posts for one school. Satisfies `classifiers.base.Classifier`."""

    def __init__(
        self,
        model: TextModel,
        annotator: RuleAnnotator,
        policy: Policy,
    ) -> None:
        self.model = model
        self.annotator = annotator
        self.policy = policy
        self.model_version = model.version
        # The model's validated thresholds, unless the school's policy sets its own.
        self.thresholds = {
            lab: policy.threshold_for(lab, float(model.thresholds.get(lab, 0.5))) for lab in model.labels
        }

    def classify(self, text: str, media: Sequence[MediaInfo] = ()) -> Classification:
        return self.classify_many([(text, media)])[0]

    def classify_many(self, items: Sequence[tuple[str, Sequence[MediaInfo]]]) -> list[Classification]:
        if not items:
            return []
        safe_items = [(t if isinstance(t, str) else "", tuple(m or ())) for t, m in items]
        return self.classify_prepared(prepare(self.annotator, safe_items), safe_items)

    def classify_prepared(
        self, prepared: Sequence[Prepared], items: Sequence[tuple[str, Sequence[MediaInfo]]]
    ) -> list[Classification]:
        """Judge posts already through `prepare` (training's cross-validation reuses its own)."""
        x = self.model.features([p.model_text for p in prepared], [p.features for p in prepared])
        decision = self.model.decision(x)
        scores = self.model.calibrated(decision)
        # What abuse would score if no group had been named: a group's name alone is never abuse.
        abuse_unnamed = np.zeros(len(prepared))
        if "abuse" in self.model.labels:
            col = self.model.labels.index("abuse")
            unnamed = decision.copy()
            named = np.array([p.features[_IDENTITY_INDEX] for p in prepared])
            unnamed[:, col] -= named * self.model.rule_contribution("abuse", _IDENTITY_INDEX)
            abuse_unnamed = self.model.calibrated(unnamed)[:, col]
        self.model.prime_contributions(t for p in prepared for t in _evidence_tokens(p.norm.text))
        results: list[Classification] = []
        for p, (text, media), row, without_name in zip(
            prepared, items, scores, abuse_unnamed.tolist(), strict=True
        ):
            label_scores = {lab: float(s) for lab, s in zip(self.model.labels, row, strict=True)}
            results.append(self._decide(p, text, media, label_scores, float(without_name)))
        return results

    def _hold_below(self, scores: dict[str, float], category: str) -> None:
        """A ceiling: keep `category` just under its threshold (its score stays visible to reviewers)."""
        scores[category] = min(scores[category], max(0.0, self.thresholds.get(category, 0.5) - 0.01))

    def _raise_above(self, scores: dict[str, float], category: str) -> None:
        """A floor: lift `category` just over its threshold."""
        scores[category] = max(scores[category], min(1.0, self.thresholds.get(category, 0.5) + 0.05))

    def _apply_rule_ceilings(self, p: Prepared, scores: dict[str, float]) -> bool:
        """Hold abuse and threat below threshold for negated or condemned hate; True if it did."""
        harm = [h for h in p.hits if h.label in HARM_HITS]
        if not harm:
            return False
        negations = [h.end for h in p.hits if h.label == "NEGATION"]
        # Only for statements about groups ("they are not vermin"): a negated insult aimed
        # at a person ("you're not a teacher, you're a joke") is still abuse.
        all_negated = bool(p.features[_IDENTITY_INDEX]) and all(
            any(h.start - CEILING_NEGATION_WINDOW <= n <= h.start for n in negations) for h in harm
        )
        # ... and condemning hate does not excuse insulting the person it answers ("you're a joke"),
        # nor words of abuse in the poster's own voice ("these hoes ain't loyal, what's wrong
        # with them"): each must be quoted or reported ("saying X", "calling them X").
        condemned = (
            bool(p.features[_COUNTER_INDEX])
            and not any(h.label in PERSON_HITS for h in p.hits)
            and not _insults_you(p.hits)
            and all(_reported(p, h) for h in harm if h.label in _OWN_VOICE_HITS)
        )
        if not (all_negated or condemned):
            return False
        for category in ("abuse", "threat"):
            if category in scores:
                self._hold_below(scores, category)
        return True

    def _no_hostility_ceiling(self, p: Prepared, scores: dict[str, float], abuse_unnamed: float) -> None:
        """Hold abuse below threshold when nothing hostile is said to or about anyone.

        Three cases, all from the code of conduct's own line between abuse and the rest: a
        kind word about a group ("our new head is a Muslim woman and she's brilliant"), a
        group named in a post the model would not call abuse without the name ("our new
        SENCo is a Muslim woman": `abuse_unnamed` is the score without the identity feature),
        and swearing aimed at no one ("fucking freezing at pick-up").  Any insult, threat,
        group hostility, negation or strongly negative word (VADER lexicon) keeps the score.
        """
        if "abuse" not in scores:
            return
        labels = {h.label for h in p.hits}
        if labels & HARM_HITS or "HOSTILE" in labels:
            return
        names_group = bool(p.features[_IDENTITY_INDEX])
        swears = "PROFANITY" in labels
        calm_about_group = names_group and not swears and "NEGATION" not in labels
        kind_about_group = calm_about_group and (
            "WARM_VERB" in labels or abuse_unnamed < UNNAMED_ABUSE_SHARE * self.thresholds.get("abuse", 0.5)
        )
        aimed = bool(labels & {"STAFF", "ROLE", "SECOND_PERSON", "NAMED_PERSON"}) or bool(
            p.features[_FIRST_NAME_INDEX]
        )
        swearing_at_no_one = swears and not names_group and not aimed
        if kind_about_group or swearing_at_no_one:
            self._hold_below(scores, "abuse")

    def _protective_ceiling(self, p: Prepared, scores: dict[str, float]) -> None:
        """Hold threat, abuse and defamation below threshold for a harm the post says must not happen.

        "No child deserves to be hurt", "I would never hurt anyone", "children should never be
        smacked": every harmful, hostile or alleging word lies inside such a statement, and no
        condition or turn follows it ("no one would hurt you if you kept quiet" is a threat).
        """
        text = p.norm.text
        spans = [
            h
            for h in p.hits
            if h.label == "PROTECTIVE" and not _CONDITION.search(text, h.end, h.end + CONDITION_REACH)
        ]
        if not spans:
            return
        charged = [h for h in p.hits if h.label in HARM_HITS or h.label in _CHARGED_HITS]
        if all(any(h.start < s.end and s.start < h.end for s in spans) for h in charged):
            for category in ("threat", "abuse", "defamation"):
                if category in scores:
                    self._hold_below(scores, category)

    def _own_child_photo_ceiling(
        self, p: Prepared, media: Sequence[MediaInfo], scores: dict[str, float]
    ) -> None:
        """Policy: a parent's photo of their own child alone is not a breach (one counted face, no video).

        Only where a face count says so (staff submissions): without one, the model reads
        the words and the alt text (an unknown count is unknown, neither alone nor a crowd).
        """
        if not media or "pupil_image" not in scores:
            return
        if any(m.type == "video" or m.face_count is None or m.face_count > 1 for m in media):
            return
        if p.features[_OWN_INDEX] and not (
            p.features[_OTHER_INDEX] or p.features[_FIRST_NAME_INDEX] or p.features[_CHILD_REF_INDEX]
        ):
            self._hold_below(scores, "pupil_image")

    def _pointed_child_floor(self, p: Prepared, media: Sequence[MediaInfo], scores: dict[str, float]) -> None:
        """An attachment, and words pointing a child out ("this is the Y8 who ..."): it shows that child."""
        if media and "pupil_image" in scores and any(h.label == "POINT_CHILD" for h in p.hits):
            self._raise_above(scores, "pupil_image")

    def _no_faces_ceiling(self, media: Sequence[MediaInfo], scores: dict[str, float]) -> None:
        """Every attachment is an image in which no face was counted: it shows no pupil."""
        if media and "pupil_image" in scores and all(m.type == "image" and m.face_count == 0 for m in media):
            self._hold_below(scores, "pupil_image")

    def _demand_is_not_allegation_ceiling(self, p: Prepared, scores: dict[str, float]) -> None:
        """ "Get Mrs X sacked" or "she should be sacked" demands an outcome; it alleges nothing."""
        allegations = [h for h in p.hits if h.label == "ALLEGATION"]
        demands = [h for h in p.hits if h.label in ("INCITEMENT", "DEMAND")]
        if not allegations or not demands or "defamation" not in scores:
            return
        if all(any(d.start <= a.start and a.end <= d.end for d in demands) for a in allegations):
            self._hold_below(scores, "defamation")

    def _no_picture_ceiling(self, p: Prepared, media: Sequence[MediaInfo], scores: dict[str, float]) -> None:
        """A post with no attachment and no mention of a photo or video cannot share one."""
        if media or p.features[_PHOTO_INDEX] or "pupil_image" not in scores:
            return
        self._hold_below(scores, "pupil_image")

    @staticmethod
    def _negates(p: Prepared, negation_end: int, hit_start: int) -> bool:
        """A negation just before a match, in the same clause, cancels its floor."""
        if not hit_start - NEGATION_WINDOW <= negation_end <= hit_start:
            return False
        return _CLAUSE_BREAK.search(p.norm.text, negation_end, hit_start) is None

    def _apply_rule_floors(self, p: Prepared, scores: dict[str, float]) -> None:
        if p.features[_COUNTER_INDEX]:
            return
        negations = [h.end for h in p.hits if h.label == "NEGATION"]
        for hit in p.hits:
            category = RULE_FLOORS.get(hit.label)
            if category is None or category not in scores:
                continue
            # "No one would hurt you if ...": a negation followed by a condition cancels nothing.
            if any(self._negates(p, n, hit.start) for n in negations) and not _CONDITION.search(
                p.norm.text, hit.end, hit.end + CONDITION_REACH
            ):
                continue
            self._raise_above(scores, category)

    def _decide(
        self,
        p: Prepared,
        text: str,
        media: Sequence[MediaInfo],
        scores: dict[str, float],
        abuse_unnamed: float,
    ) -> Classification:
        if not self._apply_rule_ceilings(p, scores):
            self._apply_rule_floors(p, scores)
        self._no_hostility_ceiling(p, scores, abuse_unnamed)
        self._protective_ceiling(p, scores)
        self._demand_is_not_allegation_ceiling(p, scores)
        self._pointed_child_floor(p, media, scores)
        self._own_child_photo_ceiling(p, media, scores)
        self._no_faces_ceiling(media, scores)
        self._no_picture_ceiling(p, media, scores)
        flags = tuple(c for c in CATEGORIES if scores.get(c, 0.0) >= self.thresholds.get(c, 1.1))
        recognised = tuple(
            c for c in NON_FLAG_CATEGORIES if scores.get(c, 0.0) >= self.thresholds.get(c, 1.1)
        )
        severity = "none"
        for c in flags:
            sev = self.policy.severity(c)
            if self.policy.rank(sev) > self.policy.rank(severity):
                severity = sev
        evidence: list[Evidence] = []
        for c in flags:
            found = self._evidence(c, p, text, media, scores[c])
            shown: set[tuple[int, int]] = set()
            for ev in found:
                # A span inside another shown for the same category, or shown already, adds nothing.
                if (ev.start, ev.end) in shown or any(_inside(ev, other) for other in found):
                    continue
                shown.add((ev.start, ev.end))
                evidence.append(ev)
        cat_scores = {c: round(scores.get(c, 0.0), 4) for c in (*CATEGORIES, *NON_FLAG_CATEGORIES)}
        return Classification(
            flags=flags,
            scores=cat_scores,
            severity=severity,
            evidence=tuple(evidence),
            recognised=recognised,
            model_version=self.model_version,
        )

    def _evidence(
        self, category: str, p: Prepared, text: str, media: Sequence[MediaInfo], score: float
    ) -> list[Evidence]:
        out: list[Evidence] = []
        norm = p.norm
        limit = len(norm.text)
        for label in EVIDENCE_RULES.get(category, ()):
            for hit in p.hits:
                if hit.label == label and hit.end <= limit and hit.start < hit.end:
                    start, end = norm.original_span(hit.start, hit.end)
                    out.append(Evidence(category, start, end, RULE_REASONS.get(label, label.lower())))
            if out:
                break
        if category == "pupil_image" and media:
            faces = [m.face_count for m in media if m.face_count is not None]
            kinds = sorted({m.type for m in media})
            detail = f"{'/'.join(kinds)} attached" + (f", {max(faces)} face(s) detected" if faces else "")
            out.append(Evidence(category, 0, 0, detail))
        if not out or category in ("abuse", "defamation", "individual_child"):
            out.extend(self._token_evidence(category, p, score))
        if not out:
            out.append(Evidence(category, 0, len(text), f"model score {score:.2f}"))
        return out[:6]

    def _token_evidence(self, category: str, p: Prepared, score: float) -> list[Evidence]:
        norm = p.norm
        matches = _evidence_matches(norm.text)
        if not matches:
            return []
        contrib = self.model.word_contributions(category, [m.group() for m in matches])
        order = sorted(range(len(matches)), key=lambda i: -contrib[i])[:3]
        out: list[Evidence] = []
        for i in sorted(order):
            if contrib[i] < MIN_TOKEN_CONTRIBUTION:
                continue
            start, end = norm.original_span(matches[i].start(), matches[i].end())
            out.append(Evidence(category, start, end, f"wording typical of {category} (score {score:.2f})"))
        return out


def _evidence_matches(text: str) -> list[re.Match[str]]:
    """The words a model-only flag may point at as its evidence."""
    return [m for m in _WORD_RE.finditer(text) if m.group() not in _STOPWORDS][:MAX_EVIDENCE_WORDS]


def _evidence_tokens(text: str) -> list[str]:
    return [m.group() for m in _evidence_matches(text)]


def load_pipeline(
    school: SchoolContext | None = None,
    *,
    policy: Policy | None = None,
    model_path: Path | None = None,
    spacy_model: str | None = None,
) -> Pipeline:
    """Build the judgement pipeline for a school (or a generic one when `school` is None).

    `policy` is the school's, validated by `monitor` at start-up; without one, the shipped
    default policy.
    """
    if policy is None:
        try:
            policy = read_policy()
        except pydantic.ValidationError as exc:
            raise ClassifierError("the shipped policy file is not valid") from exc
    model = load_model(model_path or MODEL_PATH)
    try:
        annotator = RuleAnnotator(school, spacy_model=spacy_model)
    except OSError as exc:  # spaCy raises OSError for a model that is not installed
        raise ClassifierError(f"spaCy model cannot be loaded: {spacy_model}") from exc
    return Pipeline(model, annotator, policy)
