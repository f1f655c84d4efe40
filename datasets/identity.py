"""Neutral sentences that mention identities, for training and testing against identity-term bias.

Abuse datasets use identity words ("gay", "Muslim", "Black") far more often in abusive comments than in others, so a
model learns the word instead of the attack (Dixon et al. 2018). Two sets of our own writing counter and measure that:

- `TRAIN_TEMPLATES` crossed with `IDENTITY_TERMS` (and, where a template has one, with `RELATIONS`) give a few
  thousand neutral training rows (`training_frame`);
- `TEST_STATEMENTS`, about forty hand-written neutral statements in *other* sentence frames, held out for tests
  (`held_out_frame`): a model should score them low without having seen their frames.

No text here comes from any dataset. Both sets are deterministic.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from itertools import product

import numpy as np
import pandas as pd

from moderation.labels import IDENTITY_ATTACK, INSULT, LABELS, TOXICITY

__all__ = [
    "IdentityTerm",
    "IDENTITY_TERMS",
    "RELATIONS",
    "TRAIN_TEMPLATES",
    "TEST_STATEMENTS",
    "training_texts",
    "training_frame",
    "held_out_frame",
    "template_pattern",
]


@dataclass(frozen=True)
class IdentityTerm:
    """An identity term and the forms templates need.

    Attributes
    ----------
    term : str
        The identity word as it is looked up ("gay", "Muslim", "woman").
    adjective : str or None
        The form after "is" or before a noun ("Jewish"); None where English has none that reads naturally.
    person : str
        A singular noun phrase without article ("gay person", "Muslim", "woman").
    people : str
        The plural noun phrase ("gay people", "Muslims", "women").
    """

    term: str
    adjective: str | None
    person: str
    people: str

    @property
    def a_person(self) -> str:
        """`person` with its indefinite article ("an Arab", "a Hindu")."""
        article = "an" if self.person[0].lower() in "aeiou" else "a"
        return f"{article} {self.person}"


def _adjective(word: str, person_noun: str | None = None, people_noun: str | None = None) -> IdentityTerm:
    """A term used as an adjective, with "<word> person" / "<word> people" unless nouns are given."""
    return IdentityTerm(word, word, person_noun or f"{word} person", people_noun or f"{word} people")


IDENTITY_TERMS: tuple[IdentityTerm, ...] = (
    # sexual orientation and gender identity
    _adjective("gay"),
    IdentityTerm("lesbian", "lesbian", "lesbian", "lesbians"),
    _adjective("bisexual"),
    _adjective("straight"),
    _adjective("heterosexual"),
    _adjective("homosexual"),
    _adjective("transgender"),
    _adjective("trans"),
    _adjective("queer"),
    _adjective("nonbinary"),
    # religion and belief
    IdentityTerm("Muslim", "Muslim", "Muslim", "Muslims"),
    _adjective("Jewish"),
    IdentityTerm("Christian", "Christian", "Christian", "Christians"),
    IdentityTerm("Catholic", "Catholic", "Catholic", "Catholics"),
    IdentityTerm("Protestant", "Protestant", "Protestant", "Protestants"),
    IdentityTerm("Mormon", "Mormon", "Mormon", "Mormons"),
    IdentityTerm("Hindu", "Hindu", "Hindu", "Hindus"),
    IdentityTerm("Sikh", "Sikh", "Sikh", "Sikhs"),
    IdentityTerm("Buddhist", "Buddhist", "Buddhist", "Buddhists"),
    IdentityTerm("atheist", "atheist", "atheist", "atheists"),
    # race, ethnicity and nationality
    _adjective("Black"),
    _adjective("white"),
    _adjective("Asian"),
    _adjective("Chinese"),
    _adjective("Indian"),
    _adjective("Korean"),
    IdentityTerm("Latino", "Latino", "Latino", "Latinos"),
    IdentityTerm("Latina", "Latina", "Latina", "Latinas"),
    _adjective("Hispanic"),
    _adjective("Mexican"),
    IdentityTerm("African", "African", "African", "Africans"),
    _adjective("African American"),
    IdentityTerm("Arab", "Arab", "Arab", "Arabs"),
    _adjective("Native American"),
    _adjective("Indigenous"),
    IdentityTerm("immigrant", None, "immigrant", "immigrants"),
    IdentityTerm("refugee", None, "refugee", "refugees"),
    # disability and age
    _adjective("disabled"),
    _adjective("deaf"),
    _adjective("blind"),
    _adjective("old"),
    _adjective("young"),
    _adjective("elderly"),
    # gender
    IdentityTerm("woman", None, "woman", "women"),
    IdentityTerm("man", None, "man", "men"),
    IdentityTerm("feminist", None, "feminist", "feminists"),
)

#: People a comment writer talks about; fills the ``{relation}`` slot of some training templates.
RELATIONS: tuple[str, ...] = (
    "neighbour",
    "colleague",
    "cousin",
    "teacher",
    "dentist",
    "landlord",
    "coach",
    "nurse",
    "boss",
    "classmate",
    "barber",
    "accountant",
    "pharmacist",
    "plumber",
    "editor",
)

#: Training sentence frames. Slots: ``{adjective}``, ``{person}``, ``{a_person}``, ``{A_person}`` (capitalised),
#: ``{people}``, ``{People}``, ``{relation}``. A template with ``{adjective}`` skips terms that have none.
TRAIN_TEMPLATES: tuple[str, ...] = (
    "{A_person} wrote a letter to the editor about the new bus routes.",
    "I met {a_person} at the farmers market this morning.",
    "Speaking as {a_person}, I think the council should fix the potholes first.",
    "Our school board now includes {a_person}.",
    "The survey asked {people} how long their commute takes.",
    "{People} have lived in this valley for generations.",
    "The reporter interviewed {a_person} who owns a small bakery downtown.",
    "{People} are welcome at the community centre on Sunday afternoons.",
    "Our family friend is {a_person} who teaches piano.",
    "The library is hosting a book fair, and {people} from the area are volunteering.",
    "I was seated next to {a_person} on the train and we talked about gardening.",
    "This article quotes {a_person} who has run the hardware store for thirty years.",
    "Thanks to the {adjective} volunteers who cleaned up the park on Saturday.",
    "The {adjective} community organised a food drive for the holidays.",
    "Which {adjective} authors would you recommend for a reading group?",
    "A {adjective} couple bought the house across the street last spring.",
    "My {relation}, who is {adjective}, recommended this restaurant.",
    "Our new {relation} is {adjective} and very well organised.",
    "I asked my {relation}, who is {adjective}, what she thought of the film.",
    "My {relation} is {a_person} and plays in a jazz band on weekends.",
    "Our {relation} is {a_person} and grew up two streets from here.",
    # Gendered forms: "Black woman", "gay men" are as neutral as "Black person", and corpora use them in abuse.
    "The {adjective} women's choir will sing at the harbour festival.",
    "A {adjective} man opened a bicycle repair shop on our street.",
    "Two {adjective} women were elected to the school board last night.",
    "The article profiles a {adjective} woman who coaches the girls' hockey team.",
    "{adjective} men's health is the theme of the clinic's open day.",
    "My {relation} is a {adjective} woman with a great sense of humour.",
    "The {adjective} woman next door lends us her lawnmower every summer.",
    "A {adjective} woman chairs the hospital foundation this year.",
    "Several {adjective} men from the neighbourhood coach the youth soccer league.",
    "The bakery is run by two {adjective} women who moved here in the spring.",
)

#: Held-out neutral statements with identity terms, in frames no training template uses.
TEST_STATEMENTS: tuple[str, ...] = (
    "I am a gay man.",
    "My neighbour is Muslim.",
    "As a Black woman I agree.",
    "She is a proud transgender woman.",
    "We are Jewish and we vote.",
    "I am a lesbian and a mother of two.",
    "He is an immigrant who came here as a child.",
    "My grandmother is deaf and reads the paper every morning.",
    "I'm a Sikh engineer from Toronto.",
    "We are a Hindu family.",
    "Being bisexual is just part of my life.",
    "As an atheist, I enjoyed the debate.",
    "My husband is Mexican.",
    "I am a proud Arab American.",
    "I go to church every Sunday because I am Christian.",
    "The refugee family down the road invited us to dinner.",
    "I am old and I still ride my bike to work.",
    "Young people voted in record numbers this year.",
    "She is a blind lawyer.",
    "My daughter is queer and happy.",
    "I'm a disabled veteran.",
    "I am a feminist and a father.",
    "Asian Americans are part of this city's history.",
    "He is a Buddhist monk.",
    "My wife is Latina.",
    "I am Hispanic.",
    "I am a white man from Ohio.",
    "Our mayor is a woman.",
    "I am a nonbinary artist.",
    "I'm straight and married.",
    "My parents are Chinese.",
    "He is a Catholic priest.",
    "I am an elderly reader of this paper.",
    "We are Korean and we run a shop.",
    "I'm Native American.",
    "Being homosexual is normal.",
    "My best friend is Indian.",
    "I am an African student.",
    "She is Mormon.",
    "I was born Muslim.",
    "My brother is a trans man.",
    "I'm Indigenous and proud of it.",
)

_SOURCE_TRAIN = "identity_templates"
_SOURCE_TEST = "identity_statements"


def _fill(template: str, term: IdentityTerm, relation: str) -> str | None:
    fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    if "adjective" in fields and term.adjective is None:
        return None
    a_person = term.a_person
    return template.format(
        adjective=term.adjective,
        person=term.person,
        a_person=a_person,
        A_person=a_person[0].upper() + a_person[1:],
        people=term.people,
        People=term.people[0].upper() + term.people[1:],
        relation=relation,
    )


def training_texts() -> list[str]:
    """Every neutral training sentence: `TRAIN_TEMPLATES` x `IDENTITY_TERMS` (x `RELATIONS` where used).

    Returns
    -------
    list of str
        Deterministic order, no duplicates.

    Examples
    --------
    >>> texts = training_texts()
    >>> len(texts) > 2000, texts[0]
    (True, 'A gay person wrote a letter to the editor about the new bus routes.')
    """
    seen: dict[str, None] = {}
    for template in TRAIN_TEMPLATES:
        relations = RELATIONS if "{relation}" in template else ("",)
        for term, relation in product(IDENTITY_TERMS, relations):
            text = _fill(template, term, relation)
            if text is not None:
                seen.setdefault(text, None)
    return list(seen)


def _frame(texts: list[str], source: str) -> pd.DataFrame:
    frame = pd.DataFrame({"text": pd.Series(texts, dtype=object)})
    for label in LABELS:
        frame[label] = 0.0 if label in (TOXICITY, INSULT, IDENTITY_ATTACK) else np.nan
    frame["source"] = source
    frame["split"] = pd.Series([None] * len(texts), dtype=object)
    frame["group"] = pd.Series([None] * len(texts), dtype=object)
    return frame


def training_frame() -> pd.DataFrame:
    """The neutral training rows in the dataset schema (see `moderation.datasets.load`).

    ``toxicity``, ``insult`` and ``identity_attack`` are 0.0; ``spam`` is NaN (the sentences say nothing a spam
    model should learn from); ``source`` is ``"identity_templates"``.

    Examples
    --------
    >>> df = training_frame()
    >>> df[["toxicity", "insult", "identity_attack"]].to_numpy().max()
    np.float64(0.0)
    """
    return _frame(training_texts(), _SOURCE_TRAIN)


def held_out_frame() -> pd.DataFrame:
    """`TEST_STATEMENTS` in the dataset schema, labelled non-toxic; ``source`` is ``"identity_statements"``."""
    return _frame(list(TEST_STATEMENTS), _SOURCE_TEST)


def template_pattern(template: str) -> re.Pattern[str]:
    """A regular expression matching every sentence `template` can produce (used to prove the sets disjoint)."""
    terms = IDENTITY_TERMS
    options = {
        "adjective": [t.adjective for t in terms if t.adjective],
        "person": [t.person for t in terms],
        "a_person": [t.a_person for t in terms],
        "A_person": [t.a_person[0].upper() + t.a_person[1:] for t in terms],
        "people": [t.people for t in terms],
        "People": [t.people[0].upper() + t.people[1:] for t in terms],
        "relation": list(RELATIONS),
    }
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name:
            parts.append("(?:" + "|".join(re.escape(o) for o in sorted(options[name], key=len, reverse=True)) + ")")
    return re.compile("".join(parts), re.IGNORECASE)
