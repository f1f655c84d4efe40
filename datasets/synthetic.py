"""Synthetic training sentences of our own: threats, calls for violence, dehumanisation and hateful generalisations,
with contrasts that use the same targets and the same violent words without the hate.

The shared corpora hold few threats (the toxic spans mark 1,764 threat spans in 16,100 posts) and few attacks on
nationalities, so a model trained on them alone misses most of both. These templates teach the *patterns* (a
first-person intention to hurt, a wish that someone be hurt, a people called vermin or a disease) while keeping the
targets neutral: every group and every person appears as often in contrasting sentences (neutral news, reported
violence, counter-speech, negation, criticism of a government) as in hateful ones, so the target's name carries no
weight and the predicate has to.

Kept apart from the functional suite (:mod:`moderation.datasets.functional`) on purpose: other sentence frames,
other targets (no group, nationality, religion or party named in the suite is a target here), other dehumanising
nouns and other weapons and violent verbs; a test checks that no slot filler is a word of the suite and that no
generated sentence shares five words in a row with a suite comment. The suite is reported with and without this set.

>>> from moderation.datasets import synthetic
>>> frame = synthetic.training_frame()
>>> sorted(frame["kind"].unique())[:3]
['call_for_violence', 'contrast_counter_speech', 'contrast_criticism']
"""

from __future__ import annotations

import random
from itertools import product

import pandas as pd

from moderation.labels import IDENTITY_ATTACK, INSULT, LABELS, PROFANITY, SPAM, THREAT, TOXICITY

__all__ = [
    "GROUPS",
    "PERSONS",
    "FILLERS",
    "TEMPLATES",
    "SPAM_FILLERS",
    "SPAM_TEMPLATES",
    "training_frame",
    "spam_frame",
    "fillers",
    "spam_fillers",
]

# Targets: groups of people, as (plural, singular). None of them is named in the functional suite.
GROUPS: tuple[tuple[str, str], ...] = (
    ("Bulgarians", "Bulgarian"), ("Moldovans", "Moldovan"), ("Belgians", "Belgian"), ("Danes", "Dane"),
    ("Swedes", "Swede"), ("Finns", "Finn"), ("Norwegians", "Norwegian"), ("Austrians", "Austrian"),
    ("Spaniards", "Spaniard"), ("Croats", "Croat"), ("Bosnians", "Bosnian"), ("Slovaks", "Slovak"),
    ("Czechs", "Czech"), ("Latvians", "Latvian"), ("Lithuanians", "Lithuanian"), ("Estonians", "Estonian"),
    ("Kazakhs", "Kazakh"), ("Uzbeks", "Uzbek"), ("Tajiks", "Tajik"), ("Mongolians", "Mongolian"),
    ("Thais", "Thai"), ("Malaysians", "Malaysian"), ("Indonesians", "Indonesian"), ("Cambodians", "Cambodian"),
    ("Nepalese", "Nepalese"), ("Bangladeshis", "Bangladeshi"), ("Moroccans", "Moroccan"), ("Algerians", "Algerian"),
    ("Tunisians", "Tunisian"), ("Libyans", "Libyan"), ("Sudanese", "Sudanese"), ("Kenyans", "Kenyan"),
    ("Ugandans", "Ugandan"), ("Ghanaians", "Ghanaian"), ("Senegalese", "Senegalese"), ("Congolese", "Congolese"),
    ("Peruvians", "Peruvian"), ("Chileans", "Chilean"), ("Colombians", "Colombian"), ("Bolivians", "Bolivian"),
    ("Guatemalans", "Guatemalan"), ("Jamaicans", "Jamaican"), ("Baptists", "Baptist"), ("Methodists", "Methodist"),
    ("Lutherans", "Lutheran"), ("Quakers", "Quaker"), ("Jains", "Jain"), ("Zoroastrians", "Zoroastrian"),
    ("Pentecostals", "Pentecostal"), ("Rastafarians", "Rastafarian"), ("pagans", "pagan"),
    ("asexuals", "asexual"), ("intersex folk", "intersex individual"),
    ("dyslexics", "dyslexic"), ("paraplegics", "paraplegic"), ("diabetics", "diabetic"),
    ("guest labourers", "guest labourer"), ("expats", "expat"), ("seasonal labourers", "seasonal labourer"),
    ("exchange scholars", "exchange scholar"), ("centrists", "centrist"), ("populists", "populist"),
    ("Marxists", "Marxist"), ("anarchists", "anarchist"), ("monarchists", "monarchist"),
    ("progressives", "progressive"), ("unionists", "unionist"),
)

