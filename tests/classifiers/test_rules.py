"""The spaCy stage: the school profile's names, roles, year groups and references to children."""

from __future__ import annotations

from classifiers.normalise import normalise
from classifiers.rules import FEATURE_NAMES, LEXICON_LABELS, RuleAnnotator

from .conftest import HOLLYBROOK

ANNOTATOR = RuleAnnotator(HOLLYBROOK)
NO_MEDIA = (0.0, 0.0, 0.0, 0.0, 0.0)


def _hits(text: str) -> set[tuple[str, str]]:
    norm = normalise(text).text
    (result,) = ANNOTATOR.annotate([norm], [NO_MEDIA])
    return {(h.label, norm[h.start : h.end]) for h in result.hits}


def _features(text: str) -> set[str]:
    (result,) = ANNOTATOR.annotate([normalise(text).text], [NO_MEDIA])
    return {name for name, value in zip(FEATURE_NAMES, result.features, strict=True) if value}


def test_staff_are_found_by_full_name_alias_and_honorific_with_surname() -> None:
    hits = _hits("Denise Carter, Mrs Carter and Mr. Okafor and Miss Okafor")
    assert {("STAFF", "denise carter"), ("STAFF", "mrs carter"), ("STAFF", "mr. okafor")} <= hits
    assert ("STAFF", "miss okafor") in hits


def test_school_aliases_roles_and_year_groups_are_entities() -> None:
    hits = _hits("HPS: the head told Year 4 and Y6 at Hollybrook")
    assert {
        ("SCHOOL", "hps"),
        ("ROLE", "the head"),
        ("YEAR", "year 4"),
        ("YEAR", "y6"),
        ("SCHOOL", "hollybrook"),
    } <= hits


def test_references_to_other_children_are_told_apart_from_a_parents_own_child() -> None:
    assert "other_child" in _features("the Wilson boy keeps biting")
    assert "other_child" in _features("DS's classmate Tyler has ADHD")
    own = _features("my DS had a lovely day")
    assert "own_child" in own and "other_child" not in own


def test_threat_incitement_and_security_patterns_fire() -> None:
    assert "threat_veiled" in _features("I know where Mrs Carter parks")
    assert "incitement" in _features("everyone complain to ofsted")
    assert "security_code" in _features("the gate code is 4471")


def test_skipping_patterns_whose_words_are_absent_finds_what_one_full_matcher_finds() -> None:
    posts = [
        "I know where Mrs Carter parks, she will regret it. Everyone should complain to Ofsted!",
        "the gate code is 1234 and the door is always propped open at pickup",
        "the Wilson boy in Year 4 hit DS's classmate, photo attached",
        "they are not vermin and no one should be hurt",
        "Lovely assembly today, thank you to the teachers",
        "",
    ]
    norms = [normalise(p).text for p in posts]
    docs = list(ANNOTATOR.nlp.pipe(norms))
    gated = ANNOTATOR.annotate_docs(docs, [NO_MEDIA] * len(docs))
    vocab = ANNOTATOR.nlp.vocab
    for doc, result in zip(docs, gated, strict=True):
        full = {
            (vocab.strings[k], doc[s:e].start_char, doc[s:e].end_char) for k, s, e in ANNOTATOR.matcher(doc)
        }
        # Entities come from the EntityRuler and the big one-word lexicons from a look-up table.
        ents = {
            (h.label, h.start, h.end)
            for h in result.hits
            if h.label in {"SCHOOL", "STAFF", "ROLE", "YEAR", *LEXICON_LABELS}
        }
        assert {(h.label, h.start, h.end) for h in result.hits} - ents == full


def _labels(text: str) -> set[str]:
    return {label for label, _ in _hits(text)}


def test_threats_written_with_contractions_are_strong_threats() -> None:
    # spaCy splits "you're" and "I'm" into two tokens; the patterns must still see them.
    for text in ("you're dead Mr Okafor", "u r dead mate", "I'm gonna end Mrs Carter"):
        assert "THREAT_STRONG" in _labels(text), text


def test_veiled_threats_about_a_named_persons_movements_or_a_lesson() -> None:
    for text in (
        "I know what time Mrs Carter leaves and which way she walks",
        "gonna wait outside Hollybrook for Mr Okafor with some mates",
        "someone needs to teach Mrs Carter a lesson she won't forget",
        "she should sleep with one eye open",
    ):
        assert "THREAT_STRONG" in _labels(text), text
    # The same words about a building or a parent's own plans are not threats.
    assert "THREAT_STRONG" not in _labels("I know what time the school finishes on Fridays")
    assert "THREAT_STRONG" not in _labels("waiting outside school for my son")
    assert "THREAT_STRONG" not in _labels("I'm going to end the year on a high")


