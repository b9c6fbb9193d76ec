"""More sentence frames for the training corpus, and the composed frames (subject + claim + tail).

Data only: `corpus.py` appends these to its own lists, so the index-based split
(i % 4 == 3 held out, i % 8 == 2 validation) applies to them in the same way.
Every sentence here was written for Gatepost about fictional people; none is taken from
a public dataset or test suite.
"""

from __future__ import annotations

T = tuple[tuple[str, ...], str, str]

MORE_ABUSE: list[T] = [
    (("abuse",), "{staff} is a [smug|nasty|useless] little [man|woman|person] who [gets off on|loves] power", ""),
    (("abuse",), "hope {staff} [reads this|sees this]: you're a [pathetic|disgusting] excuse for a teacher", ""),
    (("abuse",), "{staff} has the [brain|IQ] of a [goldfish|potato|lettuce]", ""),
    (("abuse",), "[honestly|literally] {staff} is the [thickest|dumbest|most stupid] person I've ever [met|dealt with]", ""),
    (("abuse",), "{parent} you [fat|ugly|skanky|rank] {insult}, [stay away|keep away] from my kids", ""),
    (("abuse",), "who does {staff} think she is, [jumped up|stuck up|up herself] {insult}", ""),
    (("abuse",), "{staff} should be [ashamed|embarrassed], [vile|rancid|nasty] [specimen|excuse for a human]", ""),
    (("abuse",), "[get|fuck] [lost|off] {staff} you [absolute|utter] [weapon|melt|bellend|knobhead]", ""),
    (("abuse",), "{school} staff are [scumbags|lowlifes|parasites] the lot of them", ""),
    (("abuse",), "bet {staff} [goes home and cries|has no friends], [sad|pathetic|miserable] {insult}", ""),
    (("abuse",), "[that|this] {insult} {staff} [again|strikes again] 🙄 [what a|total] [waste of oxygen|joke]", ""),
    (("abuse",), "can someone tell {staff} [she's|he's] a [gobshite|knob|cock|twat]", ""),
    (("abuse",), "the dinner ladies at {school} are [fat|lazy|miserable] [cows|slags|hags]", ""),
    (("abuse",), "{child}'s dad is a [wife beater|waste of space|junkie] and a {insult}", ""),
    (("abuse",), "{staff} [stinks|smells] and [looks like|is built like] a [troll|bulldog|pig]", ""),
    (("abuse",), "these {group} teachers [ruin|are ruining] {school}, [send them back|get them out]", ""),
    (("abuse",), "{staff} is a [typical|stereotypical] [stupid|thick|lazy] {group_sing}", ""),
    (("abuse",), "[honestly|seriously] {group} [disgust|repulse|sicken] me", ""),
    (("abuse",), "{group} are [the worst|a cancer|a disease] on this country", ""),
    (("abuse",), "[the|these] {group} [at|near] {school} [stink|are filthy|are animals]", ""),
    (("abuse",), "{group} are [so|really] [thick|stupid|dumb|useless]", ""),
    (("abuse",), "[never|I'd never] trust a {group_sing}, [all|they're all] [liars|thieves|snakes]", ""),
    (("abuse",), "[a|any] {group_sing} [teacher|head] is [a disgrace|an abomination|unacceptable]", ""),
    (("abuse",), "[why|how] are {group} [even|still] allowed [here|in our schools]? [vermin|scum|disgusting]", ""),
    (("abuse",), "[ugh|urgh] [I|i] [really|just] [hate|loathe|detest] {group}", ""),
    (("abuse",), "{group} are [worthless|pathetic|a waste of space]", ""),
    (("abuse",), "shut up you [thick|stupid] {insult}, {staff}", ""),
    (("abuse",), "you're a [joke|disgrace|laughing stock] {staff}, [everyone|the whole school] [laughs at|hates] you", ""),
    (("abuse",), "what a [massive|huge] [c*nt|tw*t|d*ckhead] {staff} [is|has been] today", ""),
    (("abuse",), "{staff} [= |is a ][f*cking|fkn|fckin] [idi0t|m0r0n|jok3]", ""),
    (("abuse",), "{parent} [is|=] [trailer trash|a skank|a slapper|a dirty rat]", ""),
    (("abuse",), "{role} is a [cow|witch|pig], [everyone says so|ask anyone]", ""),
]  # fmt: skip