# People a threat is aimed at.
PERSONS: tuple[str, ...] = (
    "Professor Lindqvist", "Alderman Okafor", "Mrs. Delacroix", "Inspector Varga", "Dr. Nakamura", "chum",
    "sunshine", "Ms. Halvorsen", "Signor Ferreira", "Reeve Kowalczyk", "Magistrate Ostrowski",
    "Trustee Abernathy", "Sheriff Dunmore",
)

FILLERS: dict[str, tuple[str, ...]] = {
    "dehumanising": (
        "maggots", "termites", "lice", "fleas", "mongrels", "swine", "hogs", "locusts", "rodents", "worms",
        "jackals", "goblins", "bacteria", "sludge", "weeds", "mold", "slime", "vultures", "roaches", "baboons",
        "mutts", "curs",
    ),
    "trait": (
        "treacherous", "dishonest", "perverted", "conniving", "shifty", "crooked", "rotten", "deceitful", "grubby",
        "thieving", "wretched", "repulsive", "feral", "debased",
    ),
    "weapon": ("machete", "axe", "crowbar", "hammer", "pistol", "shotgun", "grenade", "petrol can", "noose"),
    "intent": (
        "gut you like a fish", "snap your neck", "bury you in the woods", "knock your teeth out", "carve you up",
        "choke you till you turn blue", "cave your ribs in", "pound you to a pulp", "make you bleed",
        "finish your miserable existence", "leave you toothless in a gutter",
    ),
    "group_fate": (
        "gunned down", "herded into pits", "annihilated", "butchered", "culled like cattle", "eliminated",
        "liquidated", "eradicated", "put to the sword", "finished off", "incinerated", "entombed",
    ),
    "wish": (
        "catches a slug", "gets his ribs crushed", "ends up in a mortuary drawer", "gets what a turncoat gets",
        "chokes on his vomit", "gets knifed behind a pub", "is fished out of the canal", "burns in his bed",
    ),
}

# Sentence frames. Slots: {G} plural group, {g} singular, {person}, {dehumanising}, {trait}, {weapon}, {intent},
# {group_fate}, {wish}. Each frame has the labels its sentences get.
_HATE = {TOXICITY: 1.0, IDENTITY_ATTACK: 1.0, INSULT: 1.0}
_HATE_THREAT = {TOXICITY: 1.0, IDENTITY_ATTACK: 1.0, THREAT: 1.0}
_PERSON_THREAT = {TOXICITY: 1.0, THREAT: 1.0}
_NONE = {TOXICITY: 0.0, IDENTITY_ATTACK: 0.0, INSULT: 0.0, THREAT: 0.0}

