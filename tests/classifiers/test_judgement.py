"""What the pipeline flags, what it spares, and the evidence it shows."""

from __future__ import annotations

import pytest

from classifiers.base import CATEGORIES, Classification, MediaInfo
from classifiers.pipeline import Pipeline, prepare
from classifiers.rules import FEATURE_NAMES


def _spans(text: str, result: Classification, category: str) -> list[str]:
    return [text[e.start : e.end] for e in result.evidence if e.category == category]


def test_a_veiled_threat_against_named_staff_is_urgent(pipeline: Pipeline) -> None:
    text = "I know where Mrs Carter parks. Just saying."
    result = pipeline.classify(text)
    assert "threat" in result.flags
    assert result.severity == "urgent"
    assert any("Mrs Carter parks" in s for s in _spans(text, result, "threat"))


def test_masked_abuse_is_flagged_and_the_evidence_points_at_the_masked_word(pipeline: Pipeline) -> None:
    text = "Mrs Carter is a f*cking useless c0w"
    result = pipeline.classify(text)
    assert "abuse" in result.flags
    assert result.severity in ("medium", "high", "urgent")
    spans = _spans(text, result, "abuse")
    assert spans and all(s and s in text for s in spans)


def test_an_entry_code_is_a_security_flag(pipeline: Pipeline) -> None:
    text = "FYI the door code at Hollybrook is 4471"
    result = pipeline.classify(text)
    assert "security" in result.flags
    assert "4471" in " ".join(_spans(text, result, "security"))


def test_urging_parents_to_go_to_ofsted_is_incitement(pipeline: Pipeline) -> None:
    result = pipeline.classify("Everyone email Ofsted about Hollybrook, let's get Mrs Carter sacked!")
    assert "incitement" in result.flags


def test_discussing_another_child_is_flagged(pipeline: Pipeline) -> None:
    result = pipeline.classify("The Wilson boy in Year 4 keeps biting other kids and Hollybrook does nothing")
    assert "individual_child" in result.flags


def test_a_photo_of_a_class_is_a_pupil_image_but_a_parents_photo_of_their_own_child_is_not(
    pipeline: Pipeline,
) -> None:
    many = pipeline.classify(
        "Year 3 class photo from Hollybrook, tag yourselves!", (MediaInfo("image", face_count=12),)
    )
    own = pipeline.classify("DD's first day at Hollybrook ❤️ so proud", (MediaInfo("image", face_count=1),))
    assert "pupil_image" in many.flags
    assert "pupil_image" not in own.flags


@pytest.mark.parametrize(
    "text",
    [
        "this is the Y8 who sold DS the vape, got it off his Instagram",
        "That's Kayla-Rose in the blue, making my daughter's life hell. Take a good look at her.",
        "whos the girl in the red hoodie at the back?? someone @ her",
    ],
)
def test_pointing_out_a_child_in_an_attachment_with_no_alt_text_is_a_pupil_image(
    pipeline: Pipeline, text: str
) -> None:
    # Platforms rarely give alt text or a face count: the post's words point at the child.
    assert "pupil_image" in pipeline.classify(text, (MediaInfo("image"),)).flags
    # The same words with nothing attached share no picture.
    assert "pupil_image" not in pipeline.classify(text).flags


def test_a_parent_showing_their_own_child_with_no_alt_text_is_not_a_pupil_image(pipeline: Pipeline) -> None:
    assert (
        "pupil_image" not in pipeline.classify("DD's first day ❤️ here she is!", (MediaInfo("image"),)).flags
    )


def test_civil_criticism_is_recognised_not_flagged(pipeline: Pipeline) -> None:
    result = pipeline.classify(
        "Really disappointed with how Hollybrook handled my complaint about the homework, not good enough"
    )
    assert not {"abuse", "defamation"} & set(result.flags)
    assert "criticism" in result.recognised


def test_harmless_swearing_and_praise_are_left_alone(pipeline: Pipeline) -> None:
    for text in (
        "this heat is killing me on the school run",
        "Massive thank you to Mrs Carter and everyone at Hollybrook for a brilliant year ❤️",
    ):
        assert pipeline.classify(text).flags == (), text


def test_severity_is_the_highest_among_flags(pipeline: Pipeline) -> None:
    result = pipeline.classify("Mrs Carter is a useless cow and I'm going to batter her at pick up")
    assert {"abuse", "threat"} <= set(result.flags)
    assert result.severity == "urgent"


