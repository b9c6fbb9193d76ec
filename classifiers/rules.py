"""The spaCy stage: find the school, its staff, children, threats, incitement and security leaks in a post.

`RuleAnnotator` builds a blank English spaCy pipeline (or a named installed one) with an
EntityRuler made from the school profile and the general vocabulary of school life, plus
token Matcher patterns for threats, incitement, security disclosures, references to
children and to pictures.  For each post it returns `RuleHits`: the matched spans in the
*normalised* text and a fixed-length feature vector that the scikit-learn model uses.

It deliberately makes no decision: a match is evidence and a feature, never a flag.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

import numpy as np
import spacy
from spacy.attrs import ENT_IOB, ENT_TYPE, LOWER
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from classifiers.base import SchoolContext

# Pipeline components that are never needed here: disabling them keeps an installed model fast.
_UNUSED_COMPONENTS = ("parser", "lemmatizer", "textcat", "senter")

# Honorifics put in front of staff surnames ("Mrs Carter", "Mr. O'Neill").
HONORIFICS = ("mr", "mrs", "miss", "ms", "mx", "dr", "sir", "mr.", "mrs.", "ms.", "dr.")

ROLE_PHRASES = (
    "the head", "head teacher", "headteacher", "headmistress", "headmaster", "the deputy",
    "deputy head", "assistant head", "senco", "the senco", "class teacher", "teacher", "teachers",
    "ta", "teaching assistant", "dinner lady", "dinner ladies", "lunchtime supervisor", "caretaker",
    "office lady", "receptionist", "chair of governors", "governor", "governors", "pe teacher",
    "slt", "senior leadership", "dsl", "safeguarding lead", "exec head", "trust ceo",
)  # fmt: skip

# A general, bundled gazetteer of common UK first names (not tied to any school).
FIRST_NAMES = frozenset(
    [
        "oliver",
        "george",
        "harry",
        "noah",
        "jack",
        "leo",
        "arthur",
        "muhammad",
        "oscar",
        "charlie",
        "jacob",
        "thomas",
        "henry",
        "freddie",
        "alfie",
        "theo",
        "william",
        "theodore",
        "archie",
        "joshua",
        "alexander",
        "james",
        "isaac",
        "edward",
        "lucas",
        "tommy",
        "finley",
        "max",
        "logan",
        "ethan",
        "mohammed",
        "teddy",
        "benjamin",
        "arlo",
        "joseph",
        "sebastian",
        "harrison",
        "elijah",
        "adam",
        "daniel",
        "samuel",
        "louie",
        "mason",
        "reuben",
        "albert",
        "rory",
        "jude",
        "hugo",
        "ronnie",
        "toby",
        "dylan",
        "riley",
        "jaxon",
        "ezra",
        "hunter",
        "frankie",
        "olivia",
        "amelia",
        "isla",
        "ava",
        "mia",
        "ivy",
        "lily",
        "isabella",
        "rosie",
        "sophia",
        "grace",
        "willow",
        "freya",
        "florence",
        "emily",
        "ella",
        "poppy",
        "evie",
        "elsie",
        "charlotte",
        "evelyn",
        "sienna",
        "daisy",
        "phoebe",
        "sophie",
        "harper",
        "millie",
        "ruby",
        "alice",
        "matilda",
        "maya",
        "sofia",
        "emilia",
        "isabelle",
        "jessica",
        "esme",
        "eva",
        "bonnie",
        "layla",
        "lucy",
        "hallie",
        "aria",
        "chloe",
        "erin",
        "holly",
        "ellie",
        "lola",
        "nancy",
        "thea",
        "maisie",
        "kayden",
        "jayden",
        "tyler",
        "kai",
        "bailey",
        "connor",
        "liam",
        "callum",
        "kyle",
        "brandon",
        "reece",
        "kian",
        "jake",
        "declan",
        "bradley",
        "jordan",
        "courtney",
        "chantelle",
        "jade",
        "kayleigh",
        "shannon",
        "leah",
        "megan",
        "paige",
        "amber",
        "tia",
        "skye",
        "demi",
        "keira",
        "nevaeh",
        "jasmine",
        "aisha",
        "zara",
        "fatima",
        "amira",
        "hafsa",
        "yusuf",
        "ibrahim",
        "ayaan",
        "zayn",
        "aarav",
        "arjun",
        "priya",
        "anaya",
        "kacper",
        "zofia",
        "oskar",
        "maja",
        "lena",
        "milan",
        "nikola",
    ]
)

THREAT_VERBS = (
    "kill", "hurt", "stab", "batter", "smash", "beat", "punch", "slap", "burn", "torch", "shoot",
    "strangle", "knife", "glass", "deck", "lamp", "floor", "end", "finish", "destroy", "sort",
    "ruin", "bury", "break", "hang", "murder", "attack", "get", "find", "teach", "wreck", "bomb",
    "slaughter", "massacre", "exterminate", "execute", "behead", "torture", "rape", "harm", "butcher",
    "cut", "poison", "drown", "gas", "lynch", "eliminate", "eradicate", "annihilate", "wipe", "maim",
)  # fmt: skip
THREAT_PASSIVE = (
    "killed", "shot", "hanged", "hung", "stabbed", "beaten", "battered", "burned", "burnt",
    "hurt", "strangled", "murdered", "executed", "gassed", "lynched", "exterminated", "wiped",
    "eradicated", "punished", "attacked", "dealt", "sorted", "removed", "destroyed", "deported",
)  # fmt: skip
# Harms a protective statement rules out ("no child should be hit"), the modals and
# "deserve" that carry the negation, and the words that end its reach.
PROTECTED_HARMS = (
    "kill", "killed", "hurt", "harm", "harmed", "hit", "smack", "smacked", "attack", "attacked", "assaulted",
    "beat", "beaten", "punch", "punched", "slap", "slapped", "stab", "stabbed", "shoot", "shot", "die", "died",
    "suffer", "threaten", "threatened", "bully", "bullied", "abuse", "abused", "rape", "raped", "murder",
    "murdered", "torture", "tortured", "executed", "injured", "hated", "mistreated",
)  # fmt: skip
PROTECTIVE_MODALS = (
    "should", "must", "would", "will", "wo", "could", "can", "ca", "shall", "ought", "do", "does", "did",
    "deserve", "deserves", "'d", "d", "needs", "has", "have", "wants",
)  # fmt: skip
# Who a routine off site is about: the school's children, not the poster ("we go to football").
ROUTINE_SUBJECTS = (
    "kids", "children", "ones", "class", "classes", "pupils", "juniors", "infants", "reception", "nursery",
    "year", "y1", "y2", "y3", "y4", "y5", "y6", "they", "group", "team",
)  # fmt: skip
WEEKDAY_NAMES = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mondays", "tuesdays", "wednesdays", "thursdays", "fridays",
)  # fmt: skip
# Quoted stretches: double or curly quotes, or single quotes that open after a space or at
# the start (so the apostrophe of "don't" opens nothing).
QUOTED = re.compile(r"[\"“”][^\"“”]*[\"“”]|(?:^|(?<=[\s(:]))'[^']+'")
# "... or I post everything on TikTok": how and where a post threatens to go public.
GO_PUBLIC_VERBS = ("post", "put", "share", "publish", "leak", "upload", "plaster", "send", "splash", "take")
GO_PUBLIC_PLACES = (
    "online", "tiktok", "facebook", "fb", "instagram", "insta", "twitter", "internet", "socials", "social",
    "everywhere", "papers", "press", "mumsnet", "reddit", "youtube", "public", "news", "gazette",
)  # fmt: skip
PROTECTIVE_STOPS = ("but", "if", "unless", "until", "yet", "or", "else", "when", "cos", "because")
# Verbs of violence: with a person as object they are a threat whatever the context.
VIOLENT_VERBS = (
    "kill", "hurt", "stab", "batter", "punch", "slap", "torch", "shoot", "strangle", "murder", "attack",
    "bomb", "slaughter", "massacre", "exterminate", "execute", "behead", "torture", "rape", "harm",
    "butcher", "poison", "drown", "gas", "lynch", "maim", "knife", "glass", "deck", "lamp", "burn",
)  # fmt: skip
# Verbs and nouns of wiping out a group: aimed at people they are a threat whatever the tone.
ELIMINATION_VERBS = (
    "eradicate", "exterminate", "annihilate", "execute", "eliminate", "slaughter", "massacre", "gas", "lynch",
    "genocide", "purge", "cleanse", "hang", "shoot", "kill", "murder", "butcher", "behead", "burn", "torch",
)  # fmt: skip
ELIMINATION_NOUNS = (
    "execution", "executions", "extermination", "eradication", "genocide", "gas", "bullet", "bullets", "noose",
    "slaughter", "massacre", "death", "purge", "cleansing", "firing",
)  # fmt: skip
# A person's movements: knowing them is the veiled threat ("I know what time he leaves").
MOVEMENT_VERBS = (
    "leaves", "leave", "finishes", "finish", "walks", "walk", "drives", "drive", "parks", "park", "gets",
    "goes", "arrives", "lives", "locks", "cycles", "comes", "home",
)  # fmt: skip
PERSON_NOUNS = (
    "teacher", "teachers", "head", "headteacher", "kid", "kids", "child", "children", "boy", "boys", "girl",
    "girls", "man", "men", "woman", "women", "people", "staff", "parents", "parent", "mum", "dad", "family",
    "bitch", "bastard", "cow", "twat", "cunt", "prick", "lot", "person", "one", "ones", "next",
)  # fmt: skip
FUTURE_MARKERS = (
    "gonna", "will", "'ll", "ll", "going", "want", "wanna", "gunna", "shall", "gon", "gna", "'d", "would",
    "plan", "planning", "intend", "ready", "about", "wait", "let", "gotta", "must",
)  # fmt: skip
PHOTO_WORDS = (
    "photo", "photos", "pic", "pics", "picture", "pictures", "video", "videos", "vid", "vids",
    "clip", "footage", "filmed", "snap", "snapped", "screenshot", "selfie", "recorded", "camera",
    "👇", "📸", "🎥", "📷", "pictured",
)  # fmt: skip
# A child pointed out, and the words that follow: "this is the lad who", "the girl in the ...".
POINTED_CHILD_WORDS = ("kid", "girl", "boy", "lad", "lass", "child", "pupil", "student", "teenager")
POINTED_NEXT = ("who", "whos", "who's", "that", "from", "in", "at", "what", "which")
CHILD_NOUNS = (
    "boy", "girl", "kid", "child", "lad", "lass", "twins", "brat", "son",
    "daughter", "sprog", "toddler", "pupil", "student", "classmate",
)  # fmt: skip
# "The Oduya kids", "those Thornton children": a family's children are identifiable.  The word
# before the plural must be a name, not one of these ("the other kids", "the Year 4 children")
# nor a word naming a group ("the Black kids").
CHILD_PLURALS = ("kids", "children", "boys", "girls", "lads", "twins", "brats", "sprogs")
GENERIC_CHILD_MODIFIERS = (
    "other", "little", "older", "younger", "old", "young", "big", "bigger", "small", "smaller", "naughty", "poor",
    "same", "new", "whole", "year", "reception", "nursery", "school", "local", "primary", "secondary", "infant",
    "junior", "sixth", "form", "class", "two", "three", "four", "five", "six", "both", "all", "sen", "send", "many",
    "disabled", "autistic", "quiet", "loud", "good", "bad", "lovely", "cheeky", "poorly", "sick", "ill", "naughtiest",
    "oldest", "youngest", "eldest", "these", "those", "some", "most", "few", "more", "less", "other's",
    "boys", "girls", "my", "our", "your", "their", "his", "her", "its", "of", "and", "or", "rest", "remaining",
    "sn", "eal", "pp", "fsm", "gifted", "vulnerable", "posh", "rough",
)  # fmt: skip
OWN_CHILD_WORDS = ("ds", "dd", "ds1", "ds2", "dd1", "dd2", "dc", "dcs", "lo")

# The feature names, in the order of the vector returned in RuleHits.features.
FEATURE_NAMES: tuple[str, ...] = (
    "school", "staff", "role", "year_group", "first_name", "child_ref", "own_child",
    "other_child", "threat", "threat_veiled", "threat_group", "incitement", "ofsted",
    "security", "security_code", "photo_word", "second_person", "negation", "quote",
    "has_image", "has_video", "faces_unknown", "faces_one", "faces_many", "question",
    "allegation", "assertion", "opinion", "identity", "hate_verb", "warm_verb", "counter_speech",
    "insult", "directed_insult",
)  # fmt: skip

# A general lexicon of British and common English insults (not tied to the corpus).
INSULT_WORDS = (
    "idiot", "idiots", "moron", "morons", "cretin", "imbecile", "halfwit", "numpty", "muppet", "pillock", "plonker",
    "prat", "twat", "twats", "tosser", "wanker", "bellend", "knob", "knobhead", "dickhead", "prick", "cunt", "cow",
    "cows", "bitch", "bitches", "slag", "slags", "slut", "whore", "skank", "slapper", "hag", "hags", "witch", "pig",
    "pigs", "scum", "scumbag", "scumbags", "lowlife", "lowlifes", "parasite", "parasites", "vermin", "filth",
    "trash", "rat", "rats", "snake", "snakes", "loser", "losers", "clown", "clowns", "joke", "disgrace",
    "embarrassment", "useless", "pathetic", "thick", "stupid", "dumb", "gormless", "brainless", "braindead",
    "incompetent", "clueless", "spineless", "vile", "disgusting", "rancid", "nasty", "ugly", "fat", "lazy",
    "arsehole", "asshole", "bastard", "git", "gobshite", "weapon", "melt", "jobsworth", "cockroach", "cockroaches",
    "animals", "subhuman", "retard", "retarded", "spastic", "mong", "freak", "psycho", "nutter", "troll", "dog",
    "junkie", "crackhead", "dosser", "tramp", "chav", "pikey", "worthless", "abomination", "waste",
)  # fmt: skip

# Slurs: abuse wherever they are aimed.  Counted as insults.
SLURS = (
    "faggot", "faggots", "fag", "fags", "nigger", "niggers", "nigga", "niggas", "tranny", "trannies", "dyke",
    "dykes", "paki", "pakis", "kike", "kikes", "spic", "spics", "chink", "chinks", "wetback", "wetbacks",
    "raghead", "ragheads", "towelhead", "towelheads", "gyppo", "gyppos", "pikey", "pikeys", "coon", "coons",
    "sambo", "wog", "wogs", "golliwog", "poof", "poofs", "poofter", "queer", "queers", "shemale", "hoe", "hoes",
    "thot", "cripple", "cripples", "mongs", "spaz", "spazzes", "rapefugee", "rapefugees", "muzzie", "muzzies",
    "hos", "pussy", "pussies",
    # Spellings of the same slurs, as counted in Davidson's training rows (never its evaluation rows).
    "niggah", "niggahs", "nigguh", "nigguhs", "nicca", "niccas", "niggaz", "nig", "nigs", "niga", "nigglet",
    "niglet", "niglets", "wigga", "wiggas", "wigger", "wiggers", "faget",
)  # fmt: skip
# Swearing: on its own, without anyone to aim at, it is not abuse ("fucking freezing at pick-up").
PROFANITY = (
    "fuck", "fucking", "fucked", "fucker", "fuckers", "fuckin", "shit", "shite", "shitty", "crap", "crappy",
    "damn", "bloody", "bollocks", "piss", "pissed", "pissing", "arse", "ass", "dumbass", "badass", "hell",
    "motherfucker", "motherfucking", "bullshit", "wtf", "ffs", "fml", "bastard", "cock", "dick", "tits",
)  # fmt: skip

ALLEGATION_WORDS = (
    "stealing", "stole", "steals", "stolen", "nicked", "nicking", "nicks", "fraud", "fraudster", "embezzled",
    "embezzling", "embezzles", "fiddled", "fiddles", "fiddling", "forged", "forges", "faked", "fakes",
    "falsified", "falsifying", "affair", "arrested", "convicted", "criminal", "sacked", "struck", "drunk",
    "cocaine", "dealing", "dealer", "bribes", "bribed", "backhanders", "pockets", "pocketed", "pocketing",
    "lied", "lies", "covered", "covers", "covering", "hushed", "assaulted", "abuses", "abused", "abuser", "investigation",
    "investigated", "perjury", "shoplifter", "thief", "thieves", "rigged", "doctored", "cheated", "cheats",
    "shagging", "sleeping", "paedo", "paedophile", "nonce", "groomer", "grooming", "alcoholic", "smacked",
    "hits", "racist", "off-rolls", "predator", "offender", "record", "fired", "disappeared",
)  # fmt: skip
IDENTITY_WORDS = (
    "women", "woman", "muslims", "muslim", "islam", "gay", "gays", "lesbian", "lesbians", "trans", "transgender",
    "black", "blacks", "disabled", "jews", "jew", "jewish", "immigrants", "immigrant", "refugees", "refugee",
    "foreigners", "asians", "asian", "travellers", "gypsies", "polish", "romanians", "pakistanis", "africans",
    "hindus", "catholics", "homosexuals", "queers", "migrants", "girls", "females", "blacks",
)  # fmt: skip
# Insult nouns that are abuse whenever they are said of a person or a group ("X are vermin").
# Adjectives such as "useless" or "lazy" are left out: parents use them in fair criticism.
STRONG_INSULTS = (
    "idiot", "idiots", "moron", "morons", "cretin", "imbecile", "twat", "twats", "tosser", "wanker", "bellend",
    "knobhead", "dickhead", "prick", "cunt", "cunts", "cow", "cows", "bitch", "bitches", "slag", "slags", "slut",
    "whore", "skank", "slapper", "hag", "pig", "pigs", "scum", "scumbag", "scumbags", "lowlife", "parasite",
    "parasites", "vermin", "filth", "filthy", "trash", "rat", "rats", "cockroach", "cockroaches", "animals",
    "subhuman", "retard", "retards", "retarded", "arsehole", "asshole", "bastard", "bastards", "nonce", "paedo",
    "disgusting", "vile", "worthless", "abomination", "plague", "disease", "cancer", "savages", "monkeys", "apes",
)  # fmt: skip

# Counter-speech and reporting words: a post that quotes hate in order to condemn it.
# ("ok", "wrong", "stop" and "stand" are everyday words: they count only in the phrases of
# COUNTER_PHRASES below.)
COUNTER_WORDS = (
    "report", "reported", "reporting", "unacceptable", "condemn", "challenge", "challenged", "blocked",
    "disgusting", "shocking", "hateful", "bigot", "bigoted", "racist", "racism",
    "bigots", "bigotry", "prejudice", "prejudiced", "sexist", "sexism", "homophobic", "homophobia", "transphobic",
    "transphobia", "xenophobic", "islamophobic", "antisemitic", "ableist", "dehumanising", "dehumanizing",
    "hatred", "contempt", "misguided", "ignorant", "tolerate", "condone", "appalling", "ashamed", "shame",
    "shameful", "jail", "prison", "offensive", "horrible", "awful", "terrible", "hurtful", "upsetting",
    "consequences",
)  # fmt: skip
COUNTER_PHRASES = (
    ("not", "ok"), ("not", "okay"), ("n't", "ok"), ("n't", "okay"), ("not", "acceptable"), ("n't", "acceptable"),
    ("is", "wrong"), ("'s", "wrong"), ("so", "wrong"), ("just", "wrong"), ("wrong", "to"), ("stand", "against"),
    ("stand", "up", "to"), ("call", "out"), ("called", "out"), ("calling", "out"),
)  # fmt: skip
# Words that report or refer to speech: with a condemning word they mark counter-speech
# even without quotation marks ("saying that you hate X shows how ignorant you are").
# ("Can I just say" is a way of speaking, not a report of speech, so the bare "say" is left out.)
SPEECH_WORDS = (
    "says", "saying", "said", "writes", "writing", "wrote", "posts", "posting", "comments", "tweets",
    "tweeted", "statements", "telling", "calling", "threatening", "spreading",
)  # fmt: skip
# Protective stances towards a group ("we must never condone the killing of ..."): the harm is
# what the writer opposes.
PROTECT_PHRASES = (
    ("never", "tolerate"), ("not", "tolerate"), ("never", "condone"), ("not", "condone"), ("not", "stand", "by"),
    ("stand", "up", "for"), ("stand", "with"), ("protect",), ("defend",), ("speak", "out"), ("must", "stop"),
    ("has", "to", "stop"), ("have", "to", "stop"), ("needs", "to", "stop"), ("need", "to", "stop"),
)  # fmt: skip
# Negative attributes said of a whole group of people: hate whatever the tone.  (Said of one
# member of staff, many of these are fair criticism and are left to the model.)
GROUP_DEROGATION = (
    "inferior", "dirty", "filthy", "evil", "dangerous", "criminals", "thieves", "rapists", "terrorists", "savage",
    "savages", "primitive", "backward", "repulsive", "revolting", "disgusting", "despicable", "pathetic",
    "worthless", "useless", "lazy", "stupid", "thick", "dumb", "ugly", "gross", "sick", "perverts", "perverted",
    "freaks", "burden", "plague", "cancer", "disease", "virus", "parasites", "leeches", "scroungers", "filth",
    "garbage", "rubbish", "trash", "waste", "pests", "insects", "cockroaches", "rats", "vermin", "animals", "apes",
    "monkeys", "pigs", "dogs", "subhuman", "liars", "cheats", "greedy", "violent", "barbaric", "disgrace",
    "abomination", "unnatural", "degenerate", "degenerates", "scum", "vile", "nasty", "hideous", "idiots",
    "morons", "retards", "retarded", "mental", "psychos", "brainless", "lowlifes", "losers", "assholes",
    "arseholes", "bastards", "cunts", "twats", "whores", "sluts", "bitches", "hoes", "ungrateful", "stinking",
    "stink", "smelly", "horrible", "terrible", "awful", "weak", "idiotic", "incompetent", "braindead",
)  # fmt: skip
GROUP_NOUN_TAILS = ("people", "person", "folk", "folks", "men", "women", "kids", "families", "parents", "lot")
WARM_WORDS = (
    "love",
    "loves",
    "adore",
    "welcome",
    "respect",
    "admire",
    "proud",
    "celebrate",
    "celebrating",
    "support",
    "valued",
    "great",
    "wonderful",
    "brilliant",
    "lovely",
    "kind",
)
HATE_VERB_WORDS = ("hate", "hates", "despise", "despises", "loathe", "loathes", "detest", "detests", "abhor")


# Sentiment from VADER's published, human-rated lexicon (vaderSentiment package; valence -4..+4).
# Warm words let a kind post about a group stand; hostile words keep a post from being excused.
WARM_VALENCE = 2.0
HOSTILE_VALENCE = -1.5


@functools.cache
def vader_valence() -> dict[str, float]:
    """Word -> mean valence from the lexicon file shipped in the vaderSentiment package."""
    text = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text(encoding="utf-8")
    valence: dict[str, float] = {}
    for line in text.splitlines():
        word, _, rest = line.partition("\t")
        if word.isalpha():
            valence[word.lower()] = float(rest.split("\t", 1)[0])
    return valence


def warm_words() -> list[str]:
    return sorted(w for w, v in vader_valence().items() if v >= WARM_VALENCE)


def hostile_words() -> list[str]:
    """Strongly negative words, less plain swearing (judged on its own: PROFANITY)."""
    return sorted(w for w, v in vader_valence().items() if v <= HOSTILE_VALENCE and w not in PROFANITY)


# One-word lexicons: looked up per token, which costs far less than a Matcher pattern each.
NEGATION_WORDS = ("not", "no", "never", "don't", "dont", "nobody", "isn't", "n't", "shouldn't", "wouldn't")
SECOND_PERSON_WORDS = ("you", "your", "u", "ur", "ya", "you're", "youre")
OFSTED_WORDS = ("ofsted", "ofstead", "offsted", "lado", "dfe", "council", "mp")


# Label -> the words that are a hit for it on their own.
WORD_LEXICONS: dict[str, tuple[str, ...]] = {
    "ALLEGATION": ALLEGATION_WORDS,
    "INSULT": (*INSULT_WORDS, *SLURS),
    "PROFANITY": PROFANITY,
    "IDENTITY": IDENTITY_WORDS,
    "SPEECH": SPEECH_WORDS,
    "PHOTO": PHOTO_WORDS,
    "SECOND_PERSON": SECOND_PERSON_WORDS,
    "NEGATION": NEGATION_WORDS,
    "OFSTED": OFSTED_WORDS,
}
# Lexicons drawn from VADER, read only when an annotator is built.
SENTIMENT_LABELS = ("WARM_VERB", "HOSTILE")


def lexicons() -> dict[str, frozenset[str]]:
    """Label -> the words that are a hit for it on their own, VADER's included."""
    return {
        **{label: frozenset(words) for label, words in WORD_LEXICONS.items()},
        "WARM_VERB": frozenset((*WARM_WORDS, *warm_words())),
        "HOSTILE": frozenset(hostile_words()),
    }