TEMPLATES: dict[str, tuple[dict[str, float], tuple[str, ...]]] = {
    "dehumanisation": (_HATE, (
        "{G} multiply like {dehumanising} in a drain.",
        "Calling {G} human gives them too much credit, they're {dehumanising}.",
        "{G} belong in a zoo with the other {dehumanising}.",
        "Look closely and you'll see {G} are just {dehumanising} walking upright.",
        "Every city that lets {G} in ends up swarming with {dehumanising}.",
        "{G} = {dehumanising}. End of story.",
        "I'd rather share a flat with {dehumanising} than with {G}.",
    )),
    "generalisation": (_HATE, (
        "Name one {g} who isn't {trait}. You can't.",
        "I've never met a {g} who wasn't {trait}.",
        "The problem with {G} is that they're all {trait}.",
        "Typical {G}, {trait} as always.",
        "There is no such thing as a decent {g}.",
        "{G} have no place in a decent country.",
        "Keep {G} away from our kids, they're {trait}.",
        "Why are {G} so {trait}? It's in their genes.",
        "{G} contribute nothing except being {trait}.",
        "Scratch any {g} and you'll find someone {trait}.",
    )),
    "call_for_violence": (_HATE_THREAT, (
        "Every {g} in this country should be {group_fate}.",
        "The only good {g} is one that's been {group_fate}.",
        "Grab your rifles, it's open season on {G}.",
        "Bring back the gallows and start with the {G}.",
        "I'd gladly pull the trigger on a crowd of {G}.",
        "Time to get the {weapon} out and deal with the {G} once and for all.",
        "{G} need to be {group_fate}, all of them, grannies and babies too.",
        "Honestly {G} should just be {group_fate} and nobody would care.",
    )),
    "threat_group": (_HATE_THREAT, (
        "Hey {G}, we know where you meet. Bring a coffin.",
        "Any {g} who shows up here will leave in pieces.",
        "{G}, start fleeing, because when we find you you'll be {group_fate}.",
        "Mark my words, the {G} in this town will all be {group_fate} soon.",
        "A few {G} getting {group_fate} wouldn't be the worst thing to happen.",
        "Nobody would mourn if the {G} got {group_fate}.",
        "Here's hoping the {G} quarter gets {group_fate} before spring.",
        "One spark near the {G} chapel and the problem solves itself. Just saying.",
        "I'd chip in for the petrol if someone wanted the {G} {group_fate}.",
        "Wouldn't it be lucky if the {G} on my street got {group_fate} some night.",
    )),
    "threat_person": (_PERSON_THREAT, (
        "Mark my words, {person}, I will {intent}.",
        "Keep it up, {person}, and I'll {intent}.",
        "Sleep with one eye open, {person}. I plan to {intent}.",
        "Enjoy your last days, {person}.",
        "I'm coming with a {weapon}, {person}, and I will {intent}.",
        "One of these nights I'll pay you a visit, {person}, and you'll regret it.",
        "You are a dead man walking, {person}.",
        "Here's hoping {person} {wish}.",
        "I wouldn't lose any sleep if {person} {wish}.",
        "Let's see how tough {person} is after he {wish}.",
        "{person} should check the brakes on that car more often, if you catch my drift.",
        "Funny how folks like {person} tend to vanish. Could be soon.",
        "The day {person} {wish}, I'm opening the champagne.",
        "Pass the hat for whoever deals with {person} for good.",
        "A little visit with a {weapon} is what {person} has coming.",
        "If {person} {wish}, karma did its job, and I'd gladly help karma along.",
    )),
    # Contrasts: the same targets, the same violent words, no hate and no threat.
    "contrast_neutral": (_NONE, (
        "A delegation of {G} visited the harbour museum this week.",
        "The festival will feature music by {G} from across the region.",
        "Our neighbourhood has welcomed many {G} over the past decade.",
        "A {g} won the chess tournament at the library on Saturday.",
        "I married a {g} and we spend the summers with her parents.",
        "Many {G} volunteer at the food bank on weekends.",
        "The report says {G} are among the fastest-growing groups in the census.",
        "{G} and their neighbours rebuilt the community hall after the flood.",
        "Thanks, {person}, that was a helpful answer.",
        "I agree with {person} on the zoning question.",
    )),
    "contrast_reported_violence": (_NONE, (
        "Police say a man with a {weapon} attacked two {G} outside the station; both survived.",
        "The court heard that the accused threatened to {intent}, and he was convicted.",
        "Witnesses described how the militia {group_fate} villagers in 1994.",
        "Historians estimate thousands of {G} were {group_fate} during the occupation.",
        "The documentary shows how propaganda called {G} {dehumanising} before the massacres began.",
        "Investigators found a {weapon} in the suspect's car, according to the police report.",
        "The soldier testified that his unit was ordered to leave no survivors.",
        "The film depicts a gangster who tells his rival he will {intent}.",
    )),
    "contrast_counter_speech": (_NONE, (
        "Calling {G} {dehumanising} is exactly the kind of language that comes before atrocities.",
        "Whoever wrote that {G} should be {group_fate} belongs in court, not in this comment section.",
        "I'm a {g}, and I'm tired of being called {trait} by strangers online.",
        "Please report the comment claiming {G} are {trait}, it breaks every rule here.",
        "Anyone who says a {g} should be {group_fate} is spreading hate, plain and simple.",
        "Saying {G} are {dehumanising} is bigotry, and the moderators should remove it.",
    )),
    "contrast_negation": (_NONE, (
        "It's simply false that {G} are {trait}.",
        "Contrary to what the trolls say, {G} aren't {trait} at all.",
        "My {g} friends are not {trait}, and neither are the rest of them.",
        "Nobody here wants {G} {group_fate}; that's a disgusting idea.",
        "{G} are not {dehumanising}, they're our neighbours.",
    )),
    "contrast_criticism": (_NONE, (
        "The regime in {state} jailed journalists again, and its generals should face a tribunal.",
        "The {state} army shelled civilian areas and its commanders must be held to account.",
        "The government of {state} is corrupt to the core and should resign.",
        "Sanctions on the {state} leadership are long overdue after the crackdown.",
        "The {state} junta's war crimes must be investigated by the international court.",
    )),
}

