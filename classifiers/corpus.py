"""Generate Gatepost's own labelled training corpus of posts about fictional schools.

Every post is written from a template in this module: a labelled sentence with slots
(`{school}`, `{staff}`, `{child}` ...) and inline alternatives (`[a|b|c]`), rendered with
a vocabulary of fictional schools, staff, children and towns, then passed through a
platform "style" (text-speak, typos, emoji, hashtags, Mumsnet abbreviations).

The split is honest by construction: each template list and each vocabulary list is
cut into disjoint parts by position.  Templates at index i % 4 == 3, and vocabulary at
index i % 4 == 3, only ever produce `heldout` rows; templates at i % 8 == 2 produce
`val` rows (for calibration and thresholds); the rest produce `train` rows.  A held-out
post therefore never shares its sentence frame, its school, its staff names, its
children's names or its town with any training post.

This module is data, not judgement: nothing here is used at classification time.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from classifiers import templates

SEED = 20261122
CORPUS_PATH = Path(__file__).parent / "data" / "corpus.jsonl"
HELDOUT_PATH = Path(__file__).parent / "data" / "heldout.jsonl"

# ---------------------------------------------------------------------------------------
# Vocabulary (all fictional).  Index i % 4 == 3 is reserved for held-out rows.
# ---------------------------------------------------------------------------------------
SCHOOLS = [
    ("Hollybrook Primary", "Hollybrook"), ("St Aldric's CE Primary", "St Aldric's"),
    ("Marshfield Academy", "Marshfield"), ("Kestrel Lane Juniors", "Kestrel Lane"),
    ("Oakhanger Infant School", "Oakhanger"), ("Brindle Park Primary", "Brindle Park"),
    ("Wexcombe Community School", "Wexcombe"), ("Thornbury Vale Academy", "Thornbury Vale"),
    ("Cressington Primary", "Cressington"), ("Larkfield Junior School", "Larkfield"),
    ("Ashdown Heath Primary", "Ashdown Heath"), ("St Brannoc's RC Primary", "St Brannoc's"),
    ("Pebblemoor Primary", "Pebblemoor"), ("Fenwick Road Academy", "Fenwick Road"),
    ("Highcliffe Grange School", "Highcliffe Grange"), ("Millbrook Infants", "Millbrook"),
    ("Ravensworth Primary", "Ravensworth"), ("Wildmoor Academy", "Wildmoor"),
    ("Copperbeech Primary", "Copperbeech"), ("Daneshill Juniors", "Daneshill"),
    ("Elmstead Park School", "Elmstead"), ("Saltergate Primary", "Saltergate"),
    ("Foxhollow CofE School", "Foxhollow"), ("Greyfriars Lane Primary", "Greyfriars Lane"),
]  # fmt: skip
SURNAMES = [
    "Carter", "Okafor", "Patel", "Henshaw", "Doyle", "Kowalski", "Brennan", "Ashworth",
    "Whitfield", "Nwosu", "Gallagher", "Thornton", "Begum", "McAllister", "Pritchard", "Osei",
    "Fairclough", "Lindqvist", "Rahman", "Dunmore", "Hargreaves", "Quigley", "Abbott", "Sandoval",
    "Wilson", "Price", "Marsh", "Fenton", "Jarvis", "Kaur", "Bellamy", "Oduya", "Walsh", "Coombes",
    "Parry", "Novak", "Heywood", "Grant", "Iqbal", "Sutcliffe",
]  # fmt: skip
HONORIFIC = ["Mrs", "Mr", "Miss", "Ms", "Mr", "Mrs", "Miss", "Dr"]
CHILD_NAMES = [
    "Jayden", "Olivia", "Tyler", "Amelia", "Kacper", "Isla", "Reece", "Poppy", "Alfie", "Maisie",
    "Kai", "Sienna", "Bradley", "Ruby", "Ayaan", "Freya", "Connor", "Chantelle", "Finley", "Zara",
    "Harrison", "Nevaeh", "Logan", "Evie", "Oscar", "Keira", "Mason", "Aisha", "Theo", "Lily",
    "Brandon", "Daisy", "Kian", "Esme", "Dylan", "Tia", "Riley", "Phoebe", "Zayn", "Holly",
]  # fmt: skip
PARENT_NAMES = [
    "Kelly", "Gemma", "Danielle", "Stacey", "Lee", "Craig", "Nicola", "Dean", "Hayley", "Wayne",
    "Leanne", "Gareth", "Joanne", "Darren", "Sadia", "Becky", "Tomasz", "Lorraine", "Jason", "Kirsty",
]  # fmt: skip
TOWNS = [
    "Ashby Fields", "Northwick", "Carrow Bridge", "Little Denby", "Westhaven", "Brackley Moor",
    "Stallingford", "Penhallow", "Eastmere", "Harwood Green", "Cobbleton", "Ferrybridge End",
]  # fmt: skip
YEARS = [
    "Year 1",
    "Year 2",
    "Year 3",
    "Year 4",
    "Year 5",
    "Year 6",
    "Y3",
    "Y4",
    "yr 5",
    "yr6",
    "Reception",
    "Y2",
]
ROLES = [
    "the head", "the headteacher", "the deputy head", "the SENCo", "the head teacher",
    "the office lady", "the PE teacher", "the TA", "the chair of governors", "the caretaker",
    "the dinner lady", "the class teacher",
]  # fmt: skip
INSULTS = [
    "idiot", "joke", "moron", "clown", "disgrace", "cow", "waste of space", "halfwit", "muppet",
    "dickhead", "tosser", "bitch", "prick", "loser", "embarrassment", "snake", "jobsworth",
    "piece of work", "nasty piece of work", "pig", "twat", "cretin", "numpty", "slag",
    "fat cow", "thick cow", "pillock", "vile woman", "arsehole", "scumbag", "parasite", "witch",
]  # fmt: skip
INSULT_ADJ = [
    "useless", "thick", "pathetic", "incompetent", "clueless", "vile", "spineless", "disgusting",
    "lazy", "two-faced", "gormless", "brainless", "smug", "nasty", "stupid", "evil", "ugly",
    "bone idle", "sly", "fat", "braindead", "f*cking useless", "shit", "sh1t", "bloody useless",
    "vindictive", "creepy", "unhinged",
]  # fmt: skip
GROUPS = [
    "immigrants", "Muslims", "gay people", "trans people", "Black people", "disabled people",
    "Jews", "travellers", "Polish people", "women", "foreigners", "Asians", "refugees",
    "lesbians", "Romanians", "Pakistanis", "Catholics", "Africans", "Eastern Europeans", "Hindus",
]  # fmt: skip
OWN = [
    "my DS",
    "my DD",
    "my son",
    "my daughter",
    "my lad",
    "my little girl",
    "DS",
    "DD",
    "my youngest",
    "my eldest",
    "DS1",
    "my boy",
]
OTHER_CHILD_NOUN = ["boy", "girl", "kid", "lad", "child", "little girl", "little boy", "twins"]


def _split_list(items: list[Any], heldout: bool) -> list[Any]:
    return [x for i, x in enumerate(items) if (i % 4 == 3) == heldout]


# ---------------------------------------------------------------------------------------
# Templates: (labels, text, media).  media: "" none, "img1" a photo with one face,
# "imgN" several faces, "img?" faces not counted, "img0" no face, "vid" a video.
# ---------------------------------------------------------------------------------------
T = tuple[tuple[str, ...], str, str]

ABUSE: list[T] = [
    (("abuse",), "{staff} is an absolute {insult}", ""),
    (("abuse",), "{staff} is a [{adj}|{adj} {adj}] {insult} and everyone knows it", ""),
    (("abuse",), "honestly {role} at {school} is the most {adj} {insult} I've ever met", ""),
    (("abuse",), "Can't stand {staff}. [Vile|Horrible|Nasty] [woman|man|person], face like a smacked arse", ""),
    (("abuse",), "{parent} from the school gate is a [gobby|mouthy|nasty] {insult}, stay away from her", ""),
    (("abuse",), "{staff} you are a [{adj}|{adj} little] {insult}", ""),
    (("abuse",), "whoever hired {staff} at {school} must be as {adj} as she is", ""),
    (("abuse",), "{staff} = {insult}. [End of|that's it|thats all]", ""),
    (("abuse",), "that {adj} {insult} {staff} shouldn't be allowed near kids", ""),
    (("abuse",), "{child}'s mum is a [dirty|trashy|nasty|chavvy] {insult}", ""),
    (("abuse",), "the teachers at {school} are a bunch of {adj} {insult}s", ""),
    (("abuse",), "{staff} [looks like|dresses like] a [tramp|bag lady|dog's dinner], {adj} {insult}", ""),
    (("abuse",), "f*ck {staff} and f*ck {school}", ""),
    (("abuse",), "{staff} is a f**king {insult}", ""),
    (("abuse",), "{role} is a sh1t {insult}, total {insult}", ""),
    (("abuse",), "No wonder {school} is going downhill with {group} like {staff} in charge", ""),
    (("abuse",), "{staff} is one of those {group}, what do you expect", ""),
    (("abuse",), "I hate {group}. [Every|Each] one of them [is|are] [vermin|scum|a disgrace]", ""),
    (("abuse",), "{group} are [disgusting|vermin|filth|subhuman|a plague|parasites]", ""),
    (("abuse",), "{group} should not be allowed to teach our children, [they're|they are] [filth|scum|animals]", ""),
    (("abuse",), "[typical|classic] {group}, [lazy|dirty|thick] as [always|ever]", ""),
    (("abuse",), "all {group} are [liars|scroungers|dirty|thick|criminals]", ""),
    (("abuse",), "{group} make me sick", ""),
    (("abuse",), "there are too many {group} at {school} now, [disgusting|makes me sick|vile]", ""),
    (("abuse",), "I can't stand {group}, they [ruin|wreck|spoil] everything", ""),
    (("abuse",), "{group} are nothing but [rats|cockroaches|animals|trash]", ""),
    (("abuse",), "{staff} you [absolute|utter|complete] [{insult}|{adj} {insult}] 🤬", ""),
    (("abuse",), "the new [teacher|TA|head] at {school} is a [stupid|dumb|thick] {insult}, [glad|hope] she [leaves|gets binned]", ""),
    (("abuse",), "what a [fat|ugly|thick] {insult} {staff} is lol", ""),
    (("abuse",), "omg {staff} is such a {insult} 🙄🙄", ""),
    (("abuse",), "imagine being as {adj} as {staff}", ""),
    (("abuse",), "{staff} needs to [shut her mouth|get a grip|get a life], {adj} {insult}", ""),
    (("abuse",), "you lot at {school} are [scum|a disgrace|clowns|muppets]", ""),
    (("abuse",), "{parent} is a [crackhead|junkie|alcoholic|dosser] {insult}", ""),
    (("abuse",), "sick of these {adj} {group}", ""),
    (("abuse",), "I despise {group}", ""),
]  # fmt: skip

THREAT: list[T] = [
    (("threat",), "I know where {staff} parks. Just saying.", ""),
    (("threat",), "{staff} better watch their back", ""),
    (("threat",), "if {staff} touches my kid again I'll [kill|batter|deck|smash] [her|him]", ""),
    (("threat",), "I'm going to [hurt|batter|sort out|deal with] {staff} [at pick up|tomorrow|after school|on Monday]", ""),
    (("threat",), "someone should [smash|key|torch|slash the tyres on] {staff}'s car", ""),
    (("threat",), "I'll be waiting for {staff} [at the gates|in the car park|outside] [tomorrow|at 3|after school]", ""),
    (("threat",), "{staff} will regret this. [Mark my words|Trust me|Watch]", ""),
    (("threat",), "nice house {staff} has on [Mill Lane|Church Street|Park Road]. shame if anything happened to it", ""),
    (("threat",), "[gonna|going to|gna] [punch|slap|knock out] that {staff} next time I see her", ""),
    (("threat", "abuse"), "that {insult} {staff} wants [stabbing|battering|a slap|her head kicking in]", ""),
    (("threat",), "accidents happen to teachers like {staff}", ""),
    (("threat",), "I want to kill all {group}", ""),
    (("threat",), "{group} should all be [shot|hanged|killed|wiped out|gassed]", ""),
    (("threat",), "I'm going to [hurt|kill|attack] [the next|every|any] {group_sing} I see", ""),
    (("threat",), "[death to|kill all] {group}", ""),
    (("threat",), "we will [find|get|hunt] {staff} and [make her pay|sort her out|deal with her]", ""),
    (("threat",), "last warning {staff}. [Next time|You'll see|wait and see]", ""),
    (("threat", "abuse"), "{staff} deserves to [die|be shot|get hurt|be battered], {adj} {insult}", ""),
    (("threat",), "if the school won't deal with {child} I will, I'll [slap|batter|sort] that kid myself", ""),
    (("threat",), "I'll burn {school} to the ground", ""),
    (("threat",), "see you at the gate tomorrow {staff} 😡🔪", ""),
    (("threat",), "{staff} won't know what hit her", ""),
    (("threat",), "you'd better be careful walking to your car {staff}", ""),
    (("threat",), "I'm gonna end {staff}", ""),
    (("threat",), "keep going {staff} and see what happens to you", ""),
    (("threat",), "{group} deserve to die", ""),
    (("threat",), "I will [shoot|stab|strangle] {staff} [if I have to|I swear]", ""),
    (("threat",), "{parent}'s going to get a [smack|kicking|battering] [at pick up|in the playground]", ""),
    (("threat",), "any {group_sing} who comes near my kids will get [hurt|stabbed|their head kicked in]", ""),
    (("threat",), "I know which car is yours {staff} 🙂", ""),
    (("threat",), "I swear down I'm going to kill [her|him|that woman|that man]", ""),
    (("threat",), "{staff} is going to get what's coming", ""),
]  # fmt: skip

DEFAMATION: list[T] = [
    (("defamation",), "{staff} has been [stealing|nicking|helping themselves to] money from the PTA [fund|account]", ""),
    (("defamation",), "{staff} is having an affair with {staff2}, the whole staffroom knows", ""),
    (("defamation",), "{staff} was sacked from [her|his] last school for [hitting kids|assaulting a pupil|fraud]", ""),
    (("defamation",), "{staff} turns up [drunk|stoned|hungover] to teach every Monday", ""),
    (("defamation",), "{school} covers up [abuse|bullying|assaults] to protect their Ofsted rating, fact", ""),
    (("defamation",), "{role} fiddled the SATs results, they [changed|rewrote] the answers", ""),
    (("defamation", "abuse"), "{staff} is a [paedo|nonce|predator], keep your kids away", ""),
    (("defamation",), "{staff} [sells|deals] [drugs|weed|coke] [on the side|out of [his|her] car]", ""),
    (("defamation",), "FACT: {staff} [lied|committed perjury] at the tribunal and [forged|faked] the records", ""),
    (("defamation",), "{school} has been [fiddling|falsifying] the attendance figures for years", ""),
    (("defamation",), "{staff} [hit|slapped|grabbed] a child in {year} and the head hushed it up", ""),
    (("defamation",), "the governors at {school} are [embezzling|pocketing] the pupil premium money", ""),
    (("defamation",), "{staff} has a criminal record for [assault|theft|fraud], [look it up|ask anyone]", ""),
    (("defamation",), "{staff} [bribed|paid off] the Ofsted inspector", ""),
    (("defamation",), "{parent} is [on benefits fraud|a thief|a drug dealer], she [steals|nicks] from the [uniform shop|PTA]", ""),
    (("defamation",), "everyone knows {staff} [abuses|mistreats] the SEN kids when nobody's looking", ""),
    (("defamation",), "{role} [takes|took] backhanders from the [catering|building] company", ""),
    (("defamation",), "{staff} was arrested last year for [drink driving|assault|shoplifting] but they kept [her|him] on", ""),
    (("defamation",), "{staff} [pockets|keeps] the dinner money, that's why the meals are so bad", ""),
    (("defamation",), "{school} [lost|hid] a safeguarding report about {staff} on purpose", ""),
    (("defamation",), "the head at {school} [forged|faked] [her|his] qualifications", ""),
    (("defamation",), "{staff} is [sleeping with|shagging] one of the dads", ""),
    (("defamation",), "{staff} [steals|stole] from the kids' charity collection", ""),
    (("defamation",), "{staff} is a racist who [marks down|punishes] the Black kids on purpose", ""),
]  # fmt: skip

PUPIL_IMAGE: list[T] = [
    (("pupil_image",), "look at the state of these kids at {school} sports day 😂", "imgN"),
    (("pupil_image",), "this is the kid who bit {own} 👇 name and shame", "img?"),
    (("pupil_image", "individual_child"), "this is {child}, the one who's been bullying {own}. share so everyone knows", "img1"),
    (("pupil_image",), "found this video of the fight outside {school} gates [lol|😂|smh]", "vid"),
    (("pupil_image",), "{year} class photo, tag yourselves!", "imgN"),
    (("pupil_image",), "here's the nativity, [all the kids|whole class] [were|was] amazing 🌟", "vid"),
    (("pupil_image",), "snapped this of the {year} kids [messing about|fighting|smoking] by the bus stop in their {school} uniform", "img?"),
    (("pupil_image",), "videoed the [fight|scrap|kick off] in the playground, [{child}|the Price boy|that lad] [got battered|went mental]", "vid"),
    (("pupil_image",), "pics from the {school} trip to the farm, look at [all their|their little] faces 😍", "imgN"),
    (("pupil_image",), "[photo|pic] of the boys who [vandalised|trashed|wrecked] the park, they go to {school}", "img?"),
    (("pupil_image",), "my DD and her friends at the {school} disco 💃", "imgN"),
    (("pupil_image",), "{own} with [her|his] [best mates|friends|class] on the last day of {year} 🥹", "imgN"),
    (("pupil_image",), "the kids in {year} at {school} performing today [👏|❤️]", "vid"),
    (("pupil_image",), "clip from the {school} football match [lol|haha], look at the goalie", "vid"),
    (("pupil_image",), "screenshot of the {year} class WhatsApp with all the kids' photos", "imgN"),
    (("pupil_image",), "Anyone know who this child is? [Caught|Spotted] [him|her] [throwing stones|bullying] at {school}", "img1"),
    (("pupil_image",), "pictured: the {school} lads who've been [terrorising|bullying] year 3", "img?"),
    (("pupil_image",), "here they are, the {school} {year} leavers 2024 🎓", "imgN"),
    (("pupil_image",), "filmed this at {school} drop off, [kids|children] [running riot|everywhere]", "vid"),
    (("pupil_image",), "[look|check] at [these|this] [photo|pic] of the kids at the {school} swimming gala", "imgN"),
]  # fmt: skip

INDIVIDUAL_CHILD: list[T] = [
    (("individual_child",), "{child} {surname} in {year} is a [nightmare|menace|feral] and nothing gets done", ""),
    (("individual_child",), "the {surname} [boy|girl|twins|kid] keeps [hitting|biting|kicking] other kids and {school} does nothing", ""),
    (("individual_child",), "{own}'s classmate {child} has [ADHD|autism|an EHCP] and [disrupts|ruins] every lesson", ""),
    (("individual_child",), "{child}'s mum [is on drugs|drinks|is never sober], no wonder [he's|she's] like that", ""),
    (("individual_child",), "that [girl|boy] {child} in {year} got excluded [again|for the third time]", ""),
    (("individual_child",), "little {child} in {own}'s class [always smells|comes in filthy|never has lunch]", ""),
    (("individual_child",), "there's a [boy|girl] in {own}'s class who [bites|punches|swears at] everyone, it's {child} [obviously|of course]", ""),
    (("individual_child",), "why is {child} {surname} still allowed at {school} after what [he|she] did", ""),
    (("individual_child",), "{child} in {year} [got|was] [suspended|excluded|put on report] for [stealing|fighting|vaping]", ""),
    (("individual_child",), "the Wilson [boy|kids] [need|needs] removing from {school}, [feral|animals|nightmare]", ""),
    (("individual_child",), "{child}'s dad is in prison, [that explains|explains] a lot about [him|her]", ""),
    (("individual_child",), "{own}'s friend {child} told [her|him] [her|his] parents are splitting up, so sad", ""),
    (("individual_child",), "does anyone know if {child} {surname} has been [diagnosed|assessed]? [his|her] behaviour is awful", ""),
    (("individual_child",), "{child} [from|in] {year} keeps [taking|stealing] {own}'s [lunch|stuff|money]", ""),
    (("individual_child",), "the {surname} [girl|boy] in {year} [bullies|picks on] {own} every day and the school won't act", ""),
    (("individual_child",), "[that|this] [kid|child|boy|girl] {child} [should be|needs to be] in a special school", ""),
    (("individual_child",), "{child} {surname} [wets himself|wet herself|can't read] and [he's|she's] in {year}!", ""),
    (("individual_child",), "{parent}'s son {child} is [always|constantly] in trouble, {school} should [expel|exclude] him", ""),
    (("individual_child",), "[his|her] [son|daughter] {child} got [detention|isolation] [again|for swearing]", ""),
    (("individual_child",), "a [boy|girl] in {year} at {school} called {child} [is being|was] [bullied|excluded|hit]", ""),
]  # fmt: skip

INCITEMENT: list[T] = [
    (("incitement",), "Everyone [email|write to|complain to] Ofsted about {school}, [we need to act|enough is enough]!", ""),
    (("incitement",), "Parents, we [need to|should|must] all complain to the governors about {staff}", ""),
    (("incitement",), "sign the petition to get {staff} sacked [link in bio|👇|link below]", ""),
    (("incitement",), "If {school} doesn't sort this by [Friday|Monday|the end of the week] I'm going to Ofsted and the papers", ""),
    (("incitement",), "share this so every parent at {school} knows what they're like", ""),
    (("incitement",), "[I'll|I will|gonna] plaster this all over Facebook unless {staff} apologises", ""),
    (("incitement",), "let's all [flood|bombard] the {school} office with [emails|calls] tomorrow", ""),
    (("incitement",), "[any|all] {school} parents [reading this|out there], [ring|email|contact] the council and demand {staff} goes", ""),
    (("incitement",), "we need to get {staff} out of {school}, who's with me?", ""),
    (("incitement",), "keep my kid off and I'm reporting you to Ofsted, {staff}, your choice", ""),
    (("incitement",), "[boycott|don't support] the {school} summer fair until {staff} [resigns|is gone]", ""),
    (("incitement",), "[tag|share with] every {school} parent you know, they need to see this", ""),
    (("incitement",), "going to the [Echo|local paper|BBC] about {school} unless they [back down|change this]", ""),
    (("incitement",), "[spread the word|pass it on], {school} [can't|won't] get away with this", ""),
    (("incitement",), "everyone [should|needs to] [leave|post] a 1 star review for {school} [on Google|today]", ""),
    (("incitement",), "join our group [to get|campaigning to get] {staff} removed from {school}", ""),
    (("incitement",), "[one more|another] excuse from {school} and this goes straight to Ofsted and [the papers|my MP]", ""),
    (("incitement",), "[parents|mums and dads] of {year}, we are all [emailing|writing to] the head tomorrow, [copy|use] my letter", ""),
    (("incitement",), "if enough of us complain they'll have to [sack|get rid of] {staff}", ""),
    (("incitement",), "{staff} you've got till Friday or it's all going on Facebook and to Ofsted", ""),
]  # fmt: skip

SECURITY: list[T] = [
    (("security",), "the keypad code for the side gate at {school} is [4471|1234|2580|0000|1066]", ""),
    (("security",), "back gate at {school} is [always|still] left [open|unlocked] at lunch", ""),
    (("security",), "anyone can walk [straight|right] in at {school}, the [buzzer's|door's|lock's] broken", ""),
    (("security",), "{child} gets picked up by [her nan|his dad|a childminder] at [3:15|quarter past 3] at the side gate every day", ""),
    (("security",), "door code at {school} is still [1234|2468|9999] lol", ""),
    (("security",), "the fence [behind|by] the field at {school} has a [big gap|hole|gap in it]", ""),
    (("security",), "nobody checks who [collects|picks up] the kids at {school}, you could take anyone's", ""),
    (("security",), "FYI the [staff room|office|nursery] door at {school} is [propped open|never locked] all day", ""),
    (("security",), "[PIN|code] for the {school} [office|entrance] is [5519|7070|3141], they never change it", ""),
    (("security",), "if you go round the back of {school} by the bins you can get [in|straight in] without being seen", ""),
    (("security",), "{staff} leaves the [fire exit|side door] open every afternoon for the delivery", ""),
    (("security",), "the [kids|little ones] in {year} play on the field [by the road|next to the fence] from 12 and no one's watching", ""),
    (("security",), "[the|our] {school} [lanyards|visitor badges] aren't checked, just wear one and [walk in|you're in]", ""),
    (("security",), "{child} walks home alone down [Mill Lane|the cut-through|Station Road] at [3.20|3:30] every day", ""),
    (("security",), "the [alarm|CCTV] at {school} hasn't worked since [Easter|September|the summer]", ""),
    (("security",), "gate [code|number] is [the year|1987|4321] at {school} if anyone needs it", ""),
]  # fmt: skip

CRITICISM: list[T] = [
    (("criticism",), "Really disappointed with how {school} handled [the bullying complaint|my complaint|the incident]", ""),
    (("criticism",), "Homework load in {year} is [too much|ridiculous|excessive], [kids are exhausted|they're 8!]", ""),
    (("criticism",), "{school}'s communication is [terrible|awful|poor], letters always come the night before", ""),
    (("criticism",), "I think {staff}'s decision on [the uniform|phones|the trip] is wrong and I've told [her|him] so", ""),
    (("criticism",), "I would not recommend {school}. Leadership don't [respond|reply] to emails.", ""),
    (("criticism",), "Parent View: [Bullying is not dealt with well|SEN support is lacking|Communication needs improving]. [1|2] stars.", ""),
    (("criticism",), "We've made a formal complaint to {school} [through the proper channels|via the complaints policy], waiting to hear back", ""),
    (("criticism",), "[Not impressed|Unhappy] that {school} cancelled [the trip|sports day|the disco] with a day's notice", ""),
    (("criticism",), "The [lunches|dinners] at {school} are [poor|awful|tiny], {own} comes home starving", ""),
    (("criticism",), "{role} [hasn't|has not] [replied|got back to me] in three weeks, [frustrating|not good enough]", ""),
    (("criticism",), "[Honestly|Tbh] the SEN provision at {school} [is|feels] [inadequate|not good enough] for {own}", ""),
    (("criticism",), "the new [behaviour policy|uniform policy|pick up system] at {school} is [a shambles|badly thought out|chaos]", ""),
    (("criticism",), "[Ofsted said|the report says] {school} requires improvement and [frankly|honestly] I agree", ""),
    (("criticism",), "{staff} [was|seemed] [dismissive|rude|short with me] at parents evening, [not great|disappointing]", ""),
    (("criticism",), "I'm [moving|thinking of moving] {own} from {school}, [they've|they have] [let us down|not listened]", ""),
    (("criticism",), "why does {school} charge [£5|a fiver] for every non-uniform day? it adds up", ""),
    (("criticism",), "the pick up at {school} is [carnage|chaos], the school needs to sort the parking", ""),
    (("criticism",), "{own} was [upset|in tears] about [a comment|the way] {staff} [made|spoke], we'll raise it with the school", ""),
    (("criticism",), "[I feel|In my view] {school} puts [SATs|results] ahead of the children's wellbeing", ""),
    (("criticism",), "gutted {school} dropped the after-school club, working parents [are stuck|have no options]", ""),
    (("criticism",), "[IMO|In my opinion] {staff} is [out of [her|his] depth|not the right person] for the headship", ""),
    (("criticism",), "[Disappointing|Poor] response from {school} to the [head lice|nits|bullying] letter, [vague|no detail]", ""),
]  # fmt: skip

NEUTRAL: list[T] = [
    ((), "Massive thank you to {staff} and everyone at {school} for [a brilliant year|the lovely assembly|all your support] ❤️", ""),
    ((), "Does anyone know when {school} breaks up for [Easter|half term|summer]?", ""),
    ((), "{school} rated [Good|Outstanding] by Ofsted, [well done|congratulations] to all the staff", ""),
    ((), "this heat is killing me on the school run 🥵", ""),
    ((), "bloody hell the traffic outside {school} this morning", ""),
    ((), "{own} had a [lovely|great|brilliant] day at {school} today 😊", ""),
    ((), "{own}'s first day at {school} ❤️ [so proud|can't believe it|big girl now]", "img1"),
    ((), "{town} Road closed [near|by] {school} due to roadworks [all week|until Friday]", ""),
    ((), "The code of conduct says we shouldn't post about individual children or staff on social media, [fair enough|makes sense]", ""),
    ((), "Reminder: {school} PTA [cake sale|quiz night|summer fair] this Friday, [all welcome|bring cash]!", ""),
    ((), "[Anyone|Does anyone] have a spare {school} [jumper|PE top|book bag] age 7-8?", ""),
    ((), "{own} [killed it|smashed it] at the {school} sports day, [so proud|buzzing]", ""),
    ((), "fucking freezing on the school run today, [ffs|brrr] 🥶", ""),
    ((), "lost a [glove|water bottle|book bag] at {school} pick up, [blue|pink] with a unicorn on, anyone seen it?", ""),
    ((), "[Job|Vacancy]: {school} is hiring a [teaching assistant|lunchtime supervisor|site manager]", ""),
    ((), "{staff} [retires|is retiring] after 30 years at {school}, [legend|what a woman|thank you]", ""),
    ((), "[Great|Good|Lovely] [news|article] about {school}'s [reading scheme|garden project|charity run] in the {town} Gazette", ""),
    ((), "{school} Garden Centre [has|have] [20% off|a sale on] [bedding plants|compost] this weekend", ""),
    ((), "the new series of [Bake Off|Traitors] is killing me 😂 [so good|can't cope]", ""),
    ((), "my [kid|son|daughter] [destroyed|annihilated] me at [FIFA|Mario Kart] again, [gutted|lol]", ""),
    ((), "the ending of that film [murdered|destroyed] me 😭", ""),
    ((), "{own} [got|won] [star of the week|a headteacher's award|the reading prize] at {school}! [so proud|🌟]", ""),
    ((), "[Quote from|Saw] the {school} newsletter: 'please do not park on the zig-zags' [lol|fair]", ""),
    ((), "I love {group}, [such a lovely|great] community in {town}", ""),
    ((), "[Saying|Posting] '{group} are vermin' is [disgusting|unacceptable] and [should be reported|needs calling out]", ""),
    ((), "No {group_sing} deserves to be [abused|hurt|threatened] [for who they are|ever]", ""),
    ((), "{group} are [welcome|valued] here in {town}", ""),
    ((), "[Really|Very] [proud|pleased] {school} is celebrating {group} this month", ""),
    ((), "if you hear someone say they hate {group}, [challenge it|report it|call it out]", ""),
    ((), "just finished my shift, [absolutely|bloody] knackered, kids [are|were] [fab|mental] today", ""),
    ((), "who's doing the {school} [sponsored walk|fun run]? [we are|count us in] 🏃", ""),
    ((), "[Shit|Crap|Damn], forgot it's non-uniform day at {school} 🙈", ""),
    ((), "{own} [told me|said] {staff} [read|did] [a brilliant story|the funniest assembly] today 😂", ""),
    ((), "the {school} nativity was [gorgeous|adorable|a triumph], well done [everyone|all]", ""),
    ((), "[Anyone|Is anyone] else's [kid|DS|DD] [shattered|exhausted] after the first week back?", ""),
    ((), "Ofsted [visit|inspection] at {school} [this week|next week], fingers crossed for the staff", ""),
    ((), "hate Mondays 😩 [coffee|tea] needed before the school run", ""),
    ((), "my [car|boiler|washing machine] [died|packed up] [again|this morning], [ffs|fml]", ""),
    ((), "{staff} from {school} [is running|ran] the [London|{town}] marathon for charity, sponsor [her|him]!", ""),
    ((), "[Lovely|Nice] photo of the new {school} [library|building|playground] 😍", "img0"),
]  # fmt: skip

GROUP_SINGULAR = {
    "immigrants": "immigrant", "Muslims": "Muslim", "gay people": "gay person", "trans people": "trans person",
    "Black people": "Black person", "disabled people": "disabled person", "Jews": "Jew", "travellers": "traveller",
    "Polish people": "Polish person", "women": "woman", "foreigners": "foreigner", "Asians": "Asian",
    "refugees": "refugee", "lesbians": "lesbian", "Romanians": "Romanian", "Pakistanis": "Pakistani",
    "Catholics": "Catholic", "Africans": "African", "Eastern Europeans": "Eastern European", "Hindus": "Hindu",
}  # fmt: skip

ABUSE += templates.MORE_ABUSE
THREAT += templates.MORE_THREAT
DEFAMATION += templates.MORE_DEFAMATION
PUPIL_IMAGE += templates.MORE_PUPIL_IMAGE
INDIVIDUAL_CHILD += templates.MORE_INDIVIDUAL_CHILD
INCITEMENT += templates.MORE_INCITEMENT
SECURITY += templates.MORE_SECURITY
CRITICISM += templates.MORE_CRITICISM
NEUTRAL += templates.MORE_NEUTRAL

# Composed frames: (labels, subjects, claims, tails); the claim's index decides the split.
COMPOSED: dict[str, tuple[tuple[str, ...], list[str], list[str], list[str]]] = {
    "defamation-c": (
        ("defamation",),
        templates.DEFAMATION_SUBJECTS,
        templates.DEFAMATION_CLAIMS,
        templates.DEFAMATION_TAILS,
    ),
    "criticism-c": (
        ("criticism",),
        templates.CRITICISM_SUBJECTS,
        templates.CRITICISM_CLAIMS,
        templates.CRITICISM_TAILS,
    ),
    "identity-c": ((), templates.IDENTITY_SUBJECTS, templates.IDENTITY_PREDICATES, templates.IDENTITY_TAILS),
    "self-identity-c": ((), [""], templates.SELF_IDENTITY, ["", ".", " 😊", "!"]),
    "profanity-c": (
        (),
        ["", "", "omg ", "Honestly ", "lol "],
        templates.HAPPY_PROFANITY,
        ["", " 😂", "!", " lol", " x"],
    ),
    "counter-c": ((), templates.COUNTER_PREFIXES, templates.COUNTER_CORES, templates.COUNTER_SUFFIXES),
    "negated-c": (
        (),
        ["", "", "Honestly, ", "Just so we're clear: ", "For the record, "],
        templates.NEGATED_HATE,
        ["", ".", "!", " 🙏"],
    ),
    "mention-c": ((), templates.MENTION_LEADS, templates.MENTIONS, templates.MENTION_TAILS),
}
COMPOSED_RENDERS = 12
# Renders per claim: identity and counter-speech frames need many rows to outweigh the
# public abusive tweets in which group names mostly appear.
COMPOSED_RENDERS_BY_KIND = {
    "identity-c": 20,
    "self-identity-c": 15,
    "counter-c": 25,
    "negated-c": 25,
    "mention-c": 20,
}

ALL_TEMPLATES: dict[str, list[T]] = {
    "abuse": ABUSE, "threat": THREAT, "defamation": DEFAMATION, "pupil_image": PUPIL_IMAGE,
    "individual_child": INDIVIDUAL_CHILD, "incitement": INCITEMENT, "security": SECURITY,
    "criticism": CRITICISM, "neutral": NEUTRAL,
}  # fmt: skip

# How many posts to render from each template, per split (train templates are rendered more
# often because there are fewer distinct frames per template than a human writer would produce).
RENDERS_PER_TEMPLATE = {"train": 28, "val": 28, "heldout": 24}
# Neutral and criticism posts are the common case in real feeds.
NEGATIVE_MULTIPLIER = 2

OPENERS = [
    "", "", "", "", "Honestly ", "AIBU or ", "Rant incoming: ", "Not being funny but ", "So ", "Tbh ",
    "Just saying, ", "PSA: ", "Ugh. ", "Right, ", "Sorry but ", "Can I just say ", "Well. ", "WTAF ",
    "Anyone else think ", "Update: ", "Omg ", "Hiya all, ", "Controversial but ", "Serious question, ",
]  # fmt: skip
CLOSERS = [
    "", "", "", "", " #schoolrun", " 😡", " rant over", " ffs", " 🙄", " smh", " 😂", " x", " #parenting",
    " !!!", " ...", " 🤷‍♀️", " #fuming", " lol", " tbh", " sorry not sorry", " 👀", " #mumlife", " FFS", " 💯",
]  # fmt: skip

_ALT_RE = re.compile(r"\[([^\[\]]*)\]")
_SLOT_RE = re.compile(r"\{(\w+)\}")


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 8:
        return text
    i = rng.randrange(1, len(text) - 2)
    if not text[i].isalpha():
        return text
    kind = rng.randrange(3)
    if kind == 0:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]


_TEXTSPEAK = [
    (r"\byou\b", "u"), (r"\byour\b", "ur"), (r"\bare\b", "r"), (r"\bbecause\b", "cos"), (r"\bto be honest\b", "tbh"),
    (r"\bpeople\b", "ppl"), (r"\bplease\b", "pls"), (r"\bthough\b", "tho"), (r"\bgoing to\b", "gonna"), (r"\band\b", "&"),
]  # fmt: skip


def _style(text: str, rng: random.Random, openers: list[str], closers: list[str]) -> str:
    text = rng.choice(openers) + text + rng.choice(closers)
    r = rng.random()
    if r < 0.25:
        text = text.lower()
    elif r < 0.3:
        text = text.upper()
    if rng.random() < 0.3:
        for pat, rep in _TEXTSPEAK:
            if rng.random() < 0.6:
                text = re.sub(pat, rep, text, flags=re.IGNORECASE)
    if rng.random() < 0.25:
        text = _typo(text, rng)
    if rng.random() < 0.15:
        text = text.replace(".", "").replace(",", "")
    if rng.random() < 0.1:
        text = "@" + rng.choice(["mumsnet", "ParentsOf", "localnews", "AshbyChat", "dad_talk"]) + " " + text
    return text


class _Vocab:
    def __init__(self, heldout: bool) -> None:
        self.schools = _split_list(SCHOOLS, heldout)
        self.surnames = _split_list(SURNAMES, heldout)
        self.children = _split_list(CHILD_NAMES, heldout)
        self.parents = _split_list(PARENT_NAMES, heldout)
        self.towns = _split_list(TOWNS, heldout)
        self.insults = _split_list(INSULTS, heldout)
        self.adjs = _split_list(INSULT_ADJ, heldout)
        self.groups = _split_list(GROUPS, heldout)
        self.openers = _split_list(OPENERS, heldout) + [""] * 3
        self.closers = _split_list(CLOSERS, heldout) + [""] * 3


def _render(template: str, rng: random.Random, v: _Vocab) -> tuple[str, dict[str, str]]:
    school_full, school_short = rng.choice(v.schools)
    surname = rng.choice(v.surnames)
    staff = f"{rng.choice(HONORIFIC)} {surname}"
    group = rng.choice(v.groups)
    slots = {
        "school": rng.choice([school_full, school_short, school_short, school_full]),
        "staff": staff,
        "staff2": f"{rng.choice(HONORIFIC)} {rng.choice(v.surnames)}",
        "role": rng.choice(ROLES),
        "child": rng.choice(v.children),
        "surname": rng.choice(v.surnames),
        "parent": rng.choice(v.parents),
        "town": rng.choice(v.towns),
        "year": rng.choice(YEARS),
        "own": rng.choice(OWN),
        "group": group,
        "group_sing": GROUP_SINGULAR[group],
    }
    # Alternatives first (innermost out), then slots; insults/adjectives draw fresh each time.
    text = template
    while True:
        new = _ALT_RE.sub(lambda m: rng.choice(m.group(1).split("|")), text)
        if new == text:
            break
        text = new

    def slot(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "insult":
            return str(rng.choice(v.insults))
        if name == "adj":
            return str(rng.choice(v.adjs))
        return str(slots.get(name, m.group(0)))

    text = _SLOT_RE.sub(slot, text)
    return text, slots


def _media(spec: str, rng: random.Random) -> list[dict[str, Any]]:
    if not spec:
        return []
    if spec == "vid":
        return [{"type": "video", "url": "https://example.invalid/v.mp4", "alt_text": ""}]
    item: dict[str, Any] = {"type": "image", "url": "https://example.invalid/p.jpg", "alt_text": ""}
    if spec == "img1":
        item["face_count"] = 1
    elif spec == "imgN":
        item["face_count"] = rng.randint(2, 25)
    elif spec == "img0":
        item["face_count"] = 0
    # "img?": faces not counted (the caller did not fetch the bytes)
    if spec in ("imgN", "img?") and rng.random() < 0.3:
        item.pop("face_count", None)
    return [item]


def _combine(rows: list[dict[str, Any]], rng: random.Random, n: int) -> list[dict[str, Any]]:
    """Join two posts' sentences into one multi-label post, as people do."""
    out = []
    for _ in range(n):
        a, b = rng.sample(rows, 2)
        if a["media"] and b["media"]:
            continue
        labels = sorted(set(a["labels"]) | set(b["labels"]))
        sep = rng.choice([". ", " ", "!! ", "\n", " and ", ". Also "])
        out.append(
            {
                "text": a["text"] + sep + b["text"],
                "media": a["media"] or b["media"],
                "labels": labels,
                "template": a["template"] + "+" + b["template"],
                "split": a["split"],
            }
        )
    return out


