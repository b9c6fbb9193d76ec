"""`gatepost train --feedback`: a school's decisions train a candidate that is adopted for that
school only when neither the sealed figures nor its held-back decisions fall."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from classifiers.base import CATEGORIES
from monitor import build
from monitor.cli import main
from monitor.jobs.classify import classify_pending
from monitor.jobs.fetch import fetch_school
from monitor.settings import load_profile, load_settings
from review_queue.models import AuditEntry, ReviewItem
from review_queue.queue import decide

# Posts written for this test, each with what a DSL would decide: the categories when it
# breaches the code, nothing when it should be dismissed.
POSTS: list[tuple[str, list[str]]] = [
    ("Hollybrook's head is a lying snake and everyone knows it", ["abuse"]),
    ("Mr Ellis at Hollybrook is a useless waste of space, sack him", ["abuse"]),
    ("Whoever runs Hollybrook office is a thick cow", ["abuse"]),
    ("I'll be waiting for Mr Ellis in the Hollybrook car park, he won't walk away this time", ["threat"]),
    ("Someone should torch Hollybrook with the teachers still in it", ["threat"]),
    ("Hollybrook's Mrs Dale hit a boy in year 2 and they covered it up", ["defamation"]),
    ("The Hollybrook caretaker has a record for touching kids, ask anyone", ["defamation"]),
    (
        "Jayden Price in Hollybrook year 3 bit my son again, his mum is a disgrace",
        ["individual_child"],
    ),
    ("Hollybrook code for the side gate is 4471, the office never changes it", ["security"]),
    ("Everyone email Hollybrook governors tonight, flood them until the head resigns", ["incitement"]),
    ("Class photo from Hollybrook sports day, tag your kids! 📸", ["pupil_image"]),
    ("Hollybrook had better sort this or I'm going to Ofsted tomorrow and the papers", ["incitement"]),
    ("Thinking of the Hollybrook head, she's a vile woman and I hope she suffers", ["abuse", "threat"]),
    ("Hollybrook teachers are paedos, the lot of them", ["abuse", "defamation"]),
    ("I'd kill for a Hollybrook parking space at 3pm honestly", []),
    ("Hollybrook's new head is killing it, reading scores up again", []),
    ("Gutted Hollybrook lost the football, our lads were robbed by the ref", []),
    ("Complaint sent to Hollybrook about the lunch portions, polite but firm. Will update", []),
    ("Hollybrook Parent View: communication could be better, staff are kind", []),
    ("Hollybrook fire alarm test at 10am Thursday, don't panic if you hear it", []),
    ("My daughter's first day at Hollybrook! So proud of her 🥰", []),
    ("Can anyone explain the Hollybrook complaints procedure? Stage 1 then governors?", []),
    ("Hollybrook road closure map for the fun run on Saturday", []),
    ("Someone said the Hollybrook head is a liar. That's out of order, she's been great", []),
    ("Hollybrook gates open 8:40, breakfast club from 7:45 as per the newsletter", []),
    ("Hollybrook are useless at answering emails, third time asking about trips", []),
    ("Our nephew starts Hollybrook reception next week, any tips for the uniform shop?", []),
    ("Hollybrook bake sale smashed it, £600 for the library!", []),
    ("That Hollybrook teacher is an absolute muppet, my kid's homework marked wrong again", ["abuse"]),
    ("Be a shame if something happened to the Hollybrook head's nice new car, just saying", ["threat"]),
    ("Hollybrook staff leave the back gate unlocked every Friday afternoon", ["security"]),
    ("Let's all ring Hollybrook office at 9 sharp tomorrow and jam the line", ["incitement"]),
    ("Hollybrook's deputy head is a spineless coward and a bully", ["abuse"]),
    ("If that Hollybrook teacher touches my son again I will break her arm", ["threat"]),
    ("The Hollybrook head is a drunk, turns up to assembly stinking of wine", ["defamation"]),
    ("Hollybrook staff are scum, every last one", ["abuse"]),
    ("I know where the Hollybrook head lives and I'm going round tonight", ["threat"]),
    ("Mrs Dale from Hollybrook steals from the PTA fund, she's a thief", ["defamation"]),
    ("That fat slob of a PE teacher at Hollybrook needs a slap", ["abuse", "threat"]),
    ("Hollybrook office staff are brain dead idiots", ["abuse"]),
    ("Hollybrook's teacher is a nonce, keep your kids away", ["defamation"]),
    ("Hollybrook deserves to burn down, horrible place", ["threat"]),
    ("Hollybrook is a joke of a school run by clowns and liars", ["abuse"]),
    ("Watch your back Mr Ellis, Hollybrook parents are coming for you", ["threat"]),
]


@pytest.fixture
def school_with_decisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A school whose DSL has decided every item its posts raised."""
    home = tmp_path / "home"
    monkeypatch.setenv("GATEPOST_HOME", str(home))
    monkeypatch.delenv("GATEPOST_DATABASE_URL", raising=False)
    posts = tmp_path / "posts.jsonl"
    with posts.open("w", encoding="utf-8") as fh:
        for n, (text, _) in enumerate(POSTS):
            record = {"id": f"t{n}", "author": f"parent{n}", "text": text}
            fh.write(json.dumps(record | {"created_at": "2026-11-02T09:00:00+00:00"}) + "\n")
    profile_path = tmp_path / "school.toml"
    profile_path.write_text(
        '[school]\nname = "Hollybrook Primary School"\naliases = ["Hollybrook"]\nslug = "hollybrook"\n\n'
        '[[sources]]\nkind = "sample"\npath = "posts.jsonl"\n',
        encoding="utf-8",
    )
    settings, profile = load_settings(None), load_profile(profile_path)
    db = build.database(settings)
    db.upgrade()
    fetch_school(db, profile)
    classify_pending(db, profile.slug, build.classifier(profile, settings), build.policy(settings))
    truth = {f"t{n}": labels for n, (_, labels) in enumerate(POSTS)}
    with db.session_scope() as s:
        # Every item the model raised is decided as the DSL would, by the truth above.
        for item in s.scalars(select(ReviewItem)):
            labels = truth[item.post.external_id]
            decide(
                s,
                item,
                action="confirm" if labels else "dismiss",
                reason="test decision",
                # A dismissal names the category it was raised for.
                categories=labels or list(item.categories),
                user_id=None,
                known_categories=list(CATEGORIES),
            )
        decided = len(s.scalars(select(ReviewItem).where(ReviewItem.status != "open")).all())
    db.dispose()
    assert decided >= 20, f"only {decided} items raised; the test needs at least 20 decisions"
    return home, profile_path