def test_scores_cover_every_category_and_model_version_is_set(pipeline: Pipeline) -> None:
    result = pipeline.classify("Does anyone know when Hollybrook breaks up?")
    assert set(CATEGORIES) <= set(result.scores)
    assert all(0.0 <= v <= 1.0 for v in result.scores.values())
    assert result.model_version and result.severity == "none"


def test_classify_many_agrees_with_classify(pipeline: Pipeline) -> None:
    texts = ["I know where Mrs Carter parks", "lovely assembly today", "door code is 1234"]
    batch = pipeline.classify_many([(t, ()) for t in texts])
    assert [r.flags for r in batch] == [pipeline.classify(t).flags for t in texts]


@pytest.mark.parametrize(
    "text",
    [
        "Anyone else's kids at Hollybrook loving the reading scheme? My DD has read three books this week!",
        "Hollybrook's Ofsted report came out - 'requires improvement' for leadership. Fair, in my view.",
        "Proud of my son, he got star of the week at Hollybrook",
    ],
)
def test_a_parents_own_child_or_no_child_at_all_is_not_individual_child(
    pipeline: Pipeline, text: str
) -> None:
    # The policy: discussing an identifiable child, other than a parent's neutral mention of their own.
    assert "individual_child" not in pipeline.classify(text).flags


def test_a_named_or_described_other_child_is_still_individual_child(pipeline: Pipeline) -> None:
    for text in (
        "The Wilson boy in Year 4 at Hollybrook is a nightmare, bit my son again",
        "That kid Jayden in Mr Okafor's class has ADHD and his dad's in prison",
    ):
        assert "individual_child" in pipeline.classify(text).flags


@pytest.mark.parametrize(
    "text",
    [
        "Not being funny but you're dead Mrs Carter",
        "not being funny but I know what time Mrs Carter finishes and which route she drives",
    ],
)
def test_a_not_being_funny_opener_does_not_cancel_a_threat(pipeline: Pipeline, text: str) -> None:
    # The negation in a discourse opener does not reach past "but".
    assert "threat" in pipeline.classify(text).flags


def test_a_negation_reaches_only_to_the_end_of_its_clause(pipeline: Pipeline) -> None:
    (same,) = prepare(pipeline.annotator, [("they should not be hurt", ())])
    (past_but,) = prepare(pipeline.annotator, [("not being funny but you're dead", ())])
    assert Pipeline._negates(same, same.norm.text.index("not") + 3, same.norm.text.index("be hurt"))
    assert not Pipeline._negates(
        past_but, past_but.norm.text.index("not") + 3, past_but.norm.text.index("you")
    )


def test_group_names_never_reach_the_model(pipeline: Pipeline) -> None:
    # Public abuse data name groups mostly to attack them; the model must judge what is said.
    (prepared,) = prepare(pipeline.annotator, [("We are a Muslim family and proud of it", ())])
    assert "muslim" not in prepared.model_text
    assert "family and proud" in prepared.model_text
    # The rules still know a group was named.
    assert prepared.features[FEATURE_NAMES.index("identity")] == 1.0


@pytest.mark.parametrize(
    "text",
    [
        "fucking freezing at pick-up this morning",
        "holy shit, the Christmas fair raised £900",
        "Our new head is a Muslim woman and she's brilliant",
        "So proud of the Polish families who ran the summer fair",
        pytest.param(
            "Our new SENCo is a Muslim woman",
            marks=pytest.mark.xfail(strict=True, reason="missed by the session-4 model; see MODEL_CARD.md"),
        ),
    ],
)
def test_swearing_at_no_one_and_kind_words_about_a_group_are_not_abuse(pipeline: Pipeline, text: str) -> None:
    assert "abuse" not in pipeline.classify(text).flags


@pytest.mark.parametrize(
    "text",
    [
        "Mrs Carter is a fucking joke",
        "fuck you Mr Okafor",
        "Muslims are vermin",
        "I hate immigrants",
        "Muslims are disgusitng",
        "these Polish families are brilliant at ruining everything, absolute scum",
    ],
)
def test_swearing_at_someone_or_hostility_to_a_group_is_still_abuse(pipeline: Pipeline, text: str) -> None:
    assert "abuse" in pipeline.classify(text).flags