MORE_THREAT: list[T] = [
    (("threat",), "{staff} [is going to|will] [get|be getting] [a visit|a knock on the door] [tonight|soon]", ""),
    (("threat",), "I [swear|promise] {staff} won't make it to [Christmas|half term|the summer]", ""),
    (("threat",), "if I see {staff} [in town|at Tesco|at the gates] [she's|he's] [getting|gonna get] [smacked|hit|battered]", ""),
    (("threat",), "[someone|somebody] [needs to|should] [teach|show] {staff} a lesson [she|he] won't forget", ""),
    (("threat",), "I'll [make|see to it] {staff}'s life [hell|a misery]. [I know|found] [her|his] address", ""),
    (("threat",), "{staff} [has|hes|she's] got [kids|a family] too, [hasn't|doesn't] [she|he]? [would be a shame|think about that]", ""),
    (("threat",), "[one|just one] more [word|email|detention] and I'm [coming in|coming for] {staff}", ""),
    (("threat",), "[gonna|going to] [wait|be waiting] outside {school} for {staff} [with my brother|with some mates|at 3]", ""),
    (("threat",), "{staff} [should|better] [sleep|keep] with one eye open", ""),
    (("threat",), "[we|me and the lads] [will|are gonna] [sort|deal with] {staff} [properly|ourselves]", ""),
    (("threat",), "I [want|wanna] to [stab|strangle|batter|punch] {staff} [so badly|right now]", ""),
    (("threat",), "all {group} [should|need to|must] be [shot|hanged|killed|burned|wiped out|removed by force]", ""),
    (("threat",), "[I'll|we'll|gonna] [kill|hurt|batter|burn] [every|any] {group_sing} [in|near|around] {town}", ""),
    (("threat",), "[I|We] [want|wanna|need] to [kill|hurt|get rid of] [all|every last one of the] {group}", ""),
    (("threat",), "{group} [deserve|need] to [die|be shot|suffer|be killed]", ""),
    (("threat",), "[if|when] I [find|see] [a|the] {group_sing} [I'll|gonna] [kill|hurt|stab|beat] [them|him|her]", ""),
    (("threat",), "[time|it's time] to [get rid of|kill|exterminate] [all the|the] {group}", ""),
    (("threat",), "{group} [will|are gonna] [pay|get what's coming] [for this|soon]", ""),
    (("threat",), "[let's|lets|we should] [burn|torch|smash up] the {group_sing} [shop|houses|mosque|church] [in|near] {town}", ""),
    (("threat",), "[you're|ur] dead {staff}", ""),
    (("threat",), "{staff} [better not|had better not] [walk|go] [home|to the car] alone [tonight|anymore]", ""),
    (("threat",), "[next|the next] time {staff} [speaks to|shouts at] my kid [she's|he's] getting [floored|decked|knocked out]", ""),
    (("threat",), "[I'll|im gonna|I will] put {staff} in [hospital|the ground|a wheelchair]", ""),
    (("threat",), "[we know|I know] what time {staff} [leaves|finishes] and which [way|route] [she|he] [walks|drives]", ""),
    (("threat",), "[that kid|{child}] [is|'s] gonna get [hurt|a slap|battered] if [he|she] [touches|goes near] my [son|daughter] again", ""),
    (("threat",), "[i'll|gonna] [k1ll|k!ll|kil] {staff} [i swear|fr|on my life]", ""),
]  # fmt: skip

