"""Phrase signals: a group of people, or anyone, joined to violence or to a dehumanising word in one clause.

An n-gram model learns words: that "maggots" is hateful next to a group it saw in training does not tell it that
"cockroaches" is, next to a nationality it never saw. These signals name the *pattern* instead, with word lists a
moderator can read, and each becomes one more feature of the comment (a hashed bucket of its own, weighted by the
heads like any n-gram; see :class:`moderation.features.CommentFeatures`, ``signals=True``):

* ``group_dehumanised``: a group term (a nationality, religion, ethnicity, political group, "those people") and a
  dehumanising word ("vermin", "parasites", "subhuman", "a disease") within a few words, in either order, with no
  negation between them;
* ``group_violence``: a group term and a violence word ("killed", "wiped out", "shot", "exterminated") within a few
  words;
* ``violence_wish``: a wish, an intention or a call ("should", "must", "I'll", "hope", "let's", "time to") shortly
  before a violence word: a call for violence or a threat, whoever it is aimed at;
* ``group_generalisation``: a group term and a word that says what hate says of a group (criminals, inferior, an
  invasion, "hate", "deport", "belong") within a few words, with no negation before or between them;
* ``threat_phrase``: a fixed phrase that threatens without naming the harm ("watch your back", "we know where you
  live", "your days are numbered");
* ``slur``: a word that insults people for what they are.

A signal's span covers its words, so an explanation names the phrase that made it ("Russians should be wiped
out"). The heads learn each signal's weight from labeled data, where reported violence, counter-speech and negated
hate use the same words without the hate: the signals are evidence, never a verdict.

>>> find_signals("they say russians are vermin and should all be shot")
[('group_dehumanised', 'russians are vermin'), ('violence_wish', 'should all be shot')]
>>> find_signals("russians are not vermin")
[]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .reasons import IDENTITY_WORDS

__all__ = ["SIGNALS", "GROUP_WORDS", "DEHUMANISING_WORDS", "VIOLENCE_WORDS", "GENERALISING_WORDS", "SLURS",
           "WISH_WORDS", "THREAT_PHRASES", "signal_spans", "find_signals"]

#: The signals, in the order of their feature numbers.
SIGNALS: tuple[str, ...] = ("group_dehumanised", "group_violence", "violence_wish", "group_generalisation",
                            "threat_phrase", "slur")

# Demonyms and other names of peoples, besides the identity terms reasons.py knows (plural forms; the singular of
# most is the same word without the final "s").
_PEOPLES = """
afghans albanians algerians americans angolans argentinians armenians australians austrians azerbaijanis
bangladeshis belarusians belgians beninese bolivians bosnians brazilians britons bulgarians burmese burundians
cambodians cameroonians canadians chadians chileans chinese colombians congolese croats cubans cypriots czechs
danes dutch dutchmen ecuadorians egyptians emiratis englishmen eritreans estonians ethiopians europeans fijians
filipinos finns frenchmen gabonese gambians georgians germans ghanaians greeks guatemalans guineans haitians
hondurans hungarians icelanders indians indonesians iranians iraqis irishmen israelis italians ivorians jamaicans
japanese jordanians kazakhs kenyans koreans kosovars kurds kuwaitis kyrgyz laotians latvians lebanese liberians
libyans lithuanians macedonians malagasy malawians malaysians malians maltese mauritanians mexicans moldovans
mongolians montenegrins moroccans mozambicans namibians nepalese nepalis nicaraguans nigerians nigeriens norwegians
omanis pakistanis palestinians panamanians paraguayans persians peruvians poles portuguese qataris romanians
russians rwandans salvadorans samoans saudis scots senegalese serbs sierra slovaks slovenes slovenians somalis
spaniards sudanese swedes swiss syrians taiwanese tajiks tanzanians thais togolese tunisians turks turkmen
ugandans ukrainians uruguayans uzbeks venezuelans vietnamese welsh yemenis zambians zimbabweans
arabs berbers bedouins chechens circassians cossacks gypsies roma romani sami tatars tibetans uyghurs rohingya
pashtuns punjabis sikhs tamils sinhalese hutus tutsis yazidis druze maoris aborigines inuit
muslims moslems jews christians catholics protestants hindus buddhists atheists mormons baptists methodists
lutherans evangelicals orthodox quakers jains zoroastrians pagans shias shiites sunnis wahhabis
blacks whites asians latinos hispanics natives migrants immigrants refugees foreigners aliens illegals
gays lesbians homosexuals transgenders trannies queers bisexuals feminists women females
leftists liberals conservatives democrats republicans socialists communists marxists progressives
cripples autistics schizophrenics amputees paraplegics dwarfs midgets
"""
_GROUP_PLURALS = frozenset(_PEOPLES.split())
# Identity terms that in most sentences name no group ("an old man", "a white car", "young", "straight ahead").
_NOT_GROUPS = frozenset("old young man woman straight white black native trans blind deaf english french indian "
                        "turkish polish german spanish chinese japanese american british irish scottish".split())
#: Words that name a group of people (either number): the identity terms of explanations plus demonyms.
GROUP_WORDS = (frozenset(IDENTITY_WORDS) - _NOT_GROUPS) | _GROUP_PLURALS | {
    w[:-1] for w in _GROUP_PLURALS if w.endswith("s")}
# Two-word group terms: "those people", "your kind".
_GROUP_LEADS = frozenset("those these such".split())
_GROUP_HEADS = frozenset("people folk folks lot kind types".split())

#: Words that call people animals, pests, dirt or a disease.
DEHUMANISING_WORDS = frozenset("""
animal animals beast beasts brute brutes savage savages barbarian barbarians subhuman subhumans sub-human
sub-humans untermensch untermenschen vermin pest pests parasite parasites leech leeches rat rats rodent rodents
cockroach cockroaches roach roaches insect insects bug bugs lice louse flea fleas tick ticks maggot maggots worm
worms termite termites locust locusts pig pigs swine hog hogs dog dogs mongrel mongrels mutt mutts cur curs ape apes
monkey monkeys baboon baboons gorilla gorillas chimp chimps hyena hyenas jackal jackals vulture vultures snake snakes
serpent serpents goblin goblins demon demons monster monsters creature creatures livestock cattle
cancer tumour tumor disease plague infestation bacteria
filth scum trash garbage rubbish sewage sludge slime mold mould weed weeds excrement
""".split())

#: Words that name killing, maiming or destroying people.
VIOLENCE_WORDS = frozenset("""
kill kills killed killing murder murders murdered murdering slaughter slaughtered slaughtering massacre massacred
exterminate exterminated exterminating extermination eradicate eradicated eradicating eliminate eliminated
annihilate annihilated wipe wiped wiping butcher butchered execute executed execution hang hanged hanging lynch
lynched lynching shoot shot shooting gun gunned bomb bombed bombing nuke nuked nuking gas gassed burn burned burnt
burning torch torched stab stabbed stabbing behead beheaded cull culled culling liquidate liquidated purge purged
drown drowned strangle strangled die dies died dead death deaths bullet bullets rope noose gallows genocide
slit shred crush crushed incinerate incinerated bury buried beat beaten
""".split())

#: What a hateful generalisation says of a group: crimes, vices, inferiority, hatred, not belonging, invasion.
GENERALISING_WORDS = frozenset("""
criminals criminal thieves thief rapists rapist terrorists terrorist murderers killers thugs gangsters lazy stupid
dumb dirty filthy disgusting inferior worthless evil primitive backward ignorant violent greedy sneaky liars
cheats frauds degenerate degenerates perverts pervert perverted paedophiles pedophiles predators treacherous
dishonest conniving shifty crooked rotten deceitful grubby thieving wretched repulsive feral debased vile
hate hating despise loathe detest ruin ruining ruined destroying invading invasion invaders infest infesting
swarm swarming breed breeding deport deported deportation expel kick ban banned unwelcome belong
burden burdens useless drain defective freaks
""".split())

#: Slurs: words that insult people for what they are.
SLURS = frozenset("""
nigger niggers nigga niggas faggot faggots fag fags dyke dykes tranny trannies shemale shemales kike kikes yid yids
heeb heebs spic spics wetback wetbacks beaner beaners chink chinks gook gooks jap japs chinaman towelhead
towelheads raghead ragheads sandnigger sandniggers paki pakis coon coons jigaboo darkie darkies wog wogs wop wops
dago dagos kaffir kaffirs redskin redskins injun injuns halfbreed halfbreeds mongoloid mongoloids retard retards
spastic spastics spaz cripple muzzie muzzies mussie mussies gyppo gyppos pikey pikeys libtard libtards feminazi
feminazis
""".split())

#: Words that make what follows a wish, an intention or a call.
WISH_WORDS = frozenset("""
should shall must need needs ought deserve deserves deserved hope hoping wish wishing pray praying gonna will 'll
i'll we'll let's lets time someone somebody
""".split())

_NEGATIONS = frozenset("not no never nobody none nothing isn't aren't wasn't weren't don't doesn't didn't n't "
                       "neither nor".split())
_CLAUSE_END = frozenset(".!?;")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9'\-]*|[.!?;]")

# Most words of a comment between a group term and a dehumanising or violence word, and between a wish and the
# violence word it is about.
_GROUP_WINDOW = 6
_WISH_WINDOW = 4
_PARTNERS = DEHUMANISING_WORDS | VIOLENCE_WORDS | GENERALISING_WORDS
_GATE = _PARTNERS | SLURS
_GROUP_GATE = GROUP_WORDS | _GROUP_HEADS
# Words before a predicate that negate it ("I don't hate them"): looked for up to this many words before it.
_NEGATION_REACH = 3

#: Fixed phrases that threaten without naming the harm.
THREAT_PHRASES = (
    r"watch (?:your|his|her|their) back", r"(?:we|i) know where (?:you|he|she|they) (?:live|sleep|work)",
    r"(?:your|his|her|their) days are numbered", r"(?:you're|you are|he's|he is|she's|she is) (?:a )?dead (?:man|meat)",
    r"dead (?:man|woman) walking", r"(?:you|he|she|they)(?:'ll| will) pay for", r"(?:you|he|she)(?:'ll| will) regret",
    r"sleep with one eye open", r"accidents happen", r"(?:would|it'd) be a (?:shame|pity) if",
    r"(?:coming|come) for (?:you|him|her|them)", r"hunt (?:you|him|her|them) down",
    r"(?:pay|paying) (?:you|him|her|them) a (?:little )?visit", r"body bags?", r"six feet under",
    r"(?:in|into) a (?:coffin|box|ditch|shallow grave)", r"line (?:them|you) up", r"lined up against",
    r"round (?:them|'em) up", r"(?:what's|what is) coming to (?:you|him|her|them)",
    r"won't see (?:it|what's) coming", r"(?:your|his|her) last (?:day|days|breath|mistake)",
    r"(?:leave|leaves|left) in pieces", r"check (?:the|your|his|her) brakes",
)
_THREAT_PHRASE = re.compile(r"(?<![a-z'])(?:" + "|".join(THREAT_PHRASES) + r")(?![a-z])")
# Every match of THREAT_PHRASES holds one of these strings: the regular expression runs only where one occurs.
_THREAT_ANCHORS = (
    "watch ", "know where ", "days are numbered", "dead ", "pay for", "regret", "one eye open", "accidents happen",
    "be a ", "coming for", "come for", "hunt ", "visit", "body bag", "six feet under", "a coffin", "a box", "a ditch",
    "a shallow grave", "line ", "lined up against", "round ", "coming to", "won't see", " last ", "in pieces",
    "brakes",
)
# ASCII characters that end a word of _TOKEN, as spaces.
_NON_WORD = str.maketrans({chr(c): " " for c in range(128) if chr(c) not in "abcdefghijklmnopqrstuvwxyz0123456789'-"})


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


# A group word right before one of these names an institution, not a people ("the Russian army").
_INSTITUTIONS = frozenset("""
government governments regime regimes state states army armies military troops soldiers forces navy police
president presidents prime minister ministers leader leaders leadership officials authorities junta parliament
embassy media party parties elite elites oligarchs generals commanders administration court courts
""".split())


def _groups(tokens: list[tuple[str, int, int]]) -> list[tuple[int, int]]:
    """(first, last) token of every group term (not those naming an institution)."""
    out = []
    for i, (word, _, _) in enumerate(tokens):
        if i + 1 < len(tokens) and tokens[i + 1][0] in _INSTITUTIONS:
            continue
        if word in GROUP_WORDS:
            out.append((i, i))
        elif word in _GROUP_HEADS and i and tokens[i - 1][0] in _GROUP_LEADS:
            out.append((i - 1, i))
    return out


def _clear_between(tokens: list[tuple[str, int, int]], a: int, b: int, negation: bool) -> bool:
    """No clause end strictly between tokens ``a`` and ``b`` (and, with ``negation``, no negation there nor in the
    few words before ``a``)."""
    if negation:
        before = [w for w, _, _ in tokens[max(0, a - _NEGATION_REACH) : a]]
        cut = max((i for i, w in enumerate(before) if w in _CLAUSE_END), default=-1)
        if any(w in _NEGATIONS or w.endswith("n't") for w in before[cut + 1 :]):
            return False
    for word, _, _ in tokens[a + 1 : b]:
        if word in _CLAUSE_END or (negation and (word in _NEGATIONS or word.endswith("n't"))):
            return False
    return True


def _words(text: str) -> set[str]:
    """The set of words :data:`_TOKEN` finds in ``text`` (cheaply for ASCII text, which most comments are)."""
    if text.isascii():
        split = text.translate(_NON_WORD).split()
        if "'" not in text and "-" not in text:
            return set(split)
        return {w.lstrip("'-") for w in split} - {""}
    return {w for w in _TOKEN.findall(text) if w not in _CLAUSE_END}


def signal_spans(text: str) -> Iterator[tuple[int, int, int]]:
    """Every signal in a normalised comment: (signal number in :data:`SIGNALS`, start, end offset in ``text``).

    At most one span per signal and group term (the nearest partner word), and one per wish. Most comments hold
    none, and are let through after a few substring tests and one set intersection.
    """
    if any(anchor in text for anchor in _THREAT_ANCHORS):
        for match in _THREAT_PHRASE.finditer(text):
            yield 4, match.start(), match.end()
    words = _words(text)
    if _GATE.isdisjoint(words):
        return
    has_slur = not SLURS.isdisjoint(words)
    has_groups = not _GROUP_GATE.isdisjoint(words) and not _PARTNERS.isdisjoint(words)
    has_wish = not WISH_WORDS.isdisjoint(words) and not VIOLENCE_WORDS.isdisjoint(words)
    if not (has_slur or has_groups or has_wish):
        return
    tokens = _tokens(text)
    if has_slur:
        for word, start, end in tokens:
            if word in SLURS:
                yield 5, start, end
    kinds = [(DEHUMANISING_WORDS, 0, True), (VIOLENCE_WORDS, 1, False), (GENERALISING_WORDS, 3, True)]
    for first, last in _groups(tokens) if has_groups else ():
        for lexicon, number, negation in kinds:
            near = [k for k in range(max(0, first - _GROUP_WINDOW), min(len(tokens), last + _GROUP_WINDOW + 1))
                    if (k < first or k > last) and tokens[k][0] in lexicon]
            for k in sorted(near, key=lambda k: abs(k - first)):
                a, b = (k, first) if k < first else (last, k)
                if _clear_between(tokens, a, b, negation):
                    lo, hi = min(k, first), max(k, last)
                    yield number, tokens[lo][1], tokens[hi][2]
                    break
    wished = set()  # violence words already claimed by an earlier wish ("someone should shoot": one span)
    for i, (word, _, _) in enumerate(tokens) if has_wish else ():
        if word in WISH_WORDS:
            for k in range(i + 1, min(len(tokens), i + _WISH_WINDOW + 2)):
                if tokens[k][0] in _CLAUSE_END:
                    break
                if tokens[k][0] in VIOLENCE_WORDS:
                    if k not in wished and _clear_between(tokens, i, k, True):
                        wished.add(k)
                        yield 2, tokens[i][1], tokens[k][2]
                    break


def find_signals(text: str) -> list[tuple[str, str]]:
    """The signals of a normalised comment as (name, the words that made it), in order of their kind."""
    found = sorted(signal_spans(text), key=lambda s: (s[0], s[1]))
    return [(SIGNALS[n], text[a:b]) for n, a, b in found]