# Labels found by `RuleAnnotator._lexicon_hits` rather than by the Matcher.
LEXICON_LABELS = frozenset({*WORD_LEXICONS, *SENTIMENT_LABELS, "NAMED_PERSON"})


@dataclasses.dataclass(frozen=True, slots=True)
class RuleHit:
    label: str
    start: int  # character offsets into the normalised text
    end: int
    why: str


@dataclasses.dataclass(frozen=True, slots=True)
class RuleHits:
    hits: tuple[RuleHit, ...]
    features: tuple[float, ...]


def _lower(words: Iterable[str]) -> list[dict[str, Any]]:
    return [{"LOWER": w} for w in words]


def _staff_patterns(school: SchoolContext | None) -> list[dict[str, Any]]:
    patterns: list[dict[str, Any]] = []
    if school is None:
        return patterns
    for staff in school.staff:
        names = {staff.name.lower(), *(a.lower() for a in staff.aliases)}
        parts = staff.name.split()
        if len(parts) >= 2:
            surname = parts[-1].lower()
            names.update(f"{h} {surname}" for h in HONORIFICS)
        for name in names:
            if name.strip():
                patterns.append({"label": "STAFF", "pattern": name})
    return patterns


def _school_patterns(school: SchoolContext | None) -> list[dict[str, Any]]:
    if school is None:
        return []
    names = {school.name.lower(), *(a.lower() for a in school.aliases)}
    return [{"label": "SCHOOL", "pattern": n} for n in names if n.strip()]