MORE_DEFAMATION: list[T] = [
    (("defamation",), "[Did you know|Fun fact:|FYI] {staff} [was struck off|lost her licence|got done] for [fraud|assault|lying] [before|last year]", ""),
    (("defamation",), "{staff} [is|has been] [cooking the books|fiddling the budget|stealing] at {school}", ""),
    (("defamation",), "the head of {school} [lets|allowed] [a known abuser|a convicted sex offender] [work|volunteer] [there|with kids]", ""),
    (("defamation",), "{staff} [got|was] [a pupil|a sixth former|a 15 year old] [pregnant|into bed]", ""),
    (("defamation",), "{staff} [is an alcoholic|is on cocaine|takes drugs] and [everyone knows|the school knows]", ""),
    (("defamation",), "{school} [deliberately|knowingly] [excludes|off-rolls] SEN kids to [boost|fix] results", ""),
    (("defamation",), "{staff} [assaulted|punched|kicked] [a pupil|my son|a kid] and [lied|covered it up]", ""),
    (("defamation",), "the {school} [bursar|business manager|head] [ran off|disappeared] with [the trip money|£20k|the PTA cash]", ""),
    (("defamation",), "{staff} [is|was] [under investigation|being investigated] by the police for [child abuse|theft|grooming]", ""),
    (("defamation",), "{parent} [is|'s] [a drug dealer|dealing|selling weed] [from|outside] {school} [gates|every day]", ""),
    (("defamation",), "{staff} [only|just] got the job because [she's sleeping with|he's shagging|she's related to] the [chair of governors|head]", ""),
    (("defamation",), "{staff} [cheated|cheats] on [her|his] [husband|wife] with [a parent|one of the dads|a TA]", ""),
    (("defamation",), "{school} [faked|rigged|doctored] [its|their] Ofsted [paperwork|evidence|data]", ""),
    (("defamation",), "{staff} [stole|has stolen|nicked] [money|cash|iPads] from [the school|the charity box|the kids]", ""),
    (("defamation",), "{role} [is a|was a] [known|convicted] [thief|fraudster|criminal]", ""),
    (("defamation",), "[Everyone knows|it's common knowledge] {staff} [hits|smacks|shoves] the kids", ""),
    (("defamation",), "{staff} [lied|has lied] to [the LA|Ofsted|social services|the police] about [my child|the incident|the accident]", ""),
    (("defamation",), "{staff} [watches|looks at] [porn|dodgy stuff|indecent images] on the school computers", ""),
    (("defamation",), "{staff} [takes|took] [bribes|cash] to [get kids into|give places at] {school}", ""),
    (("defamation",), "{staff} [was|got] [fired|sacked|kicked out] from {school} for [stealing|drinking on the job|assault] [but they hid it|and they covered it up]", ""),
]  # fmt: skip

MORE_PUPIL_IMAGE: list[T] = [
    (("pupil_image",), "[omg|lol] look at [these|this lot of] {school} kids [on the bus|at the park|in town] 😂", "imgN"),
    (("pupil_image",), "[the|our] {year} [football|netball] team [smashing it|after the match] 🏆", "imgN"),
    (("pupil_image",), "who is [this|the] [kid|boy|girl] [in the red coat|with the scooter]? [he|she] [pushed|hit] my son at {school}", "img1"),
    (("pupil_image",), "[watch|look at] this [video|clip] of the {school} kids [fighting|kicking off|brawling] [lol|🤣]", "vid"),
    (("pupil_image",), "World Book Day at {school}: [all the kids|the whole class|the {year} kids] in costume 📚", "imgN"),
    (("pupil_image",), "[spotted|caught] these {school} [pupils|kids] [vaping|smoking|shoplifting] [in the park|at the shop]", "img?"),
    (("pupil_image",), "{child} and {own} at the {school} [party|disco|sleepover] 🥳", "imgN"),
    (("pupil_image",), "[recorded|filmed] the {school} [choir|assembly|concert] [today|this afternoon], [so cute|bless them]", "vid"),
    (("pupil_image",), "[this|here] is the [boy|girl|lad] from {school} who [stole|took] [my son's|DD's] [phone|bike]", "img1"),
    (("pupil_image",), "[pic|photo] of the whole {year} class [on the trip|at the zoo|at the beach] [😍|💕]", "imgN"),
    (("pupil_image",), "[birthday party|party] pics!! [all|the] {year} [gang|kids] [came|were there] 🎈", "imgN"),
    (("pupil_image",), "[new|our] {school} kids [in the paper|on the news] [today|lol], [look|see photo]", "img?"),
]  # fmt: skip

MORE_INDIVIDUAL_CHILD: list[T] = [
    (("individual_child",), "[the|that] {surname} [lad|boy|girl] [has|'s got] [behavioural issues|problems|anger issues], [everyone knows|it's obvious]", ""),
    (("individual_child",), "{child} {surname} [needs|should have] a [1:1|one to one|TA] [the way he behaves|he's uncontrollable]", ""),
    (("individual_child",), "[does anyone else's|has anyone's] kid [get|been] [hit|bitten|kicked] by {child} in {year}?", ""),
    (("individual_child",), "{child} [is being|is] [bullied|left out|picked on] [every day|constantly] and {school} [doesn't care|does nothing]", ""),
    (("individual_child",), "[poor|that poor] {child}, [her|his] [mum|dad|family] [is|are] [a mess|useless|never around]", ""),
    (("individual_child",), "{child} [from|in] {own}'s class [has|got] [nits|head lice|worms] [again|all the time]", ""),
    (("individual_child",), "[the|that] [new|naughty] [boy|girl] {child} [in|from] {year} [swears|spits|lies] [constantly|all the time]", ""),
    (("individual_child",), "{child} {surname} [is on|has] [a behaviour plan|a report card|an EHCP] [apparently|I heard]", ""),
    (("individual_child",), "[keep|please keep] your kids away from {child} {surname}, [he's|she's] [trouble|a bad influence|violent]", ""),
    (("individual_child",), "{child} [came|comes] to school [hungry|dirty|in the same clothes] [every day|all week], [social services|someone] should know", ""),
    (("individual_child",), "{parent}'s [girl|boy|daughter|son] [is|'s] [a bully|a liar|a thief] [just like her mum|like the rest of them]", ""),
    (("individual_child",), "[the|those] {surname} [kids|children|twins] [are|were] [excluded|sent home|in trouble] [again|today]", ""),
    (("individual_child",), "{child} in {year} [at|from] {school} [has|got] [diagnosed|a diagnosis of] [autism|ADHD|dyslexia] [and|but] [the school|they] [won't|don't] help", ""),
    (("individual_child",), "[what|why] is wrong with {child}? [he|she] [screams|kicks off|bites] every [morning|day] at drop off", ""),
    (("individual_child",), "{child}'s [parents|family] [are|were] [splitting up|getting divorced|in court], [no wonder|explains why] [he|she] [acts out|struggles]", ""),
]  # fmt: skip