def test_a_parents_complaint_about_their_own_childs_class_or_teacher_is_not_individual_child(
    pipeline: Pipeline,
) -> None:
    for text in ("my daughter's class is too big", "DS's teacher is lovely but the homework is too much"):
        assert "individual_child" not in pipeline.classify(text).flags, text
    assert "individual_child" in pipeline.classify("DS's classmate Tyler has ADHD and hits everyone").flags


def test_calling_for_a_sacking_is_not_an_allegation_but_saying_it_happened_is(pipeline: Pipeline) -> None:
    assert "defamation" not in pipeline.classify("useless cow should be sacked").flags
    assert "defamation" in pipeline.classify("Mr Okafor was sacked from his last school for stealing").flags
    assert "defamation" in pipeline.classify("the head should be investigated for covering up bullying").flags


def test_evidence_shows_the_longest_of_overlapping_spans_once(pipeline: Pipeline) -> None:
    text = "Everyone sign the petition to get Mrs Carter sacked"
    result = pipeline.classify(text)
    found = [(e.start, e.end) for e in result.evidence if e.category == "incitement"]
    assert found, "flagged incitement, with evidence"
    assert len(found) == len(set(found))
    for a in found:
        assert not any(b != a and b[0] <= a[0] and a[1] <= b[1] for b in found), "a span inside another"


@pytest.mark.xfail(
    strict=True, reason="missed by the session-4 model trained on hand-written posts; see MODEL_CARD.md"
)
def test_a_familys_children_named_by_surname_are_identifiable_but_children_in_general_are_not(
    pipeline: Pipeline,
) -> None:
    for text in ("the Oduya children were sent home again", "those Thornton kids are excluded today"):
        assert "individual_child" in pipeline.classify(text).flags, text
    for text in ("the other kids were lovely at the nativity", "the Year 4 children have supply teachers"):
        assert "individual_child" not in pipeline.classify(text).flags, text


# Plain descriptions of people, some naming a group in passing, written for this test and not
# in the training corpus (classifiers/templates.py).  None breaches the code of conduct.
PLAIN_DESCRIPTIONS = [
    "Mr Patel is the new site manager at Hollybrook.",
    "They both teach in Year 5 this year.",
    "He is a foster carer and a school governor.",
    "Their dad is a firefighter, the kids love it.",
    "One of the reception teachers is a man this year, first time ever.",
    "Our lollipop lady is a Sikh grandmother, she knows every child's name.",
    "My neighbour works with a lot of nurses from Nigeria.",
    "They live with their grandparents near the park.",
    "Her sister is a midwife and his brother drives the school minibus.",
    "Two of the teaching assistants are Catholic nuns.",
    "The school cook is a Muslim and does halal options now.",  # flagged by the session-5 model
    # The model still flags these (abuse, once defamation): a group named in passing, and
    # common words, lean towards abuse after training on public tweets (MODEL_CARD.md).
    *(
        pytest.param(text, marks=pytest.mark.xfail(strict=True))
        for text in (
            "She's been a dinner lady there for twenty years.",
            "The new SENCo is a deaf woman and she signs in assembly.",
            "There are a lot of refugee families joining this term.",
            "The head is a gay man and married with two kids.",
        )
    ),
    # And this since the session-5 model (its abuse threshold fell from 0.54 to 0.47).
    pytest.param(
        "Most of the mums at the gate are from Poland or Romania.",
        marks=pytest.mark.xfail(strict=True, reason="session-5 model; MODEL_CARD.md"),
    ),
]


@pytest.mark.parametrize("text", PLAIN_DESCRIPTIONS)
def test_plain_descriptions_of_people_are_not_flagged(pipeline: Pipeline, text: str) -> None:
    assert pipeline.classify(text).flags == ()


@pytest.mark.parametrize(
    "text",
    [
        "No child deserves to be hurt like that.",
        "Nobody should ever hit a child.",
        "No one should be attacked on the way home from school.",
        "Nobody deserves to die like that, RIP",
        "Children should never be smacked, full stop.",
        "I would never hurt anyone, I just want answers from the school.",
    ],
)
def test_saying_a_harm_must_not_happen_is_not_a_threat(pipeline: Pipeline, text: str) -> None:
    flags = pipeline.classify(text).flags
    assert not {"threat", "abuse", "defamation"} & set(flags)