def _required_words(pattern: Sequence[dict[str, Any]]) -> list[frozenset[str]]:
    """For each token `pattern` cannot skip, the lower-case words it may be; a match needs one of each.

    Only `LOWER` (or `ORTH`/`TEXT`) constraints count; shapes, NOT_IN, wildcards and
    optional tokens give nothing, so a pattern made only of those always runs.
    """
    required: list[frozenset[str]] = []
    for token in pattern:
        if token.get("OP", "1") not in ("1", "+"):
            continue
        for attr in ("LOWER", "ORTH", "TEXT"):
            value = token.get(attr)
            if isinstance(value, str):
                required.append(frozenset({value.lower()}))
            elif isinstance(value, dict) and set(value) == {"IN"}:
                required.append(frozenset(str(w).lower() for w in value["IN"]))
    return sorted(set(required), key=len)


# For each rule label: its own Matcher, and for each of its patterns the word-hash sets that
# must all be present in a post for that pattern to match.
# The first set is the union of every pattern's rarest required words: one set test
# turns most posts away before the per-pattern checks.
GatedMatcher = tuple[Matcher, frozenset[int] | None, list[list[frozenset[int]]]]


def _gated_matchers(vocab: Vocab, labels: Sequence[str], full: Matcher) -> list[GatedMatcher]:
    """One Matcher per rule label, run only on posts that contain the words one of its patterns needs.

    spaCy's Matcher tries every pattern at every token, which made it most of the cost of
    judgement, yet most posts hold the required words of very few patterns.  Each label
    keeps its own match order, so hits and evidence are the same as one big Matcher's.
    """
    gated: list[GatedMatcher] = []
    for label in labels:
        _, patterns = full.get(label)
        matcher = Matcher(vocab)
        matcher.add(label, patterns)
        gates = [
            [frozenset(vocab.strings.add(w) for w in words) for words in _required_words(p)] for p in patterns
        ]
        first = None if any(not g for g in gates) else frozenset().union(*(g[0] for g in gates))
        gated.append((matcher, first, gates))
    return gated