MORE_INCITEMENT: list[T] = [
    (("incitement",), "[if you agree|if you're fed up], [email|write to] the head at {school} [today|now] and [tell her|demand answers]", ""),
    (("incitement",), "[we should|let's] [all|every parent should] [keep our kids off|pull our kids out] [on Monday|in protest]", ""),
    (("incitement",), "[please|pls] [everyone|all] [report|complain about] {staff} to [the council|the trust|the LA|Ofsted]", ""),
    (("incitement",), "[{staff}|{school}], [sort it|fix this] or I [post|put] [everything|the emails|it all] [online|on TikTok]", ""),
    (("incitement",), "[the more of us|if all of us] [complain|write in], the [quicker|sooner] {staff} [goes|is out]", ""),
    (("incitement",), "[rally|calling all] {school} parents: [complaint letter|template email] [below|in comments], [send it|copy and paste]", ""),
    (("incitement",), "I've [told|warned] {school} I'm [going to|gonna] Ofsted [if|unless] they [don't|change] [back down|the decision]", ""),
    (("incitement",), "[who|anyone] [wants to|fancy] [join|joining] [a protest|a demo] outside {school} [Friday|on Monday]?", ""),
    (("incitement",), "[we are|we're] [starting|setting up] a [campaign|group] [against|to remove] {staff} [DM me|message me]", ""),
    (("incitement",), "[give|leave] {school} [a bad|a one star|a 1*] review [everyone|guys|pls], [they deserve it|let's tank their rating]", ""),
    (("incitement",), "[parents|everyone], [don't|do not] [let them|let {school}] get away with this, [complain|kick off] [now|today]", ""),
    (("incitement",), "[tell|contact] the [papers|Gazette|press] [everyone|guys], [{school}|{staff}] [must|needs to] be [exposed|named]", ""),
]  # fmt: skip

MORE_SECURITY: list[T] = [
    (("security",), "the side door at {school} [doesn't|won't] lock [properly|anymore], just [push it|give it a shove]", ""),
    (("security",), "[staff|teachers] at {school} [leave|keep] the [gate|door] [wedged|propped] open [at lunch|for smokers|all day]", ""),
    (("security",), "[the|our] [code|keypad code] for {school} [is|= ] [the same as|still] [last year|1 2 3 4|9876]", ""),
    (("security",), "{school} [kids|little ones] [go|are taken] [to the park|swimming] [every|on] [Tuesday|Thursday] at [10|2pm] [same route|down the high street]", ""),
    (("security",), "[my|the] [key fob|fob|lanyard] [still|from last year] [gets you|opens] [into|the doors at] {school}", ""),
    (("security",), "{child} [is|gets] [collected|picked up] by [her|his] [aunt|dad|nan] [in a silver car|from the back gate] [at 3|every Friday]", ""),
    (("security",), "the [CCTV|camera] [by|at] the {school} [car park|gate] is [fake|broken|not switched on]", ""),
    (("security",), "[you can|anyone can] [climb|hop] [over|the] [the fence|fence|wall] [at|behind] {school} [easily|no bother]", ""),
    (("security",), "[no one|nobody] [signs|is signed] in at {school} [reception|after 3], [you just|just] walk in", ""),
    (("security",), "the [after school club|breakfast club] at {school} [lets|let] [anyone|whoever] [collect|take] the kids [without ID|no questions]", ""),
    (("security",), "[entry|door|gate] code [for|at] {school}: [8642|3579|1122|6060]", ""),
    (("security",), "[the|{school}'s] [front|main] [entrance|door] [is|was] [unlocked|wide open] [all day|during lessons|again]", ""),
]  # fmt: skip