@pytest.mark.parametrize(
    "text",
    [
        "I won't hurt her. Yet.",
        "I'd never hit a woman but I'll make an exception for Mrs Carter",
        "No one would hurt you if you kept quiet",
    ],
)
def test_a_denial_with_a_condition_or_a_turn_is_still_a_threat(pipeline: Pipeline, text: str) -> None:
    assert "threat" in pipeline.classify(text).flags


@pytest.mark.parametrize(
    "text",
    [
        "Mrs Carter, fix this or I post everything on TikTok",
        "Sort it out Hollybrook or I'll put the emails online",
        pytest.param(
            "tell the gazette, Mr Okafor must be named",
            marks=pytest.mark.xfail(strict=True, reason="missed by the session-5 model; see MODEL_CARD.md"),
        ),
        "Share this with every Hollybrook parent you know, the head lied to us about the cuts",
    ],
)
def test_going_public_as_pressure_and_passing_on_a_grievance_are_incitement(
    pipeline: Pipeline, text: str
) -> None:
    assert "incitement" in pipeline.classify(text).flags


@pytest.mark.parametrize(
    "text",
    [
        "Spread the word, the summer fair at Hollybrook is on Saturday!",
        pytest.param(
            "Please share with every parent you know, Hollybrook is closed tomorrow because of the snow",
            marks=pytest.mark.xfail(strict=True, reason="missed by the session-4 model; see MODEL_CARD.md"),
        ),
        "Sign the petition to save the Hollybrook lollipop lady",
        "Hollybrook closed Thursday due to the teachers' strike",
    ],
)
def test_passing_on_news_or_goodwill_is_not_incitement(pipeline: Pipeline, text: str) -> None:
    assert "incitement" not in pipeline.classify(text).flags


def test_an_allegation_stated_as_fact_in_everyday_words_is_defamation(pipeline: Pipeline) -> None:
    for text in (
        "Mr Okafor turns up drunk to parents evening",
        "the Hollybrook bursar ran off with the PTA cash",
    ):
        assert "defamation" in pipeline.classify(text).flags, text
    for text in (
        "Mr Okafor ran off with the best teacher award again!",
        "DS got his little sister into bed by 7",
    ):
        assert "defamation" not in pipeline.classify(text).flags, text


@pytest.mark.xfail(
    strict=True, reason="missed by the session-4 model trained on hand-written posts; see MODEL_CARD.md"
)
def test_when_and_where_the_schools_children_go_off_site_is_a_security_disclosure(pipeline: Pipeline) -> None:
    for text in (
        "Hollybrook little ones go to the park every Thursday at 10 down the high street",
        "the little ones in Y3 play on the field by the road from 12 and no one's watching",
    ):
        assert "security" in pipeline.classify(text).flags, text
    # The poster's own routine, and a club's times, are not.
    for text in (
        "we go to football every thursday at 5, love it",
        "Choir practice every Wednesday at 12 in the hall",
    ):
        assert "security" not in pipeline.classify(text).flags, text


@pytest.mark.xfail(
    strict=True, reason="missed by the session-4 model trained on hand-written posts; see MODEL_CARD.md"
)
def test_counter_speech_must_quote_or_report_the_abuse_not_say_it_in_its_own_voice(
    pipeline: Pipeline,
) -> None:
    assert (
        "abuse"
        in pipeline.classify("It's so wrong that these slags at the Hollybrook gate get away with it").flags
    )
    for text in (
        "Calling the mums at the Hollybrook gate 'slags' is not okay",
        "Someone wrote 'the dinner ladies are scum' on the Hollybrook fence, so wrong",
    ):
        assert "abuse" not in pipeline.classify(text).flags, text


@pytest.mark.xfail(
    strict=True, reason="missed by the session-6 model (a fresh post, session 7); see MODEL_CARD.md"
)
def test_a_few_parents_going_to_deal_with_a_child_at_the_gates_is_a_threat_under_a_news_headline(
    pipeline: Pipeline,
) -> None:
    # Without the headline the same words score 0.44 for threat and are flagged; the headline's
    # "bullying row" takes them to 0.06.
    text = (
        "Comment on 'Marlstone primary bullying row' (Marlstone Gazette): If the head won't deal with"
        " Tyler Marsh in 5D then a few of us dads will deal with him AND his old man at the gates"
        " tomorrow 3.15. Kid's been a thug since reception and dad's no better. Who's coming?"
    )
    assert "threat" in pipeline.classify(text).flags