def test_calls_to_wipe_out_a_group_are_strong_threats() -> None:
    for text in ("let's just eradicate those immigrants", "execution is the only solution for those Muslims"):
        assert "THREAT_STRONG" in _labels(text), text


def test_hostility_towards_a_group_is_found_but_a_neutral_or_negated_mention_is_not() -> None:
    for text in (
        "I hate Muslims",
        "women are nothing but vermin",
        "why are gay people so stupid",
        "filthy immigrants everywhere",
        "trans people should not be allowed to teach",
    ):
        assert "GROUP_HATE" in _labels(text), text
    for text in ("I am a Muslim mum", "trans people are not vermin", "the girls in Year 6 are lovely"):
        assert "GROUP_HATE" not in _labels(text), text


def test_reporting_and_condemning_hate_is_counter_speech() -> None:
    assert "counter_speech" in _features("Saying that you hate black people shows how ignorant you are")
    assert "counter_speech" in _features("We must never condone attacks on refugees")
    # "Can I just say" is a way of speaking, not a report of someone else's words.
    assert "counter_speech" not in _features("can i just say the new lunch menu is wrong")


def test_warm_and_hostile_words_come_from_the_vader_lexicon() -> None:
    from classifiers.rules import PROFANITY, hostile_words, vader_valence, warm_words

    valence = vader_valence()
    assert len(valence) > 5000
    assert {"brilliant", "kind", "proud"} <= set(warm_words())
    assert {"hate", "disgusting"} <= set(hostile_words())
    # Plain swearing is judged on its own (PROFANITY), not as a hostile word.
    assert not set(PROFANITY) & set(hostile_words())
    assert "WARM_VERB" in _labels("the staff were brilliant")
    assert "HOSTILE" in _labels("what a disgusting thing to post")


def test_a_familys_children_by_surname_are_a_child_reference_but_groups_of_children_are_not() -> None:
    assert ("CHILD_FAMILY", "the oduya children") in _hits("the Oduya children were sent home again")
    assert "other_child" in _features("those Thornton kids are excluded")
    for text in ("the other kids", "the Year 4 children", "the Black kids", "the SN kids"):
        assert "CHILD_FAMILY" not in _labels(text), text


def test_respellings_of_slurs_are_insults() -> None:
    for word in ("nicca", "niggah", "wigger"):
        assert ("INSULT", word) in _hits(f"that {word} over there"), word


def test_a_harm_said_not_to_happen_is_a_protective_statement_within_its_clause() -> None:
    assert ("PROTECTIVE", "no child deserves to be hurt") in _hits("No child deserves to be hurt like that")
    assert ("PROTECTIVE", "should never be smacked") in _hits("Children should never be smacked")
    assert "PROTECTIVE" not in _labels("nobody said anything but I will hurt her")


def test_allegations_that_no_single_word_carries_are_found_and_everyday_phrases_are_not() -> None:
    for text, span in (
        ("the bursar ran off with the PTA cash", "ran off with the pta cash"),
        ("Dr Dunmore turns up stoned to teach", "turns up stoned"),
        ("Mrs Fenton got a sixth former into bed", "got a sixth former into bed"),
        (
            "they lost the safeguarding report about Miss Osei on purpose",
            "lost the safeguarding report about miss osei on purpose",
        ),
    ):
        assert ("ALLEGATION", span) in _hits(text), text
    for text in ("I ran off with the kids to the park", "DS got his little sister into bed by 7"):
        assert "ALLEGATION" not in _labels(text), text


def test_a_plan_that_ends_in_harm_to_a_person_is_a_strong_threat_and_idiom_is_not() -> None:
    def strong(text: str) -> bool:
        return any(label == "THREAT_STRONG" for label, _ in _hits(text))

    assert strong("I am going to come to Hollybrook Primary School tomorrow and hurt Mrs Carter")
    assert strong("im gonna go up there monday n batter the head")
    assert strong("Those teachers deserve a bullet")
    assert strong("Mr Okafor needs a good hiding")
    assert not strong("We're going to the match and then kill some time in town")
    assert not strong("I'll pop in tomorrow and thank Mrs Carter")
    assert not strong("Going to the fair and then killing it on the dodgems")