MORE_CRITICISM: list[T] = [
    (("criticism",), "I [don't|do not] agree with {staff}'s [approach|decision|handling of this], and [I've|we've] [said so|emailed]", ""),
    (("criticism",), "[{school} needs to|the school should] [do better|improve] on [communication|SEN|bullying|homework]", ""),
    (("criticism",), "[Disappointed|Frustrated|Annoyed] [by|with] {school}'s [response|lack of response] to [my concerns|the petition|our letter]", ""),
    (("criticism",), "[Parent View|Ofsted Parent View] [review|feedback]: [I would not|I wouldn't] recommend {school}, [too many supply teachers|poor behaviour|weak leadership]", ""),
    (("criticism",), "[2/5|1 star|3 stars]. {school} [is|was] [okay|fine] [but|however] [the communication|the SEN support|behaviour] [is poor|needs work]", ""),
    (("criticism",), "[Honest|My honest] opinion: {staff} [is|seems] [not up to the job|out of touch|inflexible] [on this|with parents]", ""),
    (("criticism",), "[{school}|the school] [keeps|keep] [changing|moving] [the pick up time|INSET days|the rules] [with no notice|last minute], [so annoying|it's hard for working parents]", ""),
    (("criticism",), "[We|I] [raised|have raised] [a complaint|concerns] [with|to] [the governors|{school}] [about|regarding] [the bullying|SEN support|class sizes]", ""),
    (("criticism",), "[In my experience|From our experience] {school} [didn't|did not] [support|listen to] {own} [at all|properly]", ""),
    (("criticism",), "[I'm|We're] [not happy|unhappy|really not happy] with [the new head|{staff}|the changes] at {school}, [we'll see|time will tell]", ""),
    (("criticism",), "[the|{school}'s] [reading scheme|maths homework|spelling test] is [pointless|confusing|badly designed] [imo|in my view]", ""),
    (("criticism",), "[why|how come] {school} [never|doesn't] [answers|answer] the phone? [so frustrating|3 calls today]", ""),
    (("criticism",), "[Poor|Terrible|Bad] [experience|year] at {school}, [would not|wouldn't] [go back|recommend], [we moved|moving] {own}", ""),
    (("criticism",), "[tbh|honestly] {staff} [handled|dealt with] [the meeting|parents evening|my complaint] [badly|poorly], [very|quite] [defensive|dismissive]", ""),
    (("criticism",), "[they|{school}] [really|seriously] need to [sort out|fix] [the toilets|the playground|lunchtimes], [it's|its] [not good enough|a disgrace]", ""),
    (("criticism",), "[Ofsted|the inspectors] [were|was] right about {school}: [leadership|behaviour|the curriculum] [needs|requires] improvement", ""),
    (("criticism",), "[Complaint|Feedback] [sent|submitted] to {school} [about|re] [the trip cost|uniform prices|detentions], [fingers crossed|hope they listen]", ""),
    (("criticism",), "[I think|I feel|I believe] {school} [is|are] [getting it wrong|making a mistake] [with|on] [the phone ban|mixed classes|the new timetable]", ""),
]  # fmt: skip

