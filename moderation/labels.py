"""The labels the library scores, and what each one means.

Every dataset loader maps its native columns onto these names; every model head predicts one of them.
A value is a probability in [0, 1]; a dataset that says nothing about a label leaves it missing (NaN).
"""

from __future__ import annotations

SPAM = "spam"
TOXICITY = "toxicity"
INSULT = "insult"
IDENTITY_ATTACK = "identity_attack"
THREAT = "threat"
PROFANITY = "profanity"

#: Every label a model of this library may carry, in a stable order.
LABELS: tuple[str, ...] = (SPAM, TOXICITY, INSULT, IDENTITY_ATTACK, THREAT, PROFANITY)

DESCRIPTIONS: dict[str, str] = {
    SPAM: "Unsolicited promotion, scams, link spam and bulk messages.",
    TOXICITY: "Rude, disrespectful or abusive content that makes people leave a discussion "
    "(insults, hate, threats, profanity aimed at people).",
    INSULT: "Insulting, inflammatory or negative comment towards a person or a group.",
    IDENTITY_ATTACK: "Hate or attacks aimed at people for who they are: race, ethnicity, nationality, religion, gender, "
    "sexual orientation, disability, immigrants, political groups.",
    THREAT: "An intention or wish to inflict pain, injury or violence on a person or a group, or a call to do so.",
    PROFANITY: "Swear words, curse words and other obscene language, whether or not aimed at anyone.",
}
