"""What a reason may name: words and phrases of a comment that carried a label's score, grouped and filtered.

A linear model's logit is exactly the sum of its features' contributions. An explanation groups those contributions
by the words of the normalised comment (:meth:`moderation.Moderator.explain`); this module decides how:

* an n-gram inside one word counts for that word; an n-gram across words (a word bigram, a character n-gram over
  the space) is *glue* between them. Where the glue carries as much as the words themselves, the words are one
  reason, a phrase: ``"shut up"``, ``"go back to"``;
* a function word alone (``"you"``, ``"the"``, ``"back"``, ``"are"``) is never a reason: it carries weight only as
  part of a phrase;
* an identity term (``"Ukrainians"``, ``"Muslims"``, ``"gay"``) is not named when other words carry the score: the
  hateful part of "Ukrainians are subhuman animals" is "subhuman animals", not the people it is aimed at.

>>> from moderation.reasons import is_function_word, is_identity_word
>>> is_function_word("You"), is_function_word("idiot"), is_identity_word("Ukrainians")
(True, False, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["FUNCTION_WORDS", "IDENTITY_WORDS", "TextUnit", "text_units", "is_function_word", "is_identity_word"]

#: Words that never make a reason on their own: pronouns, articles, auxiliaries, prepositions, particles.
FUNCTION_WORDS = frozenset(
    """a an the this that these those there here it its it's itself
    i me my mine myself we us our ours ourselves you your yours yourself yourselves u ur ya
    he him his himself she her hers herself they them their theirs themselves one ones someone somebody anyone
    everyone everybody nobody people person guy guys folks thing things
    am is are was were be been being do does did done doing have has had having will would shall should can could
    may might must ought im i'm you're youre we're they're he's she's isn't aren't wasn't don't doesn't didn't won't
    wouldn't can't cannot couldn't shouldn't i'll you'll i've you've let's
    to of in on at by for with from up down out off over under back into onto about as than then
    and or but if so because while though although nor yet also too very just only even still really
    not no yes all any some every each both more most much many such own same other another
    what who whom whose which when where why how
    oh ah well like""".split()
)

_IDENTITY = """
gay gays lesbian lesbians bisexual bisexuals straight heterosexual homosexual homosexuals transgender trans queer
nonbinary lgbt lgbtq
muslim muslims islam islamic jew jews jewish christian christians catholic catholics protestant protestants mormon
mormons hindu hindus sikh sikhs buddhist buddhists atheist atheists evangelicals evangelical
black blacks white whites asian asians chinese indian indians korean koreans latino latinos latina latinas hispanic
hispanics mexican mexicans african africans arab arabs native indigenous aboriginal aboriginals roma gypsies
immigrant immigrants refugee refugees migrant migrants foreigner foreigners asylum seekers newcomers
disabled deaf blind autistic old young elderly woman women man men girls boys feminist feminists
russian russians ukrainian ukrainians chechen chechens american americans canadian canadians british french german
germans polish poles italian italians irish scottish english spanish portuguese greek greeks turk turks turkish
iranian iranians iraqi iraqis syrian syrians afghan afghans pakistani pakistanis palestinian palestinians israeli
israelis egyptian egyptians somali somalis nigerian nigerians ethiopian ethiopians eritrean eritreans haitian
haitians cuban cubans brazilian brazilians venezuelan venezuelans filipino filipinos vietnamese japanese kurd kurds
kurdish serb serbs serbian croat croats albanian albanians romanian romanians hungarian hungarians georgian
georgians armenian armenians azerbaijani tamil tamils uyghur uyghurs tibetan tibetans rohingya tutsi tutsis hutu
persian persians slav slavs europeans asians
liberal liberals conservative conservatives democrat democrats republican republicans leftist leftists
right-wingers socialist socialists communist communists tory tories
"""
#: Terms naming groups of people (identities, nationalities, religions, political groups).
IDENTITY_WORDS = frozenset(_IDENTITY.split())


@lru_cache(maxsize=8192)
def is_function_word(word: str) -> bool:
    """Whether ``word`` (any case) is a function word that cannot be a reason alone."""
    return word.casefold().strip("'") in FUNCTION_WORDS


@lru_cache(maxsize=8192)
def is_identity_word(word: str) -> bool:
    """Whether ``word`` (any case) names a group of people."""
    return word.casefold() in IDENTITY_WORDS


@dataclass(frozen=True)
class TextUnit:
    """A word or a phrase of the normalised comment and the contribution it carried.

    ``first`` and ``last`` index the tokens it spans (inclusive); ``words`` are those tokens' texts.
    """

    weight: float
    words: tuple[str, ...]
    first: int
    last: int

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    @property
    def has_content(self) -> bool:
        return any(not is_function_word(w) for w in self.words)

    @property
    def only_identity(self) -> bool:
        content = [w for w in self.words if not is_function_word(w)]
        return bool(content) and all(is_identity_word(w) for w in content)


#: Glue between two words makes them one phrase when it carries at least this share of the stronger word's own
#: weight (and at least ``MIN_GLUE``): "shut up" is a phrase, "you idiot" is the word "idiot".
PHRASE_GLUE = 0.25
MIN_GLUE = 0.05


def text_units(
    bounds: np.ndarray,
    words: list[str],
    start: np.ndarray,
    end: np.ndarray,
    contribution: np.ndarray,
    min_weight: float = -np.inf,
) -> list[TextUnit]:
    """Group n-gram contributions into words and phrases.

    Parameters
    ----------
    bounds : ndarray of shape (n_tokens, 2)
        Start and end offset of each word token in the padded normalised text, in order.
    words : list of str
        The tokens' texts.
    start, end : ndarray
        Span of every n-gram occurrence in the same text.
    contribution : ndarray
        Every occurrence's contribution to the label's logit.
    min_weight : float, optional
        Leave out units that carry less than this (explanations only want the ones that pushed the score up).

    Returns
    -------
    list of TextUnit
        Every word not glued to a neighbour, and every phrase, in text order (those of at least ``min_weight``).
    """
    n = len(words)
    if n == 0:
        return []
    # The tokens an occurrence overlaps: from the first token ending after its start to the last starting before
    # its end.
    first = np.searchsorted(bounds[:, 1], start, side="right")
    last = np.searchsorted(bounds[:, 0], end, side="left") - 1
    inside = (first < n) & (last >= 0) & (first <= last)
    alone_ = inside & (first == last)
    own = np.bincount(first[alone_], weights=contribution[alone_], minlength=n)
    # An occurrence over several words is shared among the boundaries it covers (first .. last - 1): added with a
    # difference array, so the cost does not depend on how many there are.
    across = inside & (first < last)
    share = contribution[across] / (last[across] - first[across])
    steps = np.bincount(first[across], weights=share, minlength=n) - np.bincount(last[across], weights=share, minlength=n)
    glue = np.cumsum(steps)[: n - 1]
    joined = (glue >= MIN_GLUE) & (glue >= PHRASE_GLUE * np.maximum(own[:-1], own[1:]))
    # A lone word also carries half the glue it shares with each neighbour.
    padded = np.concatenate([[0.0], glue, [0.0]])
    single = own + 0.5 * (padded[:-1] + padded[1:])

    units: list[TextUnit] = []
    in_phrase = np.zeros(n, dtype=bool)
    in_phrase[:-1] |= joined
    in_phrase[1:] |= joined
    # Phrases are rare: walk only their runs; the other words are taken together.
    for i in np.flatnonzero(in_phrase & ~np.concatenate([[False], joined])):
        j = i
        while j < n - 1 and joined[j]:
            j += 1
        inner = float(glue[i:j].sum())
        weight = float(own[i : j + 1].sum()) + inner
        content = [own[k] for k in range(i, j + 1) if not is_function_word(words[k])]
        # A phrase names what carried the weight: the words across which it sits (the glue), or a content word
        # that it extends ("shut up"). Function words piled before a weak word ("you are a complete") are no
        # phrase: their words are counted one by one.
        if weight > 0 and (inner >= 0.5 * weight or (content and max(content) >= weight / 3)):
            if weight >= min_weight:
                units.append(TextUnit(weight, tuple(words[i : j + 1]), int(i), int(j)))
        else:
            in_phrase[i : j + 1] = False
    for k in np.flatnonzero(~in_phrase & (single >= min_weight)):
        units.append(TextUnit(float(single[k]), (words[k],), int(k), int(k)))
    units.sort(key=lambda u: u.first)
    return units