MORE_NEUTRAL: list[T] = [
    ((), "[Thanks|Thank you] {staff} for [sorting|helping with] {own}'s [reading|transition|worries], [really appreciated|you're a star]", ""),
    ((), "[Does anyone know|Anyone know] if {school} [does|has] [breakfast club|wraparound care|a uniform swap]?", ""),
    ((), "{town} [Gazette|News]: {school} [pupils|children] [raise|raised] £[500|1,200|800] for [charity|the food bank]", ""),
    ((), "[This weather|The rain|This wind] is [killing|murdering|destroying] [me|my hair] [lol|😂|ffs]", ""),
    ((), "[lol|haha] [I'm|im] [dead|dying|crying] 😂😂 {own} [said|asked] the funniest thing", ""),
    ((), "[Shit|Crap|Bugger], [just remembered|forgot] [the|it's] [cake sale|PE kit day|trip money] [tomorrow|today]", ""),
    ((), "[what the hell|wtf|what the fuck] is [this weather|going on with the trains|this traffic] [today|lol]", ""),
    ((), "[Fuck|Fck] [me|yeah], [we|I] [made it|got] [to school|there] on time [for once|today] 🙌", ""),
    ((), "[Can't believe|Cannot believe] {own} [starts|is starting] {year} [next week|in September] 😭", ""),
    ((), "[Anyone|Does anyone] [want|need] a lift to the {school} [disco|quiz|fair]? [I'm going|got space]", ""),
    ((), "[My|Our] [Muslim|Jewish|Hindu|Christian|Sikh] [neighbours|friends] [brought round|made] [food|cake] for [Eid|the street party|Diwali], [so kind|lovely]", ""),
    ((), "{group} [are|make] [great|wonderful|brilliant] [teachers|neighbours|friends]", ""),
    ((), "[I|We] [love|really like] [living with|working with|having] {group} [in|around] {town}", ""),
    ((), "[As a|I'm a] {group_sing} [parent|mum|dad] at {school}, [I feel|we feel] [welcome|at home]", ""),
    ((), "[There are|We have] [lots of|many] {group} [in|at] {school}, [and that's great|it's a diverse school]", ""),
    ((), "[Calling|Saying] {group} [vermin|scum|animals] is [hate speech|vile|wrong], [report it|block them]", ""),
    ((), "[I don't|I do not|I'd never] hate {group}, [why would I|they're people]", ""),
    ((), "{group} [are not|aren't] [vermin|scum|the problem|criminals]", ""),
    ((), "[Someone|A man] [shouted|posted] '[I hate|kill all] {group}' [near|outside] {school}, [police called|reported it], [disgusting|shocking]", ""),
    ((), "[Stop|Please stop] [saying|posting] [that|stuff like] [{group} are scum|hate about {group}], [it's|that's] not okay", ""),
    ((), "[We|Our school] [stand|stands] with {group} [against hate|against racism|today]", ""),
    ((), "[I hate|Hate|I can't stand] [Mondays|traffic wardens|wasps|spiders|my phone|this car|Brussels sprouts] [so much|lol|tbh]", ""),
    ((), "[Waiters|Traffic wardens|Estate agents|Politicians|Referees] are [the worst|useless|so annoying] [honestly|lol]", ""),
    ((), "[The|This] [printer|car|laptop|kettle] is [a piece of shit|useless|an idiot|fucked] [again|lol]", ""),
    ((), "{own}'s [favourite|best] teacher is {staff}, [she's|he's] [amazing|fab|the best]", ""),
    ((), "[Well done|Congratulations] to [everyone|all the kids] in {year} at {school} on [the play|their SATs|sports day] 👏", ""),
    ((), "[Our|My] {school} [parents|mums] [WhatsApp|group] is [hilarious|chaos|mental] 😂", ""),
    ((), "{school} [pantomime|panto|summer show] [tickets|tix] [on sale|available] [now|from Monday]", ""),
    ((), "[RIP|Sad news:] {staff}, [a lovely|the kindest] [teacher|woman|man] at {school} for [years|decades]", ""),
    ((), "{staff} [killed|smashed|nailed] [it|the assembly|the talent show] [today|yesterday] 😂👏", ""),
    ((), "[Ofsted|The inspection] [report|result] for {school} [is out|came out]: [Good|Requires Improvement|Outstanding]", ""),
    ((), "[Meeting|Chat] with {staff} [today|this morning] [went well|was really helpful], [feel|feeling] [much better|reassured]", ""),
    ((), "[Looking for|Need] [a tutor|a childminder|after school care] near {school}, [any recommendations|DM me]", ""),
    ((), "[I'm|Im] [going to|gonna] [kill|murder] [this|the] [workout|exam|presentation] [tomorrow|today] 💪", ""),
    ((), "[Our|The] {school} [mums|dads] [football|netball] team [got destroyed|lost] [5-0|again] [lol|😂]", ""),
    ((), "{own} [wants|asked] to [invite|have] [the whole class|some friends from {school}] to [her|his] party, [help|any venue ideas]?", ""),
    ((), "[The|Our school's] code of conduct [asks|says] parents [not to|shouldn't] [share photos of other children|discuss other pupils online], [which|and that] [is fair|makes sense]", ""),
    ((), "[Reminder|PSA]: [please|pls] don't [post|share] [photos|pics] of other people's children from the {school} [play|disco|trip]", ""),
    ((), "[We've|We have] [complained|written] to {school} [through|via] the [proper|formal] [complaints procedure|channels] and [they've|they have] been [great|helpful]", ""),
    ((), "{school} [Road|Lane|Avenue] [in|near] {town} [closed|shut] [for|due to] [a burst pipe|resurfacing|an accident]", ""),
    ((), "[Lovely|Gorgeous|Beautiful] [pic|photo] of {own} [on the beach|in the garden|at the park] ☀️", "img1"),
    ((), "[the|our] new {school} [sign|mural|garden] [looks|is looking] [amazing|fab]", "img0"),
]  # fmt: skip