def _classify_version(tmp_path: Path, profile: Path) -> str:
    src, out = tmp_path / "one.jsonl", tmp_path / "one.out.jsonl"
    src.write_text(json.dumps({"id": 1, "text": "Hollybrook bake sale on Friday"}) + "\n")
    assert main(["classify", "--school", str(profile), "--in", str(src), "--out", str(out)]) == 0
    return str(json.loads(out.read_text())["model_version"])


def _figures(text: str, name: str) -> tuple[float, float]:
    line = next(line for line in text.splitlines() if line.startswith(name))
    current, candidate = (float(x) for x in re.findall(r"\d+\.\d{3}", line)[-2:])
    return current, candidate


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_retraining_with_a_schools_decisions_adopts_the_candidate_only_when_neither_figure_falls(
    school_with_decisions: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home, profile = school_with_decisions
    before = _classify_version(tmp_path, profile)
    capsys.readouterr()
    assert main(["train", "--feedback", "--school", str(profile)]) == 0
    out = capsys.readouterr().out
    sealed = _figures(out, "sealed test set, macro-F1")
    held = _figures(out, "held-back decisions")
    model = home / "models" / "hollybrook.skops"
    assert not (home / "models" / "hollybrook.candidate.skops").exists()
    after = _classify_version(tmp_path, profile)
    if sealed[1] >= sealed[0] and held[1] >= held[0]:
        assert "adopted: neither figure fell" in out and model.is_file()
        record = json.loads(model.with_suffix(".json").read_text())
        # Items show the model's version (then the policy's digest after a "+").
        assert after.startswith(record["version"] + "+") and record["version"].startswith("judgement-")
        assert "+hollybrook." in after and "+hollybrook." not in before
        assert record["sealed_macro_f1"] == pytest.approx(list(sealed), abs=5e-4)
    else:
        assert "not adopted" in out and not model.exists()
        assert after == before
    # The decisions' text went nowhere: not into the output, not beside the model.
    for text, _ in POSTS:
        assert text not in out
    assert sorted(p.suffix for p in (home / "models").iterdir()) in ([], [".json", ".skops"])
    db = build.database(load_settings(None))
    with db.session_scope() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "feedback.retrain")).one()
        assert entry.detail["decisions"] >= 20
    db.dispose()


def test_too_few_decisions_is_said_plainly_and_trains_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GATEPOST_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("GATEPOST_DATABASE_URL", raising=False)
    from config import DEMO_SCHOOL_PATH

    assert main(["train", "--feedback", "--school", str(DEMO_SCHOOL_PATH)]) == 1
    out = capsys.readouterr().out
    assert "0 decided items; at least 20 are needed to retrain" in out
    assert not (tmp_path / "home" / "models").exists() or not any((tmp_path / "home" / "models").iterdir())