_STATES = (
    "Nicaragua", "Cambodia", "Togo", "Uganda", "Zimbabwe", "Bahrain", "Tajikistan", "Turkmenistan",
    "Laos", "Gabon", "Mali", "Burundi", "Chad", "Guinea",
)


def fillers() -> set[str]:
    """Every word that fills a slot (groups, persons, states and the filler lists), lower-cased."""
    words: set[str] = set()
    for plural, singular in GROUPS:
        words.update(plural.lower().split() + singular.lower().split())
    for person in PERSONS:
        words.update(person.lower().replace(".", "").split())
    for values in FILLERS.values():
        for value in values:
            words.update(value.lower().split())
    words.update(s.lower() for s in _STATES)
    return words


def _expand(template: str, rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        plural, singular = rng.choice(GROUPS)
        values = {
            "G": plural, "g": singular, "person": rng.choice(PERSONS), "state": rng.choice(_STATES),
            **{name: rng.choice(options) for name, options in FILLERS.items()},
        }
        text = template.format(**values)
        out.append(text[0].upper() + text[1:])
    return out


def training_frame(per_template: int = 40, seed: int = 0) -> pd.DataFrame:
    """The synthetic training rows: ``text``, every label of ``LABELS`` (NaN where a frame says nothing), ``kind``.

    Each frame is filled ``per_template`` times with randomly drawn targets and fillers (deterministic for a seed);
    repeated texts are dropped.
    """
    rng = random.Random(seed)
    rows = []
    for kind, (labels, frames) in TEMPLATES.items():
        for template in frames:
            for text in _expand(template, rng, per_template):
                rows.append({"text": text, "kind": kind, **{label: labels.get(label) for label in LABELS}})
    frame = pd.DataFrame(rows).drop_duplicates("text").reset_index(drop=True)
    for label in LABELS:
        frame[label] = frame[label].astype("float64")
    frame[PROFANITY] = frame[PROFANITY].where(frame[PROFANITY].notna(), None).astype("float64")
    return frame


# ---------------------------------------------------------------------------------------------------- comment spam
# Spam on article pages and the legitimate comments that look like it: a reader citing an official source, a long
# comment full of figures, a public helpline. The spam corpora (YouTube, SMS, Instagram) hold no such look-alikes,
# so a link or a phone number alone reads as spam. Other frames, brands, domains and phrases than the spam suite.

SPAM_FILLERS: dict[str, tuple[str, ...]] = {
    "praise": (
        "Marvellous stuff", "Loved it", "Bookmarking this gem", "Kudos to the columnist", "What a fantastic write-up",
        "Splendid summary", "Fab entry", "Couldn't have put it more clearly", "Such a charming corner of the internet",
        "Cheers for this", "Stellar stuff", "Essential, saved it",
    ),
    "trade": (
        "solar-panels", "garage-doors", "hair-transplant", "bail-bonds", "locksmith", "gutter-cleaning",
        "pest-exterminator", "kitchen-remodel", "tarot-oracle", "scrap-metal", "escort-babes", "autotrader-bot",
        "backlink-booster", "bargain-tyres", "vape-emporium",
    ),
    "tld": ("icu", "buzz", "fun", "cyou", "rest", "cam", "monster", "sbs", "click", "lol", "quest"),
    "brand": (
        "Dell", "Lenovo", "Kaspersky", "Avast", "Bitdefender", "Comcast", "Xfinity", "Verizon", "Hotmail", "Zoom",
        "Skype", "Dropbox", "Kindle", "Xerox", "Lexmark", "Garmin", "Sonos", "Linksys", "Ledger", "MetaMask",
        "Kraken", "Robinhood", "Venmo", "Zelle", "Malwarebytes",
    ),
    "trouble": (
        "not syncing", "showing 0x800f", "frozen", "disconnecting", "reimbursement stuck", "sign-in failing",
        "membership lapsed", "firmware corrupted", "balance vanished",
    ),
    "coin": ("Solana", "Cardano", "XRP", "Litecoin", "Tron", "Polkadot", "Monero", "Avalanche"),
    "messenger": ("Viber", "WeChat", "Discord", "Threema", "Skype", "Wire"),
    "mentor": ("Uncle Ignatius Cole", "Madam Petronella", "Sir Desmond Hart", "Lady Rosalind", "Coach Benedikt"),
    "foreign": (
        "Bellissimo articolo, guarda qui", "Mooi artikel, kijk op", "Articol excelent, vezi", "Skvělý článek, viz",
        "Riktigt bra, kolla in", "Nagyon jó cikk, nézd meg", "บทความดีมาก ดูที่", "Εξαιρετικό άρθρο, δείτε",
        "Чудова стаття, дивіться", "מאמר מעולה, היכנסו ל", "مقاله عالی، ببینید",
    ),
    "official": (
        "apnews.com/hub/immigration", "www.npr.org/sections/asia", "www.gao.gov/reports-testimonies",
        "ec.europa.eu/eurostat", "www.oecd.org/employment", "www.imf.org/Publications", "databank.worldbank.org",
        "www.pewresearch.org/religion", "www.cdc.gov/nchs", "www.ons.gov.uk/peoplepopulationandcommunity", "www.hrw.org/reports",
        "www.sipri.org/databases", "arxiv.org/abs/2301.01234", "www.theguardian.com/environment", "www.aljazeera.com/features",
        "www.dw.com/en/science", "www.lemonde.fr/international", "vancouver.ca/streets",
        "montreal.ca/actualites", "www2.gov.bc.ca/gov/wildfires",
    ),
    "cite": (
        "Primary document for anyone curious:", "Underlying tables:", "PDF copy:", "The verdict's wording:",
        "Peer-reviewed version:", "Unedited Q&A:", "Their method is laid out at", "Straight from the statisticians:",
    ),
    "aid": (
        "Samaritans answer 24/7 on 116 123 in the UK and Ireland.",
        "In Australia, Lifeline is 13 11 14 if you need someone to talk to.",
        "For suspected gas leaks dial 1-800-427-2200 and leave the building first.",
        "Our city's non-emergency police line is 604-717-3321; please use it for noise complaints.",
        "Anyone affected by the fire can reach the relief office at 250-387-6121 from 8 to 4.",
        "The tenants' rights clinic takes calls at 416-921-9494 on weekday mornings.",
        "If a wild animal is hurt on the road, the wildlife rescue line is 1-877-952-7277.",
        "Seniors needing a ride to the polls can phone the volunteer desk at 613-238-2101.",
    ),
}

_SPAM_YES = {SPAM: 1.0}
_SPAM_NO = {SPAM: 0.0}

SPAM_TEMPLATES: dict[str, tuple[dict[str, float], tuple[str, ...]]] = {
    "seo": (_SPAM_YES, (
        "{praise}! Ours: https://best-{trade}.{tld}",
        "{praise}. Need {trade_words}? www.{trade}-deals.{tld}",
        "{praise}, bookmarked. P.S. {trade}-pros.{tld} has 50% off this week",
        "{praise}! Check out my page www.{trade}.{tld} for more",
        "{praise}. Anyone looking for {trade_words}, try https://{trade}-near-me.{tld} :)",
    )),
    "support": (_SPAM_YES, (
        "{brand} {trouble}? Our technicians fix it remotely, ring +1 (833) 210-{n4} now.",
        "Official {brand} helpdesk: dial 1 888 402 {n4}, open round the clock.",
        "{brand} account {trouble}? Recover it at {brand_lower}-help-desk.{tld} or phone 1-855-301-{n4}.",
        "Get instant {brand} assistance, toll free 1.877.602.{n4} (24 hours).",
    )),
    "crypto": (_SPAM_YES, (
        "Grateful to {mentor}, my {coin} savings grew tenfold in a fortnight. {messenger}: {handle}",
        "I was broke until {mentor} showed me {coin} staking. Reach out on {messenger}, {handle}",
        "Earn daily passive income with {coin}, guaranteed returns, sign up at {coin_lower}-yield.{tld}",
        "Forget pensions, {coin} is the way. Ask {mentor} on {messenger} ({handle}) how I did it.",
        "Scammed before? {mentor} recovers stolen {coin} within 48 hours, contact {handle} on {messenger}.",
    )),
    "foreign_drop": (_SPAM_YES, (
        "{foreign} http://{trade}.{tld}",
        "{foreign} www.{trade}-{n2}.{tld}",
    )),
    # Look-alikes: legitimate comments with links, figures and phone numbers.
    "citation": (_SPAM_NO, (
        "{cite} https://{official}. The article leaves out the second half of it.",
        "{cite} {official} - worth comparing with what the minister said on Tuesday.",
        "I disagree with the headline. {cite} https://{official}",
        "{cite} https://{official}, table {n1} in particular.",
        "Good summary, though {official} tells a more complicated story about the same year.",
    )),
    "figures": (_SPAM_NO, (
        "Rents here went from ${n4} in {y1} to ${n4b} in {y2}, while wages rose maybe {n2}%. That gap is the story.",
        "The district spent {n3} million over {n1} years and enrolment fell by {n2} percent; someone should explain.",
        "By my count {n3} of the {n4} households surveyed said the clinic closure cost them over {n2} minutes of driving.",
        "Ridership was {n3},000 a day in {y1} and {n2},000 in {y2}; the route cuts followed, not preceded, the drop.",
        "The bridge carries about {n2},000 vehicles daily and the detour adds {n1} km each way, so roughly {n3},000 km a day.",
    )),
    "aid": (_SPAM_NO, ("{aid}", "Sharing in case it helps someone: {aid}", "{aid} Stay safe, everyone.")),
}


def spam_fillers() -> set[str]:
    """Every word of the spam fillers, lower-cased."""
    import re

    words: set[str] = set()
    for values in SPAM_FILLERS.values():
        for value in values:
            words.update(re.findall(r"[^\W\d_]+", value.lower()))
    return words


def spam_frame(per_template: int = 30, seed: int = 0) -> pd.DataFrame:
    """Synthetic spam and legitimate look-alikes: ``text``, ``spam`` (other labels NaN), ``kind``."""
    rng = random.Random(seed)
    rows = []
    for kind, (labels, frames) in SPAM_TEMPLATES.items():
        for template in frames:
            for _ in range(per_template):
                values = {name: rng.choice(options) for name, options in SPAM_FILLERS.items()}
                values.update(
                    trade_words=values["trade"].replace("-", " "), brand_lower=values["brand"].lower(),
                    coin_lower=values["coin"].lower(), handle=f"@{values['coin'].lower()}_{rng.randint(10, 99)}",
                    n1=rng.randint(2, 9), n2=rng.randint(10, 60), n3=rng.randint(100, 900), n4=rng.randint(1000, 9999),
                    n4b=rng.randint(1000, 9999), y1=rng.randint(2005, 2014), y2=rng.randint(2016, 2024),
                )
                rows.append({"text": template.format(**values), "kind": kind,
                             **{label: labels.get(label) for label in LABELS}})
    frame = pd.DataFrame(rows).drop_duplicates("text").reset_index(drop=True)
    for label in LABELS:
        frame[label] = frame[label].astype("float64")
    return frame