# Composed posts: subject + claim + tail.  The claim list is split by index like a template
# list, so held-out rows never share a claim with training rows.
DEFAMATION_SUBJECTS = [
    "{staff}",
    "{role} at {school}",
    "{staff} from {school}",
    "the head at {school}",
    "{parent}",
    "{staff} ({school})",
]
DEFAMATION_CLAIMS = [
    "is stealing from the school fund", "has been arrested for assault", "is a convicted fraudster",
    "hit a child and the school covered it up", "is having an affair with a parent", "turns up to work drunk",
    "was sacked from her last job for theft", "fiddles the test results every year", "sells drugs at the school gate",
    "takes money from the PTA for herself", "lied to the police about an assault", "abuses the kids in her class",
    "falsified the safeguarding records", "was caught with drugs in the staffroom", "forged a reference to get the job",
    "is under police investigation for fraud", "bullies the SEN children on purpose", "embezzled the pupil premium",
    "lost his last job for hitting a pupil", "is a known shoplifter", "smacked a Reception child",
    "is sleeping with the chair of governors", "faked the accident report", "pockets the trip money",
]  # fmt: skip
DEFAMATION_TAILS = [
    "",
    ", fact.",
    " and everyone knows it",
    ". Look it up",
    " - true story",
    ". 100% true",
    ", ask anyone",
    " and nobody does anything",
    "!",
]

CRITICISM_SUBJECTS = ["{school}", "{staff}", "the school", "{role}", "the new head", "{school}'s SLT"]
CRITICISM_CLAIMS = [
    "hasn't answered my email about the bullying", "handled the complaint badly", "needs to improve communication",
    "set far too much homework this term", "gave us one day's notice for the trip", "isn't supporting kids with SEN well enough",
    "made the wrong call on the uniform change", "seemed dismissive at parents' evening", "has too many supply teachers this year",
    "charges too much for trips", "doesn't take bullying seriously enough in my opinion", "got the new pick up system wrong",
    "should listen to parents more", "ignored our concerns about class sizes", "could do better on school dinners",
    "left us in the dark about the Ofsted result", "keeps changing the rules without telling parents", "was slow to deal with the head lice",
]  # fmt: skip
CRITICISM_TAILS = [
    "",
    ". Disappointed.",
    ", not good enough.",
    " imo",
    ". Complaint sent.",
    " tbh",
    ". Hope it improves.",
    " 😕",
    " - just my experience.",
]

# Neutral and warm statements that mention a protected group: without many of these, the
# group's name alone would look like abuse to a model trained on public abusive tweets.
IDENTITY_SUBJECTS = [
    "{group}",
    "Most {group}",
    "The {group} I know",
    "{group} in {town}",
    "Many {group}",
    "Our {group} neighbours",
]
IDENTITY_PREDICATES = [
    "are lovely people", "deserve respect like everyone else", "are part of our community", "are welcome at {school}",
    "make {town} a better place", "have every right to be here", "are just people", "run the best cafe in {town}",
    "are valued members of the PTA", "are as different from each other as anyone", "should feel safe at the school gate",
    "are brilliant teachers", "came to the summer fair", "helped organise the fun run", "are my friends",
    "live on our street", "work at the hospital with my mum", "are kind and generous", "belong here",
    "are no different from anyone else", "raised money for the school library", "are our friends and neighbours",
    "are doing amazing work in {town}", "should be treated with dignity",
]  # fmt: skip
IDENTITY_TAILS = ["", ".", "!", " ❤️", " and that's that", ", simple as", " 🌈", " 💕", " tbh"]
SELF_IDENTITY = [
    "I'm a {group_sing} mum at {school}", "As a {group_sing} parent I feel welcome at {school}", "I am a {group_sing} and proud",
    "My best friend is a {group_sing}", "Being a {group_sing} in {town} is mostly fine", "My wife is a {group_sing}",
    "My son's teacher is a {group_sing} and she's great", "I grew up as a {group_sing} in {town}",
    "We're a {group_sing} family new to {school}", "My neighbour is a {group_sing} and the kindest person",
    "Proud {group_sing} dad here", "Our new head is a {group_sing}",
]  # fmt: skip
HAPPY_PROFANITY = [
    "fuck yeah, sports day was amazing", "holy shit that cake sale raised £600", "damn those cupcakes were good",
    "bloody brilliant assembly today", "shit, I'm so proud of {own}", "fucking love the {school} summer fair",
    "hell yes, half term!", "what the fuck, it's Friday already?", "oh shit I forgot the PE kit again lol",
    "fuck me that was a long week", "holy crap {own} read a whole book", "ffs I've locked myself out again",
    "bloody hell {own} is growing fast", "shit the bed, the Christmas fair is tomorrow", "damn it, missed the bus",
    "fucking finally, the roadworks are done", "hell of a good nativity this year", "that was a shit film but the kids loved it",
    "pissing down again on the school run", "arse, forgot my coffee", "fucking hell it's cold this morning",
    "the bloody printer's jammed again", "crap weather for sports day", "bollocks, I left the tickets at home",
]  # fmt: skip