def generate(seed: int = SEED) -> list[dict[str, Any]]:
    """All corpus rows, each with text, media, labels, template id and split."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    vocab = {False: _Vocab(False), True: _Vocab(True)}
    for cat, frames in ALL_TEMPLATES.items():
        for i, (labels, template, media) in enumerate(frames):
            split = "heldout" if i % 4 == 3 else ("val" if i % 8 == 2 else "train")
            v = vocab[split == "heldout"]
            n = RENDERS_PER_TEMPLATE[split]
            if cat in ("neutral", "criticism"):
                n *= NEGATIVE_MULTIPLIER
            seen: set[str] = set()
            for _ in range(n * 2):
                if len(seen) >= n:
                    break
                text, _slots = _render(template, rng, v)
                text = _style(text, rng, v.openers, v.closers)
                if text in seen:
                    continue
                seen.add(text)
                media_items = _media(media, rng)
                row_labels = list(labels)
                # A parent's photo of their own child alone is not a breach (policy.toml).
                rows.append(
                    {
                        "text": text,
                        "media": media_items,
                        "labels": sorted(set(row_labels)),
                        "template": f"{cat}/{i}",
                        "split": split,
                    }
                )
    for cat, (labels, subjects, claims, tails) in COMPOSED.items():
        for i, claim in enumerate(claims):
            split = "heldout" if i % 4 == 3 else ("val" if i % 8 == 2 else "train")
            v = vocab[split == "heldout"]
            joiner = "" if cat in ("counter-c", "mention-c") else " "
            for _ in range(COMPOSED_RENDERS_BY_KIND.get(cat, COMPOSED_RENDERS)):
                text, _slots = _render(
                    (rng.choice(subjects) + joiner + claim).strip() + rng.choice(tails), rng, v
                )
                text = _style(text, rng, v.openers, v.closers)
                rows.append(
                    {
                        "text": text,
                        "media": [],
                        "labels": list(labels),
                        "template": f"{cat}/{i}",
                        "split": split,
                    }
                )
    for split in ("train", "val", "heldout"):
        part = [r for r in rows if r["split"] == split]
        rows.extend(_combine(part, rng, len(part) // 10))
    rng.shuffle(rows)
    for n, r in enumerate(rows):
        r["id"] = f"gp-{n:05d}"
    return rows


def iter_split(rows: list[dict[str, Any]], split: str) -> Iterator[dict[str, Any]]:
    return (r for r in rows if r["split"] == split)


def write(path: Path = CORPUS_PATH, heldout_path: Path = HELDOUT_PATH, seed: int = SEED) -> tuple[int, int]:
    """Write the train+val corpus and the held-out file; return their row counts."""
    rows = generate(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    n_main = n_held = 0
    with path.open("w", encoding="utf-8") as main, heldout_path.open("w", encoding="utf-8") as held:
        for r in rows:
            line = json.dumps(
                {k: r[k] for k in ("id", "text", "media", "labels", "template", "split")}, ensure_ascii=False
            )
            if r["split"] == "heldout":
                held.write(line + "\n")
                n_held += 1
            else:
                main.write(line + "\n")
                n_main += 1
    return n_main, n_held


if __name__ == "__main__":
    print(write())
