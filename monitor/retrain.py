"""`gatepost train --feedback`: retrain judgement with one school's own decisions, and adopt
the candidate for that school only when neither the sealed figures nor agreement with its
held-back recent decisions fall.

Wiring only: the decisions come out of the school's database (an audited access), the
training and the comparison are `classifiers/feedback.py`'s, and an adopted model is kept
in the data directory under the school's name, where `build.classifier` finds it.  The
decisions themselves are never written anywhere.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any, TextIO

from sqlalchemy import select

from monitor import build
from monitor.settings import Profile, Settings
from review_queue import audit
from review_queue.db import Database
from review_queue.feedback import labelled_feedback
from review_queue.models import School


def retrain(settings: Settings, profile: Profile, db: Database, out: TextIO) -> bool:
    """Train, compare and maybe adopt for one school; True when a new model was adopted."""
    from classifiers import feedback
    from classifiers.pipeline import load_pipeline
    from classifiers.train import MODEL_VERSION

    with db.session_scope() as session:
        school = session.scalar(select(School).where(School.slug == profile.slug))
        records: list[dict[str, Any]] = list(labelled_feedback(session, school.id)) if school else []
        if school is not None:
            audit.record(
                session,
                user=None,
                action="feedback.retrain",
                object_type="school",
                object_id=school.id,
                school_id=school.id,
                detail={"decisions": len(records)},
            )
    split = feedback.split_recent(records)
    print(
        f"{profile.slug}: {len(records)} decisions; training with {len(split.train)}, "
        f"holding back the newest {len(split.held_back)} to judge the candidate",
        file=out,
    )
    target = build.school_model_path(settings, profile)
    target.parent.mkdir(parents=True, exist_ok=True)
    version = f"{MODEL_VERSION}+{profile.slug}.{datetime.now(UTC):%Y%m%d%H%M}"
    candidate_path = target.with_name(f"{profile.slug}.candidate.skops")
    feedback.train_candidate(split.train, candidate_path, version, log=lambda msg: print(msg, file=out))
    current = build.classifier(profile, settings)
    candidate = load_pipeline(profile.context(), policy=build.policy(settings), model_path=candidate_path)
    result = feedback.compare(current, candidate, split.held_back)
    print(result.format(), file=out)
    if not result.adopt:
        candidate_path.unlink()
        return False
    os.replace(candidate_path, target)
    record = {
        "version": version,
        "adopted_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "replaces": result.current_version,
        "decisions_trained": len(split.train),
        "decisions_held_back": len(split.held_back),
        "sealed_macro_f1": [result.current_sealed.macro_f1, result.candidate_sealed.macro_f1],
        "held_back_macro_f1": [result.current_decisions.macro_f1, result.candidate_decisions.macro_f1],
    }
    target.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    build.forget_classifiers()
    print(f"{profile.slug} now judges with {version} (kept in {target})", file=out)
    return True