# Counter-speech: hateful words quoted or referred to in order to condemn them.  Not abuse.
COUNTER_PREFIXES = [
    "Saying '", "Someone at pick up said '", "Posting '", "My neighbour thinks '", "The graffiti by {school} said '",
    "A dad wrote '", "Anyone who says '", "That comment - '", "He actually tweeted '", "Why would anyone write '",
]  # fmt: skip
COUNTER_CORES = [
    "{group} are vermin", "I hate {group}", "{group} are disgusting", "{group} should go back where they came from",
    "{group} are scum", "all {group} are thieves", "{group} make me sick", "{group} are subhuman",
    "kill all {group}", "{group} are a disease", "{group} can't be trusted", "{group} don't belong here",
    "{group} are filth", "{group} ruin everything", "{group} are animals", "{group} are stupid",
]  # fmt: skip
COUNTER_SUFFIXES = [
    "' is not okay", "' - absolutely disgusting, reported", "' is hate speech, full stop", "' - we need to challenge this",
    "'. That is racist and wrong", "' should be reported to the police", "' - shameful, I called it out", "'. Vile. Blocked and reported",
    "' needs to stop", "' is unacceptable at our school", "'. I stand with {group} against this", "' - no. Just no.",
]  # fmt: skip
NEGATED_HATE = [
    "{group} are not vermin", "No {group_sing} deserves to be hurt", "I don't hate {group} at all", "{group} aren't thieves",
    "{group} are not the problem", "Nobody should want to harm {group}", "{group} are not subhuman", "I would never hurt a {group_sing}",
    "{group} aren't dirty, that's a horrible lie", "It's wrong to say {group} are stupid", "{group} don't ruin anything",
    "No one should threaten {group}", "{group} are not a disease", "Not all {group} are the same, obviously",
    "I have nothing against {group}", "{group} shouldn't be treated like criminals",
]  # fmt: skip

# People described plainly: who someone is, where they work, who they live or work with.
# A feed about a school is full of these, and "she is a ..." must not read as the start of an
# insult.  Some name a group in passing (as object, not subject): a group named is not abuse.
MENTION_LEADS = ["", "", "", "Fun fact: ", "Just found out ", "FYI ", "Update: ", "Random but "]
MENTIONS = [
    "{staff} is a teaching assistant at {school}", "her colleague at {school} is a {group_sing}",
    "his new job is at the hospital in {town}", "the new Year 3 teacher is a {group_sing}",
    "our class rep this year is a {group_sing} mum", "half the PTA committee are {group}",
    "she works with a lot of {group} at the hospital", "he is a lollipop man near {school}",
    "{school} has quite a few {group} families", "the author who visited {school} was a {group_sing}",
    "there's a {group_sing} dad on the governing body", "she is a dinner lady at {school}",
    "two of the mums I walk with are {group}", "is there a {group_sing} parents' group at {school}?",
    "{own}'s football coach is a {group_sing}", "they are both nurses at {town} General",
    "the speaker at assembly was a {group_sing} athlete", "our neighbours are {group} from {town}",
    "he is a governor and a local councillor", "the first {group_sing} head teacher in {town} started today",
    "most of the runners in the fun run were {group}", "are there many {group} in {own}'s class?",
    "she is a supply teacher covering {year}", "{own} is reading a book by a {group_sing} author",
    "we have never had a {group_sing} chair of governors", "the breakfast club is run by two {group}",
    "her husband is a {group_sing} and a PE teacher", "they are new to {town} and lovely",
    "the school nurse is also a {group_sing}", "he is the caretaker at {school}",
    "lots of {group} live on our estate", "the library talk is about {group_sing} scientists",
]  # fmt: skip
MENTION_TAILS = ["", ".", "!", " 🙂", " x", " if anyone wondered", " btw", " tbh"]