_IOB_BEGIN = 3  # spaCy's ENT_IOB codes: 3 begins an entity, 1 continues one
_IOB_INSIDE = 1
_HIT_ENTITIES = frozenset({"SCHOOL", "STAFF", "ROLE", "YEAR"})


class _LabelledMatcher:
    """Adds patterns to a Matcher and remembers each label (spaCy keeps only their hashes)."""

    def __init__(self, matcher: Matcher, labels: list[str]) -> None:
        self.matcher = matcher
        self.labels = labels

    def add(self, label: str, patterns: list[list[dict[str, Any]]]) -> None:
        if label not in self.labels:
            self.labels.append(label)
        self.matcher.add(label, patterns)


def _may_match(gates: list[list[frozenset[int]]], present: set[int]) -> bool:
    return any(all(not words.isdisjoint(present) for words in gate) for gate in gates)


class RuleAnnotator:
    """Runs spaCy over normalised post text and returns rule hits plus a feature vector."""

    def __init__(self, school: SchoolContext | None = None, spacy_model: str | None = None) -> None:
        self.nlp = self._load(spacy_model)
        ruler = self.nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
        patterns: list[dict[str, Any]] = []
        patterns += _school_patterns(school)
        patterns += _staff_patterns(school)
        patterns += [{"label": "ROLE", "pattern": p} for p in ROLE_PHRASES]
        years = [f"year {n}" for n in range(1, 14)] + [f"yr {n}" for n in range(1, 14)]
        years += [f"y{n}" for n in range(1, 14)] + [f"yr{n}" for n in range(1, 14)]
        years += ["reception", "nursery", "sixth form", "ks1", "ks2"]
        patterns += [{"label": "YEAR", "pattern": y} for y in years]
        patterns += [{"label": "FIRST_NAME", "pattern": n} for n in sorted(FIRST_NAMES)]
        ruler.add_patterns(patterns)  # type: ignore[attr-defined]
        self.matcher = Matcher(self.nlp.vocab)
        self._labels: list[str] = []
        self._add_matcher_patterns()
        self._gated = _gated_matchers(self.nlp.vocab, self._labels, self.matcher)
        # One-word lexicons with thousands of entries: a dictionary look-up per token is
        # much cheaper than a Matcher pattern.
        lexicon_of: dict[int, list[str]] = {}
        for label, words in lexicons().items():
            for word in words:
                lexicon_of.setdefault(self.nlp.vocab.strings.add(word), []).append(label)
        self._lexicon_of = {key: tuple(labels) for key, labels in lexicon_of.items()}
        self._honorifics = frozenset(self.nlp.vocab.strings.add(h) for h in HONORIFICS)
        self._group_words = frozenset(
            self.nlp.vocab.strings.add(w) for w in ("all", "every", "those", "these")
        )

    @staticmethod
    def _load(spacy_model: str | None) -> Language:
        if spacy_model:
            nlp = spacy.load(spacy_model, exclude=list(_UNUSED_COMPONENTS))
            for name in ("ner", "entity_ruler"):
                if name in nlp.pipe_names:
                    nlp.remove_pipe(name)
            return nlp
        return spacy.blank("en")

    def _add_matcher_patterns(self) -> None:
        m = _LabelledMatcher(self.matcher, self._labels)
        person = {"LOWER": {"IN": ["him", "her", "them", "you", "u", "ya", "it", "he", "she", "they"]}}
        fut = {"LOWER": {"IN": list(FUTURE_MARKERS)}}
        verb = {"LOWER": {"IN": list(THREAT_VERBS)}}
        m.add(
            "THREAT",
            [
                [fut, {"LOWER": "to", "OP": "?"}, {"OP": "?"}, verb],
                [{"LOWER": {"IN": ["i", "i'm", "im", "we", "we're"]}}, {"LOWER": {"IN": ["'m", "m", "'re", "re", "are", "am"]}, "OP": "?"}, fut, {"OP": "?"}, verb],
                [verb, person, {"LOWER": {"IN": ["up", "in", "down", "off", "over"]}, "OP": "?"}],
                [{"LOWER": {"IN": ["watch", "mind"]}}, {"LOWER": {"IN": ["your", "his", "her", "their", "ur"]}}, {"LOWER": {"IN": ["back", "backs", "step"]}}],
                [{"LOWER": {"IN": ["deserve", "deserves"]}}, {"LOWER": "to", "OP": "?"}, {"LOWER": {"IN": ["die", "be", "get"]}}],
                [{"LOWER": {"IN": ["should", "must", "need", "needs", "ought"]}}, {"LOWER": {"IN": ["to", "all"]}, "OP": "*"}, {"LOWER": {"IN": ["be", "get"]}}, {"LOWER": {"IN": list(THREAT_PASSIVE)}}],
                [{"LOWER": {"IN": ["kill", "shoot", "hang", "gas", "stab", "burn", "exterminate"]}}, {"LOWER": {"IN": ["all", "every", "them", "the", "those", "these"]}}],
                [{"LOWER": {"IN": ["death", "die", "dead"]}}, {"LOWER": "to", "OP": "?"}, {"LOWER": {"IN": ["all", "every", "them"]}}],
            ],
        )  # fmt: skip
        target = {
            "LOWER": {
                "IN": [
                    "him",
                    "her",
                    "them",
                    "you",
                    "u",
                    "ya",
                    "all",
                    "every",
                    "each",
                    "any",
                    "those",
                    "these",
                    "that",
                    "some",
                    "people",
                    "everyone",
                    "everybody",
                    *IDENTITY_WORDS,
                ]
            }
        }
        strong_verb = {"LOWER": {"IN": list(VIOLENT_VERBS)}}
        determiner = {
            "LOWER": {
                "IN": [
                    "the",
                    "a",
                    "an",
                    "some",
                    "those",
                    "these",
                    "that",
                    "this",
                    "your",
                    "his",
                    "her",
                    "their",
                ]
            }
        }
        person_noun = {"LOWER": {"IN": [*PERSON_NOUNS, *IDENTITY_WORDS]}}
        # Strong threats: a harm verb aimed at a person or a group.  The pipeline treats
        # these as enough to flag `threat` on their own (recall first), unless negated or quoted.
        m.add(
            "THREAT_STRONG",
            [
                [fut, {"OP": "?"}, {"LOWER": "to", "OP": "?"}, {"OP": "?"}, strong_verb, target],
                [{"LOWER": {"IN": ["gonna", "going", "will", "'ll", "gunna", "gna"]}}, {"LOWER": "to", "OP": "?"}, {"LOWER": "get"}, {"LOWER": {"IN": ["a", "his", "her", "their"]}, "OP": "?"}, {"LOWER": {"IN": ["hurt", "battered", "slapped", "smacked", "stabbed", "shot", "killed", "slap", "smack", "kicking", "beating", "hiding", "battering", "knocked", "decked", "floored", "done", "glassed", "head"]}}],
                [{"LOWER": {"IN": [*FUTURE_MARKERS, "lets", "let's", "should"]}}, {"OP": "?"}, strong_verb, determiner, {"OP": "?"}, {"OP": "?"}, {"LOWER": {"IN": ["house", "houses", "car", "cars", "shop", "shops", "mosque", "mosques", "church", "synagogue", "school", "home", "homes", "place"]}}],
                [fut, {"OP": "?"}, {"LOWER": "to", "OP": "?"}, {"OP": "?"}, strong_verb, determiner, {"OP": "?"}, person_noun],
                [{"LOWER": {"IN": ["should", "must", "need", "needs", "deserve", "deserves", "ought", "will"]}}, {"LOWER": {"IN": ["to", "all", "just", "all"]}, "OP": "*"}, {"LOWER": {"IN": ["die", "burn", "suffer", "hang"]}}],
                [verb, {"LOWER": {"IN": ["all", "every", "each"]}}],
                [{"LOWER": {"IN": ["should", "must", "need", "needs", "ought", "deserve", "deserves"]}}, {"LOWER": {"IN": ["to", "all", "just"]}, "OP": "*"}, {"LOWER": {"IN": ["be", "get"]}}, {"LOWER": {"IN": list(THREAT_PASSIVE)}}],
                [{"LOWER": {"IN": ["deserve", "deserves"]}}, {"LOWER": "to"}, {"LOWER": {"IN": ["die", "suffer", "burn", "hang"]}}],
                [{"LOWER": "death"}, {"LOWER": "to"}],
                [{"LOWER": {"IN": ["know", "found"]}}, {"LOWER": "where"}, {"OP": "?"}, {"OP": "?"}, {"OP": "?"}, {"LOWER": {"IN": ["lives", "live", "parks", "park", "sleeps"]}}],
                [{"LOWER": {"IN": ["ur", "you're", "youre"]}}, {"LOWER": "dead"}],
                # spaCy splits contractions: "you're" is two tokens, "you" and "'re".
                [{"LOWER": {"IN": ["you", "u"]}}, {"LOWER": {"IN": ["are", "'re", "re", "r"]}}, {"LOWER": {"IN": ["dead", "finished"]}}],
                [{"LOWER": {"IN": ["u're", "ure", "youre", "you're", "ur"]}}, {"LOWER": {"IN": ["dead", "finished"]}}],
                [{"LOWER": {"IN": ["ur", "you're", "youre"]}}, {"LOWER": "finished"}],
                # Calls to wipe out a group, or its "solution".
                [{"LOWER": {"IN": list(ELIMINATION_VERBS)}}, {"LOWER": {"IN": ["all", "every", "those", "these", "the", "them", "their"]}, "OP": "?"}, {"OP": "?"}, {"LOWER": {"IN": [*PERSON_NOUNS, *IDENTITY_WORDS]}}],
                [{"LOWER": {"IN": list(ELIMINATION_VERBS)}}, {"LOWER": {"IN": ["them", "'em", "em", "him", "her", "you"]}}],
                [{"LOWER": {"IN": list(ELIMINATION_NOUNS)}}, {"OP": "{,6}"}, {"LOWER": {"IN": ["for", "of", "to"]}}, {"OP": "{,2}"}, {"LOWER": {"IN": list(IDENTITY_WORDS)}}],
                [{"LOWER": {"IN": ["cut", "slit", "slash", "smash", "break", "snap"]}}, {"LOWER": {"IN": ["your", "his", "her", "their", "ur", "its", "them"]}}, {"OP": "?"}, {"LOWER": {"IN": ["throat", "throats", "neck", "necks", "legs", "face", "faces", "head", "heads", "tyres", "tires", "windows"]}}],
                # Veiled threats that need no context: "teach her a lesson", "sleep with one eye open".
                [{"LOWER": {"IN": ["teach", "teaches", "show", "learn"]}}, {"OP": "{1,3}"}, {"LOWER": {"IN": ["a", "some"]}, "OP": "?"}, {"LOWER": {"IN": ["lesson", "lessons"]}}, {"OP": "{,2}"}, {"LOWER": {"IN": ["wo", "won't", "will", "'ll", "never"]}}, {"OP": "{,2}"}, {"LOWER": "forget"}],
                [{"LOWER": "sleep"}, {"LOWER": "with"}, {"LOWER": "one"}, {"LOWER": "eye"}, {"LOWER": "open"}],
            ],
        )  # fmt: skip
        person_targets: tuple[list[dict[str, Any]], ...] = (
            [{"LOWER": {"IN": list(HONORIFICS)}}, {"IS_ALPHA": True}],
            [{"ENT_TYPE": {"IN": ["STAFF", "ROLE"]}, "OP": "+"}],
        )
        pronoun_target: list[dict[str, Any]] = [{"LOWER": {"IN": ["he", "she", "they", "you", "u"]}}]
        m.add(
            "THREAT_STRONG",
            [
                # Knowing a person's movements: "I know what time Mrs Y leaves".
                [{"LOWER": {"IN": ["know", "knows", "found", "clocked", "learnt", "learned"]}}, {"LOWER": {"IN": ["what", "which", "when"]}}, {"LOWER": {"IN": ["time", "way", "route", "road", "door", "car"]}, "OP": "?"}, *t, {"LOWER": {"IN": ["usually", "normally", "always"]}, "OP": "?"}, {"LOWER": {"IN": list(MOVEMENT_VERBS)}}]
                for t in person_targets
            ]
            + [
                [{"LOWER": {"IN": ["know", "knows", "clocked"]}}, {"LOWER": {"IN": ["what", "which"]}}, {"LOWER": {"IN": ["time", "way", "route", "road"]}}, *pronoun_target, {"LOWER": {"IN": list(MOVEMENT_VERBS)}}]
            ]
            # Lying in wait for a named member of staff ("gonna wait outside X for Mrs Y").
            + [
                [{"LOWER": {"IN": ["wait", "waiting", "waitin"]}}, {"LOWER": {"IN": ["outside", "by", "at", "round", "near"]}}, {"OP": "{,5}"}, {"LOWER": "for"}, *t]
                for t in person_targets
            ]
            # A plan with the harm at its end: "going to come up there tomorrow and hurt Mrs Y".
            + [
                [fut, {"LOWER": "to", "OP": "?"}, {"OP": "{1,8}"}, {"LOWER": {"IN": ["and", "n", "&", "then"]}}, strong_verb, *t]
                for t in (*person_targets, [determiner, person_noun])
            ]
            # "X deserves a bullet", "needs a good slap" (the training writers label these threats).
            + [
                [{"LOWER": {"IN": ["deserve", "deserves", "need", "needs"]}}, {"LOWER": {"IN": ["a", "the", "some"]}}, {"LOWER": "good", "OP": "?"}, {"LOWER": {"IN": ["bullet", "bullets", "beating", "kicking", "stabbing", "hiding", "battering", "slap", "smack", "punch", "kneecapping"]}}]
            ]
            # "I'm going to end / sort out Mr X".
            + [
                [{"LOWER": {"IN": [*FUTURE_MARKERS, "'m", "m"]}}, {"LOWER": {"IN": ["to", "na"]}, "OP": "?"}, {"LOWER": {"IN": ["end", "finish", "sort", "do", "deal"]}}, {"LOWER": {"IN": ["out", "in", "with"]}, "OP": "?"}, *t]
                for t in person_targets
            ],
        )  # fmt: skip
        m.add(
            "THREAT_VEILED",
            [
                [{"LOWER": {"IN": ["know", "found", "seen"]}}, {"LOWER": "where"}, {"OP": "?"}, {"OP": "?"}, {"OP": "?"}, {"LOWER": {"IN": ["lives", "live", "parks", "park", "drinks", "works", "sleeps", "kids", "walks"]}}],
                [{"LOWER": {"IN": ["regret", "regrets"]}}, {"LOWER": {"IN": ["it", "this", "that"]}, "OP": "?"}],
                [{"LOWER": "wait"}, {"LOWER": "and"}, {"LOWER": "see"}],
                [{"LOWER": {"IN": ["waiting", "wait"]}}, {"LOWER": "for"}, person],
                [{"LOWER": "be"}, {"LOWER": "careful"}],
                [{"LOWER": "what"}, {"LOWER": "hit"}],
                [{"LOWER": {"IN": ["accident", "accidents"]}}, {"LOWER": {"IN": ["happen", "happens"]}}],
                [{"LOWER": "pay"}, {"LOWER": "for"}],
                [{"LOWER": "see"}, {"LOWER": {"IN": ["you", "u", "him", "her"]}}, {"LOWER": {"IN": ["at", "outside", "after"]}}],
                [{"LOWER": "last"}, {"LOWER": "warning"}],
                [{"LOWER": {"IN": ["nice", "lovely"]}}, {"LOWER": {"IN": ["car", "house", "family", "kids"]}}],
            ],
        )  # fmt: skip
        m.add(
            "INCITEMENT",
            [
                [{"LOWER": {"IN": ["everyone", "everybody", "parents", "all", "we", "let's", "lets", "y'all"]}}, {"OP": "?"}, {"LOWER": {"IN": ["should", "need", "needs", "must", "to", "gotta", "go"]}, "OP": "?"}, {"LOWER": {"IN": ["complain", "email", "write", "report", "ring", "phone", "boycott", "flood", "bombard", "contact", "sign", "share", "join", "demand", "protest", "tag"]}}],
                [{"LOWER": {"IN": ["get", "getting", "have", "want"]}}, {"OP": "?"}, {"OP": "?"}, {"OP": "?"}, {"LOWER": {"IN": ["sacked", "fired", "removed", "struck", "suspended", "out", "gone", "exposed", "named"]}}],
                [{"LOWER": {"IN": ["until", "till", "unless"]}}, {"OP": "?"}, {"OP": "?"}, {"OP": "?"}, {"LOWER": {"IN": ["resigns", "resign", "goes", "gone", "sacked", "leaves", "apologises", "apologizes", "backs"]}}],
                [{"LOWER": {"IN": ["boycott", "protest"]}}],
                [{"LOWER": {"IN": ["complain", "email", "write", "report", "ring", "contact", "tell"]}}, {"OP": "?"}, {"OP": "?"}, {"LOWER": {"IN": ["ofsted", "council", "trust", "papers", "press", "governors", "la", "mp", "gazette", "news", "newspaper", "media", "bbc", "journalists"]}}],
                # Going public as pressure: "fix this or I post everything online".
                [{"LOWER": {"IN": ["or", "otherwise", "else"]}}, {"LOWER": {"IN": ["i", "we", "ill"]}}, {"LOWER": {"IN": ["'ll", "ll", "will", "am", "'m", "m", "are", "'re"]}, "OP": "?"}, {"LOWER": {"IN": ["going", "gonna"]}, "OP": "?"}, {"LOWER": "to", "OP": "?"}, {"LOWER": {"IN": list(GO_PUBLIC_VERBS)}}, {"OP": "{,3}"}, {"LOWER": {"IN": list(GO_PUBLIC_PLACES)}}],
                [{"LOWER": {"IN": ["if", "when"]}}, {"LOWER": {"IN": ["enough", "all", "more"]}}, {"OP": "?"}, {"OP": "?"}, {"LOWER": {"IN": ["complain", "write", "email", "us"]}}],
                [{"LOWER": {"IN": ["1", "one", "bad", "negative"]}}, {"LOWER": {"IN": ["star", "*"]}, "OP": "?"}, {"LOWER": {"IN": ["review", "reviews", "rating"]}}],
                [{"LOWER": {"IN": ["going", "go", "goin", "straight"]}}, {"LOWER": "to", "OP": "?"}, {"LOWER": {"IN": ["public", "press", "papers", "paper", "media", "bbc", "echo"]}}],
                [{"LOWER": {"IN": ["unless", "until", "or", "otherwise"]}}, {"OP": "*"}, {"LOWER": {"IN": ["ofsted", "papers", "press", "facebook", "everyone"]}}],
            ],
        )  # fmt: skip
        # Calls to pass something on.  They are incitement only when the post has a grievance
        # against the school (pipeline: SHARE_CALL); "spread the word, the fair is on Saturday" is not.
        m.add(
            "SHARE_CALL",
            [
                [{"LOWER": {"IN": ["sign", "share", "retweet", "rt"]}}, {"LOWER": {"IN": ["the", "this", "my", "our"]}}, {"LOWER": {"IN": ["petition", "post", "page", "thread"]}, "OP": "?"}],
                [{"LOWER": {"IN": ["petition", "campaign", "demo", "rally", "strike"]}}],
                [{"LOWER": {"IN": ["spread", "share", "pass"]}}, {"LOWER": {"IN": ["the", "this", "it"]}, "OP": "?"}, {"LOWER": {"IN": ["word", "around", "far", "widely", "on"]}}],
                [{"LOWER": {"IN": ["share", "tag", "send", "forward"]}}, {"LOWER": {"IN": ["with", "to", "it", "this"]}, "OP": "?"}, {"LOWER": {"IN": ["every", "all", "any"]}}, {"OP": "{,4}"}, {"LOWER": {"IN": ["parent", "parents", "mum", "mums", "dad", "dads", "family", "families"]}}],
            ],
        )  # fmt: skip
        m.add(
            "SECURITY",
            [
                [{"LOWER": {"IN": ["door", "gate", "keypad", "entry", "pin", "access", "lock", "alarm", "fob"]}}, {"LOWER": {"IN": ["code", "codes", "number", "pin"]}}],
                [{"LOWER": {"IN": ["gate", "gates", "door", "doors", "fence", "window", "entrance", "buzzer", "lock", "exit", "exits", "locks", "cctv", "camera", "alarm", "wall"]}}, {"OP": "?"}, {"OP": "?"}, {"LOWER": {"IN": ["open", "unlocked", "broken", "propped", "gap", "hole", "wide", "unmanned", "ajar", "fake", "wedged", "lock", "off"]}}],
                [{"LOWER": {"IN": ["leave", "leaves", "left", "leaving", "keep", "keeps", "kept"]}}, {"OP": "?"}, {"OP": "?"}, {"OP": "?"}, {"LOWER": {"IN": ["open", "unlocked", "propped", "wedged", "ajar"]}}],
                [{"LOWER": {"IN": ["climb", "hop", "jump", "get"]}}, {"LOWER": {"IN": ["over", "through", "under"]}}, {"OP": "?"}, {"LOWER": {"IN": ["fence", "wall", "gate", "hedge"]}}],
                [{"LOWER": {"IN": ["walk", "wander", "stroll", "get", "got"]}}, {"LOWER": {"IN": ["straight", "right"]}, "OP": "?"}, {"LOWER": {"IN": ["in", "into", "through"]}}],
                [{"LOWER": {"IN": ["picked", "collected", "collect", "collects", "collecting", "pickup", "pick"]}}, {"LOWER": "up", "OP": "?"}, {"LOWER": {"IN": ["by", "from", "at"]}}],
                [{"LOWER": {"IN": ["nobody", "noone", "no"]}}, {"LOWER": "one", "OP": "?"}, {"LOWER": {"IN": ["'s", "s", "is"]}, "OP": "?"}, {"LOWER": {"IN": ["checks", "checking", "watches", "watching", "signs", "on"]}}],
                # Children's routine off site: "the little ones go to the park every Thursday at 10".
                [{"LOWER": {"IN": list(ROUTINE_SUBJECTS)}}, {"IS_PUNCT": False, "OP": "{,2}"}, {"LOWER": {"IN": ["go", "goes", "going", "walk", "walks", "walked", "taken", "take", "takes", "head", "heads"]}}, {"IS_PUNCT": False, "OP": "{,3}"}, {"LOWER": {"IN": ["every", "on", "each"]}}, {"LOWER": {"IN": list(WEEKDAY_NAMES)}}, {"LOWER": "at"}, {"SHAPE": {"IN": ["d", "dd", "dxx", "ddxx", "d.dd", "dd.dd", "d:dd", "dd:dd"]}}],
                [{"LOWER": {"IN": ["same", "usual"]}}, {"LOWER": "route"}],
                [{"LOWER": {"IN": ["never", "not", "n't", "nt", "doesnt", "dont", "isnt", "wont"]}}, {"LOWER": {"IN": ["locked", "lock", "locks", "checked", "check", "checks", "manned", "staffed", "supervised", "shut", "closed", "secure", "secured", "working", "on"]}}],
                [{"LOWER": {"IN": ["walks", "walk", "goes", "go", "cycles", "left", "waits", "wait"]}}, {"OP": "?"}, {"OP": "?"}, {"LOWER": "alone"}],
                [{"LOWER": "without"}, {"LOWER": {"IN": ["being", "anyone", "anybody", "signing", "id", "a"]}}, {"LOWER": {"IN": ["seen", "noticed", "checked", "stopped", "asked", "knowing", "in", "badge", "lanyard"]}, "OP": "?"}],
                [{"LOWER": {"IN": ["unlocked", "unattended", "unsupervised", "unmanned", "unguarded", "propped", "wedged"]}}],
                [{"LOWER": {"IN": ["same", "every"]}}, {"LOWER": {"IN": ["time", "route", "day", "way"]}}, {"OP": "?"}, {"LOWER": {"IN": ["every", "each", "at", "by", "from"]}}],
            ],
        )  # fmt: skip
        m.add(
            "ASSERTION",
            [
                [{"LOWER": {"IN": ["fact", "facts", "true", "100", "100%", "confirmed", "proof", "proven"]}}],
                [{"LOWER": {"IN": ["everyone", "everybody", "whole"]}}, {"OP": "?"}, {"LOWER": {"IN": ["knows", "know"]}}],
                [{"LOWER": "look"}, {"LOWER": "it"}, {"LOWER": "up"}],
                [{"LOWER": "common"}, {"LOWER": "knowledge"}],
            ],
        )  # fmt: skip
        m.add(
            "OPINION",
            [
                [{"LOWER": "i"}, {"LOWER": {"IN": ["think", "feel", "believe", "reckon"]}}],
                [{"LOWER": {"IN": ["imo", "imho", "opinion", "view", "experience", "disappointed", "disappointing", "frustrated", "frustrating", "complaint", "complained", "unhappy", "recommend", "improve", "improvement", "feedback"]}}],
            ],
        )  # fmt: skip
        subject = {
            "LOWER": {
                "IN": [
                    *IDENTITY_WORDS,
                    "you",
                    "u",
                    "ur",
                    "she",
                    "he",
                    "they",
                    "teachers",
                    "staff",
                    "people",
                    "ppl",
                ]
            }
        }
        copula = {"LOWER": {"IN": ["are", "is", "r", "=", "'re", "'s", "s", "re", "be"]}}
        not_negation = {"LOWER": {"NOT_IN": ["not", "no", "never", "n't", "nt", "hardly"]}, "OP": "?"}
        m.add(
            "INSULT_PREDICATE",
            [
                [subject, copula, not_negation, not_negation, {"LOWER": {"IN": list(STRONG_INSULTS)}}],
                [{"ENT_TYPE": {"IN": ["STAFF", "ROLE"]}}, copula, not_negation, not_negation, not_negation, {"LOWER": {"IN": list(STRONG_INSULTS)}}],
                [{"LOWER": {"IN": ["you", "u", "ya"]}}, not_negation, not_negation, {"LOWER": {"IN": list(STRONG_INSULTS)}}],
            ],
        )  # fmt: skip
        group: list[dict[str, Any]] = [
            {"LOWER": {"IN": list(IDENTITY_WORDS)}},
            {"LOWER": {"IN": list(GROUP_NOUN_TAILS)}, "OP": "?"},
        ]
        derog: dict[str, Any] = {"LOWER": {"IN": list(GROUP_DEROGATION)}}
        free: dict[str, Any] = {
            "LOWER": {"NOT_IN": ["not", "no", "never", "n't", "nt", "hardly", "nothing", "than"]},
            "IS_PUNCT": False,
            "OP": "{,3}",
        }
        m.add(
            "GROUP_HATE",
            [
                [*group, copula, free, derog],
                [*group, copula, {"LOWER": "nothing"}, {"LOWER": "but"}, {"OP": "{,2}"}, derog],
                [{"LOWER": {"IN": ["are", "is", "r"]}}, *group, {"OP": "{,2}"}, derog],
                [{"LOWER": {"IN": list(HATE_VERB_WORDS)}}, {"LOWER": {"IN": ["all", "those", "these", "the", "every", "any", "most", "fucking", "bloody"]}, "OP": "{,2}"}, *group],
                [{"LOWER": {"IN": ["ca", "can", "cannot", "cant"]}}, {"LOWER": {"IN": ["n't", "not"]}, "OP": "?"}, {"LOWER": "stand"}, {"LOWER": {"IN": ["all", "those", "these", "the", "any"]}, "OP": "?"}, *group],
                [{"LOWER": {"IN": ["fuck", "fuk", "screw", "fucking", "bloody", "stinking", *GROUP_DEROGATION]}}, {"LOWER": {"IN": ["all", "those", "these", "the", "you"]}, "OP": "?"}, *group],
                [*group, {"OP": "{,3}"}, {"LOWER": {"IN": ["should", "must", "need", "needs", "ought"]}}, {"LOWER": "to", "OP": "?"}, {"LOWER": {"IN": ["not", "never"]}}, {"LOWER": "be"}, {"LOWER": {"IN": ["allowed", "trusted", "tolerated", "accepted", "employed", "let"]}}],
                [*group, {"OP": "{,2}"}, {"LOWER": {"IN": ["deserve", "deserves", "should", "must", "need", "needs", "ought"]}}, {"LOWER": "to", "OP": "?"}, {"LOWER": {"IN": ["die", "suffer", "rot", "disappear", "be"]}}, {"LOWER": {"IN": ["deported", "sterilised", "sterilized", "locked", "banned", "removed", "segregated", "punished"]}, "OP": "?"}],
            ],
        )  # fmt: skip
        m.add("PROTECT", [_lower(words) for words in PROTECT_PHRASES])
        # Calling for an outcome ("she should be sacked") is an opinion, not an allegation that it happened.
        m.add(
            "DEMAND",
            [
                [{"LOWER": {"IN": ["should", "must", "needs", "need", "ought", "deserves", "deserve", "wants", "want"]}}, {"LOWER": {"IN": ["to", "be", "been", "get", "getting", "all"]}, "OP": "{1,2}"}, {"LOWER": {"IN": ["sacked", "fired", "struck", "investigated", "suspended", "removed", "arrested"]}}],
            ],
        )  # fmt: skip
        m.add(
            "HATE_VERB",
            [[{"LOWER": {"IN": ["hate", "despise", "loathe", "detest", "hates", "hating"]}}], [{"LOWER": {"IN": ["ca", "can", "cannot", "cant"]}}, {"LOWER": {"IN": ["n't", "not"]}, "OP": "?"}, {"LOWER": "stand"}]],
        )  # fmt: skip
        m.add(
            "COUNTER",
            [[{"LOWER": {"IN": list(COUNTER_WORDS)}}], *(_lower(words) for words in COUNTER_PHRASES)],
        )
        m.add(
            "SECURITY_CODE",
            [
                [{"LOWER": {"IN": ["code", "codes", "pin", "combination", "combo", "fob", "password"]}}, {"OP": "?"}, {"OP": "?"}, {"OP": "?"}, {"OP": "?"}, {"OP": "?"}, {"SHAPE": {"IN": ["dddd", "ddd", "dd", "d"]}}],
                [{"LOWER": {"IN": ["code", "codes", "pin"]}}, {"OP": "?"}, {"OP": "?"}, {"OP": "?"}, {"OP": "?"}, {"LOWER": {"IN": ["same", "still", "never", "unchanged"]}}],
            ],
        )  # fmt: skip
        m.add(
            "CHILD_REF",
            [
                [{"LOWER": {"IN": ["the", "that", "this", "those"]}}, {"IS_ALPHA": True, "OP": "?"}, {"LOWER": {"IN": list(CHILD_NOUNS)}}],
                [{"LOWER": {"IN": ["her", "his", "their"]}}, {"LOWER": {"IN": ["son", "daughter", "kid", "kids", "boy", "girl", "lad", "child", "children"]}}],
                [{"LOWER": {"IN": [*OWN_CHILD_WORDS, "son", "daughter"]}}, {"LOWER": {"IN": ["'s", "s"]}, "OP": "?"}, {"LOWER": {"IN": ["classmate", "classmates", "friend", "friends", "bully", "bullies"]}}],
                [{"LOWER": {"IN": ["a", "one", "another", "some"]}}, {"LOWER": {"IN": ["boy", "girl", "kid", "child", "lad", "pupil"]}}, {"LOWER": {"IN": ["in", "from"]}}],
                [{"LOWER": "little"}, {"ENT_TYPE": "FIRST_NAME"}],
                [{"ENT_TYPE": "FIRST_NAME"}, {"LOWER": {"IN": ["'s", "s"]}}, {"LOWER": {"IN": ["mum", "mom", "dad", "mam", "mother", "father", "nan", "family", "parents", "behaviour", "adhd", "autism", "ehcp"]}}],
            ],
        )  # fmt: skip
        m.add(
            "CHILD_FAMILY",
            [[{"LOWER": {"IN": ["the", "those", "these"]}}, {"IS_ALPHA": True, "LOWER": {"NOT_IN": [*GENERIC_CHILD_MODIFIERS, *IDENTITY_WORDS]}, "ENT_TYPE": {"NOT_IN": ["SCHOOL", "YEAR", "ROLE"]}}, {"LOWER": {"IN": list(CHILD_PLURALS)}}]],
        )  # fmt: skip
        # Allegations that no single word carries (the one-word ones are ALLEGATION_WORDS):
        # "ran off with the trip money", "turns up hungover to teach", "got a sixth former into
        # bed", "lost the safeguarding report on purpose".
        m.add(
            "ALLEGATION",
            [
                [{"LOWER": {"IN": ["ran", "run", "runs", "running", "made", "makes"]}}, {"LOWER": "off"}, {"LOWER": "with"}, {"IS_PUNCT": False, "OP": "{,3}"}, {"LOWER": {"IN": ["money", "cash", "funds", "fund", "takings", "donations", "budget", "collection", "savings", "premium"]}}],
                [{"LOWER": {"IN": ["turns", "turned", "turning", "comes", "came", "rolls", "rolled", "shows", "showed"]}}, {"LOWER": {"IN": ["up", "in"]}}, {"LOWER": {"IN": ["drunk", "hungover", "stoned", "high", "pissed", "wasted", "smashed", "plastered"]}}],
                [{"LOWER": {"IN": ["got", "gets", "getting", "took", "takes", "taking"]}}, {"IS_PUNCT": False, "OP": "{,3}"}, {"LOWER": {"IN": ["pupil", "student", "former", "old", "parent", "mum", "dad", "teen", "teenager", "ta", "governor", "colleague"]}}, {"LOWER": "into"}, {"LOWER": "bed"}],
                [{"LOWER": {"IN": ["lost", "loses", "losing", "binned", "shredded", "ignored", "ignores", "hid", "hides", "buried", "deleted", "destroyed", "marks", "marked", "punishes", "punished", "excludes", "excluded"]}}, {"IS_PUNCT": False, "OP": "{,7}"}, {"LOWER": "on"}, {"LOWER": "purpose"}],
            ],
        )  # fmt: skip
        # A harm that the post says must not happen: "no child deserves to be hurt", "I would
        # never hurt anyone", "children should never be smacked".  Not across a clause break,
        # "but", or a condition ("no one would hurt you if ...").
        within: dict[str, Any] = {"IS_PUNCT": False, "LOWER": {"NOT_IN": list(PROTECTIVE_STOPS)}}
        harm = {"LOWER": {"IN": list(PROTECTED_HARMS)}}
        m.add(
            "PROTECTIVE",
            [
                [{"LOWER": {"IN": ["no", "nobody", "noone", "none"]}}, {**within, "OP": "{,2}"}, {"LOWER": {"IN": list(PROTECTIVE_MODALS)}}, {**within, "OP": "{,4}"}, harm],
                [{"LOWER": {"IN": list(PROTECTIVE_MODALS)}}, {"LOWER": {"IN": ["not", "never", "n't", "nt"]}}, {**within, "OP": "{,5}"}, harm],
                [{"LOWER": "never"}, {"LOWER": "ever", "OP": "?"}, harm],
            ],
        )  # fmt: skip
        # Pointing someone out in an attachment: "this is the Y8 who ...", "the girl in the red
        # hoodie", "take a good look at her".  With an attachment, the picture
        # shows that child (the pipeline's pointed-child floor); alone it says nothing.
        pointed = {"LOWER": {"IN": [*POINTED_CHILD_WORDS, *(w + "s" for w in POINTED_CHILD_WORDS)]}}
        year = {"LOWER": {"REGEX": r"^(?:y|yr|year)?\d{1,2}[a-z]?$"}}
        m.add(
            "POINT_CHILD",
            [
                [{"LOWER": {"IN": ["this", "that", "thats", "here", "heres"]}}, {"LOWER": {"IN": ["is", "'s", "s"]}, "OP": "?"}, {"LOWER": "the"}, {"OP": "{,2}"}, pointed, {"LOWER": {"IN": list(POINTED_NEXT)}}],
                [{"LOWER": {"IN": ["this", "that", "thats", "here", "heres"]}}, {"LOWER": {"IN": ["is", "'s", "s"]}, "OP": "?"}, {"LOWER": "the"}, {"LOWER": {"IN": ["year", "yr"]}, "OP": "?"}, year, {"LOWER": {"IN": list(POINTED_NEXT)}}],
                [{"LOWER": {"IN": ["the", "that", "this"]}}, pointed, {"LOWER": {"IN": ["in", "at", "on", "wearing", "with"]}}, {"LOWER": {"IN": ["the", "a", "that", "those", "his", "her"]}}],
                [{"LOWER": {"IN": ["take", "have", "having", "taking"]}}, {"LOWER": "a"}, {"LOWER": {"IN": ["good", "proper", "long"]}}, {"LOWER": "look"}, {"LOWER": "at"}, {"LOWER": {"IN": ["her", "him", "them", "this", "these"]}}],
            ],
        )  # fmt: skip
        m.add(
            "OWN_CHILD",
            [
                [{"LOWER": {"IN": ["my", "our", "me"]}}, {"LOWER": {"IN": ["son", "daughter", "boy", "girl", "lad", "kid", "kids", "child", "children", "little", "youngest", "eldest", "ds", "dd", "lo", "twins", "baby"]}}],
                [{"LOWER": {"IN": list(OWN_CHILD_WORDS)}}],
            ],
        )  # fmt: skip
        m.add(
            "QUOTE",
            [
                [
                    {
                        "LOWER": {
                            "IN": [
                                "said",
                                "says",
                                "saying",
                                "quote",
                                "quoted",
                                "called",
                                "calling",
                                "wrote",
                                "posted",
                                "tweeted",
                            ]
                        }
                    }
                ]
            ],
        )

    def annotate_docs(self, docs: Sequence[Doc], media_feats: Sequence[tuple[float, ...]]) -> list[RuleHits]:
        out: list[RuleHits] = []
        vocab = self.nlp.vocab
        for doc, media in zip(docs, media_feats, strict=True):
            hits: list[RuleHit] = []
            counts: dict[str, float] = {}
            # Read entities from the token arrays: spaCy's `doc.ents` walks every token in Python.
            arr = doc.to_array([LOWER, ENT_IOB, ENT_TYPE]).reshape(-1, 3)
            iob = arr[:, 1]
            for begin in np.flatnonzero(iob == _IOB_BEGIN).tolist():
                ent_label = vocab.strings[int(arr[begin, 2])]
                counts[ent_label] = counts.get(ent_label, 0.0) + 1.0
                if ent_label in _HIT_ENTITIES:
                    end = begin + 1
                    while end < len(doc) and iob[end] == _IOB_INSIDE:
                        end += 1
                    ent = doc[begin:end]
                    hits.append(RuleHit(ent_label, ent.start_char, ent.end_char, ent_label.lower()))
            present = set(arr[:, 0].tolist())
            matches = [
                match
                for matcher, first, gates in self._gated
                if (first is None or not first.isdisjoint(present)) and _may_match(gates, present)
                for match in matcher(doc)
            ]
            for match_id, start, end in matches:
                label = vocab.strings[match_id]
                counts[label] = counts.get(label, 0.0) + 1.0
                span = doc[start:end]
                hits.append(RuleHit(label, span.start_char, span.end_char, label.lower()))
            hits.extend(self._lexicon_hits(doc, arr[:, 0].tolist(), present, counts))
            has_first = counts.get("FIRST_NAME", 0.0) > 0
            child_ref = counts.get("CHILD_REF", 0.0) > 0 or counts.get("CHILD_FAMILY", 0.0) > 0
            own = counts.get("OWN_CHILD", 0.0) > 0
            threat = counts.get("THREAT", 0.0) > 0
            group_threat = threat and not self._group_words.isdisjoint(present)
            text = doc.text
            feats = (
                min(counts.get("SCHOOL", 0.0), 1.0),
                min(counts.get("STAFF", 0.0), 1.0),
                min(counts.get("ROLE", 0.0), 1.0),
                min(counts.get("YEAR", 0.0), 1.0),
                1.0 if has_first else 0.0,
                1.0 if child_ref else 0.0,
                1.0 if own else 0.0,
                1.0 if child_ref or (has_first and not own) else 0.0,
                1.0 if threat else 0.0,
                min(counts.get("THREAT_VEILED", 0.0), 1.0),
                1.0 if group_threat else 0.0,
                min(counts.get("INCITEMENT", 0.0) + counts.get("SHARE_CALL", 0.0), 1.0),
                min(counts.get("OFSTED", 0.0), 1.0),
                min(counts.get("SECURITY", 0.0), 1.0),
                min(counts.get("SECURITY_CODE", 0.0), 1.0),
                min(counts.get("PHOTO", 0.0), 1.0),
                min(counts.get("SECOND_PERSON", 0.0), 1.0),
                min(counts.get("NEGATION", 0.0), 1.0),
                1.0 if ('"' in text or "“" in text or counts.get("QUOTE", 0.0) > 0) else 0.0,
                *media,
                1.0 if "?" in text else 0.0,
                min(counts.get("ALLEGATION", 0.0), 1.0),
                min(counts.get("ASSERTION", 0.0), 1.0),
                min(counts.get("OPINION", 0.0), 1.0),
                min(counts.get("IDENTITY", 0.0), 1.0),
                min(counts.get("HATE_VERB", 0.0), 1.0),
                min(counts.get("WARM_VERB", 0.0), 1.0),
                1.0
                if (
                    counts.get("COUNTER", 0.0) > 0
                    and (counts.get("QUOTE", 0.0) + counts.get("SPEECH", 0.0) > 0 or QUOTED.search(text))
                )
                or counts.get("PROTECT", 0.0) > 0
                else 0.0,
                min(counts.get("INSULT", 0.0), 1.0),
                1.0
                if counts.get("INSULT", 0.0)
                and (
                    counts.get("STAFF", 0.0)
                    or counts.get("ROLE", 0.0)
                    or counts.get("SECOND_PERSON", 0.0)
                    or counts.get("IDENTITY", 0.0)
                    or has_first
                )
                else 0.0,
            )
            out.append(RuleHits(tuple(hits), feats))
        return out

    def _lexicon_hits(
        self, doc: Doc, lowers: list[int], present: set[int], counts: dict[str, float]
    ) -> list[RuleHit]:
        """Hits for the one-word lexicons, and NAMED_PERSON (an honorific and a word: "Mrs Oduya")."""
        out: list[RuleHit] = []
        if present.isdisjoint(self._lexicon_of) and present.isdisjoint(self._honorifics):
            return out
        for i, key in enumerate(lowers):
            labels = self._lexicon_of.get(key, ())
            if key in self._honorifics and i + 1 < len(doc) and doc[i + 1].is_alpha:
                labels = (*labels, "NAMED_PERSON")
            for label in labels:
                token = doc[i]
                end = doc[i + 1] if label == "NAMED_PERSON" else token
                counts[label] = counts.get(label, 0.0) + 1.0
                out.append(RuleHit(label, token.idx, end.idx + len(end), label.lower()))
        return out

    def annotate(self, texts: Sequence[str], media_feats: Sequence[tuple[float, ...]]) -> list[RuleHits]:
        docs = list(self.nlp.pipe(texts, batch_size=256))
        return self.annotate_docs(docs, media_feats)


def media_features(media: Sequence[Any]) -> tuple[float, ...]:
    """has_image, has_video, faces_unknown, faces_one, faces_many from MediaInfo-like objects."""
    has_image = has_video = unknown = one = many = 0.0
    for m in media:
        kind = str(getattr(m, "type", "") or "").lower()
        if kind == "video":
            has_video = 1.0
        elif kind in ("image", "photo", "gif"):
            has_image = 1.0
        faces = getattr(m, "face_count", None)
        if faces is None:
            if kind in ("image", "photo", "gif", "video"):
                unknown = 1.0
        elif faces == 1:
            one = 1.0
        elif faces >= 2:
            many = 1.0
    return (has_image, has_video, unknown, one, many)
