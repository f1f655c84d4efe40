"""Which language a comment is written in, and whether the model was trained on it.

The identifier is `py3langid <https://pypi.org/project/py3langid/>`_ (a maintained fork of langid.py): its
naive-Bayes model ships inside the wheel (4.5 MB), so it works offline, and it classifies a comment in about
0.1 ms. It is loaded once per process, on first use (about 1.5 s), never at import.

>>> from moderation.language import identify
>>> identify("Merci beaucoup pour cet article").language
'fr'
>>> identify("ok").language is None          # too short to tell
True

Policy for languages the model was not trained on (see :func:`is_trained`): every comment is scored, whatever its
language. Spam signals (links, link shorteners, phone numbers, hidden characters, look-alike letters) and a site's
blocked words and domains do not depend on the language and apply as usual. The abuse labels come from a model that
read only its training languages: it still catches abuse that shares their words (English insults, slurs,
obfuscated spellings), but a low abuse score in another language is weak evidence that the comment is clean.
Answers say which language was detected, so a client can send such comments to a human (the Coral phase can do it
for a site, see ``service/coral.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Detection", "identify", "is_trained", "trained_languages", "LANGUAGES", "MIN_CONFIDENCE"]

#: Languages the identifier chooses among: the widely written ones. Restricting the set (py3langid knows 97) keeps
#: short comments from being read as a rare language ("u r an idiot" is not Irish).
LANGUAGES = tuple(
    "af ar bg bn ca cs cy da de el en eo es et eu fa fi fr ga gl he hi hr hu hy id is it ja ka kk ko lt lv mk ms mt "
    "nl no pl pt ro ru sk sl sq sr sv sw ta te th tl tr uk ur vi zh".split()
)
#: Below this probability the identifier's best guess is not reported: comments of a few words are often
#: ambiguous ("Great reporting." is 0.24 English), and a wrong guess would be worse than none.
MIN_CONFIDENCE = 0.5

_identifier: Any = None
_lock = threading.Lock()


@dataclass(frozen=True)
class Detection:
    """The identified language (ISO 639-1, or None when unsure) and the identifier's probability for its guess."""

    language: str | None
    confidence: float
    guess: str

    def to_dict(self) -> dict[str, Any]:
        return {"language": self.language, "confidence": round(self.confidence, 4)}


def _load() -> Any:
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                identifier.set_languages(list(LANGUAGES))
                _identifier = identifier
    return _identifier


def identify(text: str) -> Detection:
    """The language of ``text``.

    Parameters
    ----------
    text : str

    Returns
    -------
    Detection
        ``language`` is None when the best guess has a probability below :data:`MIN_CONFIDENCE` (short or mixed
        comments, numbers, links only).
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    guess, probability = _load().classify(text)
    probability = float(probability)
    return Detection(guess if probability >= MIN_CONFIDENCE else None, probability, guess)


def trained_languages(metadata: Mapping[str, Any]) -> tuple[str, ...]:
    """The languages a model learned from: its sidecar's ``languages``, English for models that predate it."""
    languages = metadata.get("languages")
    if isinstance(languages, (list, tuple)) and languages and all(isinstance(x, str) for x in languages):
        return tuple(x.lower() for x in languages)
    return ("en",)


def is_trained(language: str | None, trained: Iterable[str]) -> bool:
    """Whether a comment in ``language`` (None: unidentified) is in one of the ``trained`` languages.

    An unidentified language counts as trained: short comments are mostly in the site's own language, and treating
    them as foreign would route every "Great reporting." to a human.
    """
    if language is None:
        return True
    base = language.lower().replace("_", "-").split("-")[0]
    return base in {t.lower().split("-")[0] for t in trained}
