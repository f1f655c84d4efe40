"""An evasion test set: abusive comments whose key words are disguised the way people dodge filters.

`obfuscate` rewrites the key words of one text with one method; `evasion_set` applies every method to a list of
texts (by default the hand-written abusive comments of ``evasion_base.json``, see `base_set`) and returns rows in the
dataset schema. Everything is deterministic for a given seed. A model that scores the originals high should score
the variants high too; the library's normaliser (``moderation.text``) is what makes that possible.

Methods
-------
``spacing``     letters spaced out: ``f u c k``
``stretch``     a letter repeated: ``fuuuuck``
``leet``        i->1, o->0, e->3, a->4/@, s->5/$ (then u->v, c->(, t->7, ... for words with none of those)
``homoglyph``   Cyrillic / Greek look-alikes: а е о р с х у і ѕ ј һ ԁ ԝ (Cyrillic), κ ν υ (Greek)
``zero_width``  zero-width characters (U+200B, U+200C, U+200D, U+2060, U+FEFF) between the letters
``mixed``       a substitution (leet or homoglyph) combined with a layout change (stretch, spacing or zero-width)
"""

from __future__ import annotations

import json
import random
import re
from functools import lru_cache
from importlib import resources
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from moderation.errors import InvalidDataError
from moderation.labels import LABELS

__all__ = ["METHODS", "obfuscate", "base_set", "evasion_set"]

#: Every obfuscation method, in the order `evasion_set` applies them.
METHODS: tuple[str, ...] = ("spacing", "stretch", "leet", "homoglyph", "zero_width", "mixed")

_LEET = {"a": ("4", "@"), "e": ("3",), "i": ("1",), "o": ("0",), "s": ("5", "$")}
_LEET_FALLBACK = {"u": "v", "c": "(", "t": "7", "l": "1", "g": "9", "b": "8"}
_HOMOGLYPHS = {
    # Cyrillic
    "a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "x": "\u0445", "y": "\u0443",
    "i": "\u0456", "s": "\u0455", "j": "\u0458", "h": "\u04bb", "d": "\u0501", "w": "\u051d",
    "A": "\u0410", "B": "\u0412", "E": "\u0415", "H": "\u041d", "K": "\u041a", "M": "\u041c", "O": "\u041e",
    "P": "\u0420", "C": "\u0421", "T": "\u0422", "X": "\u0425", "Y": "\u0423",
    # Greek
    "k": "\u03ba", "v": "\u03bd", "u": "\u03c5",
}  # fmt: skip
_ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
_VOWELS = "aeiouyAEIOUY"
_WORD = re.compile(r"[^\W\d_]{3,}")


def _spacing(word: str, rng: random.Random) -> str:
    return " ".join(word)


def _stretch(word: str, rng: random.Random) -> str:
    vowels = [i for i, ch in enumerate(word) if ch in _VOWELS]
    position = rng.choice(vowels) if vowels else len(word) - 1
    return word[:position] + word[position] * rng.randint(3, 6) + word[position + 1 :]


def _leet(word: str, rng: random.Random) -> str:
    out = "".join(rng.choice(_LEET[ch.lower()]) if ch.lower() in _LEET else ch for ch in word)
    if out == word:
        out = "".join(_LEET_FALLBACK.get(ch.lower(), ch) for ch in word)
    if out == word:  # nothing to substitute: mask the middle letter, as in "h*m"
        middle = len(word) // 2
        out = word[:middle] + "*" + word[middle + 1 :]
    return out


def _homoglyph(word: str, rng: random.Random) -> str:
    swappable = [i for i, ch in enumerate(word) if ch in _HOMOGLYPHS]
    if not swappable:
        return _zero_width(word, rng)
    # Swap most, not necessarily all, look-alikes; always at least one.
    chosen = {i for i in swappable if rng.random() < 0.7} or {rng.choice(swappable)}
    return "".join(_HOMOGLYPHS[ch] if i in chosen else ch for i, ch in enumerate(word))


def _zero_width(word: str, rng: random.Random) -> str:
    return "".join(ch + (rng.choice(_ZERO_WIDTH) if i < len(word) - 1 else "") for i, ch in enumerate(word))


def _mixed(word: str, rng: random.Random) -> str:
    substitute = rng.choice((_leet, _homoglyph))
    layout = rng.choice((_stretch, _spacing, _zero_width))
    if layout is _stretch:  # stretch a real vowel before substitution hides it
        return substitute(_stretch(word, rng), rng)
    return layout(substitute(word, rng), rng)


_TRANSFORMS: dict[str, Callable[[str, random.Random], str]] = {
    "spacing": _spacing,
    "stretch": _stretch,
    "leet": _leet,
    "homoglyph": _homoglyph,
    "zero_width": _zero_width,
    "mixed": _mixed,
}


def _default_keywords(text: str) -> list[str]:
    words = _WORD.findall(text)
    return [max(words, key=len)] if words else []


def obfuscate(text: str, method: str, *, keywords: Sequence[str] | None = None, seed: int | str = 0) -> str:
    """Disguise the key words of `text` with `method`, deterministically for a given `seed`.

    Parameters
    ----------
    text : str
        The comment.
    method : str
        One of `METHODS`.
    keywords : sequence of str, optional
        The words to disguise (whole-word, case-insensitive; every occurrence). By default the longest word of
        three or more letters.
    seed : int or str, default 0
        Seeds the random choices (which vowel to stretch, ``4`` or ``@``, which zero-width character).

    Returns
    -------
    str
        The disguised text; the rest of the text is unchanged.

    Raises
    ------
    InvalidDataError
        For an unknown method, or a text that is not a string.

    Examples
    --------
    >>> obfuscate("what the fuck", "spacing", keywords=["fuck"])
    'what the f u c k'
    >>> obfuscate("you idiot", "leet", keywords=["idiot"])
    'you 1d10t'
    """
    if method not in _TRANSFORMS:
        raise InvalidDataError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if not isinstance(text, str):
        raise InvalidDataError(f"text must be a string, got {type(text).__name__}")
    transform = _TRANSFORMS[method]
    rng = random.Random(f"{seed}/{method}/{text}")
    words = list(keywords) if keywords else _default_keywords(text)
    for word in sorted(set(words), key=len, reverse=True):
        pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
        text = pattern.sub(lambda match: transform(match.group(), rng), text)
    return text


@lru_cache(maxsize=1)
def _base_items() -> tuple[dict, ...]:
    raw = resources.files(__package__).joinpath("evasion_base.json").read_text(encoding="utf-8")
    return tuple(json.loads(raw)["items"])


def base_set() -> pd.DataFrame:
    """The hand-written abusive comments of ``evasion_base.json``, in the dataset schema.

    Returns
    -------
    pandas.DataFrame
        Columns ``text``, the labels (``spam`` NaN; ``toxicity`` 1; ``insult`` 1 where aimed at a person;
        ``identity_attack`` 0), ``source`` (``"evasion_base"``), ``split``, ``group`` (the item id), ``id`` and
        ``keywords`` (list of str).

    Examples
    --------
    >>> df = base_set()
    >>> len(df) >= 60, df.toxicity.min()
    (True, np.float64(1.0))
    """
    items = _base_items()
    frame = pd.DataFrame({"text": pd.Series([item["text"] for item in items], dtype=object)})
    for label in LABELS:
        frame[label] = [float(item.get(label, np.nan)) for item in items]
    frame["source"] = "evasion_base"
    frame["split"] = pd.Series([None] * len(items), dtype=object)
    frame["group"] = pd.Series([item["id"] for item in items], dtype=object)
    frame["id"] = frame["group"]
    frame["keywords"] = [list(item["keywords"]) for item in items]
    return frame


def evasion_set(
    texts: Sequence[str] | pd.DataFrame | None = None,
    *,
    methods: Sequence[str] = METHODS,
    seed: int = 0,
    include_original: bool = True,
) -> pd.DataFrame:
    """Build the evasion test set: every text disguised with every method.

    Parameters
    ----------
    texts : sequence of str or pandas.DataFrame, optional
        The base texts. A DataFrame may carry label columns and a ``keywords`` column (list of words), which are
        kept. By default `base_set`.
    methods : sequence of str, default METHODS
        The methods to apply.
    seed : int, default 0
        Seed of every random choice; the same seed gives the same set.
    include_original : bool, default True
        Also keep each unmodified text (method ``"original"``), to compare scores before and after.

    Returns
    -------
    pandas.DataFrame
        The dataset schema (``text``, the labels, ``source`` = ``"evasion"``, ``split`` None, ``group`` = the base
        row's id) plus ``original``, ``method`` and ``base_id``. Labels come from the base rows (NaN for plain
        texts).

    Examples
    --------
    >>> df = evasion_set(["you idiot"], methods=["leet"])
    >>> df[["method", "text"]].values.tolist()
    [['original', 'you idiot'], ['leet', 'you 1d10t']]
    """
    unknown = [m for m in methods if m not in _TRANSFORMS]
    if unknown:
        raise InvalidDataError(f"methods must be among {', '.join(METHODS)}; got {unknown}")
    if texts is None:
        base = base_set()
    elif isinstance(texts, pd.DataFrame):
        if "text" not in texts:
            raise InvalidDataError(f"texts needs a 'text' column, got columns {list(texts.columns)}")
        base = texts.reset_index(drop=True)
    else:
        base = pd.DataFrame({"text": pd.Series(list(texts), dtype=object)})
    ids = base["id"].astype(str).tolist() if "id" in base else [f"t{i:04d}" for i in range(len(base))]
    keyword_lists = base["keywords"].tolist() if "keywords" in base else [None] * len(base)

    rows = []
    for position, (text, base_id, keywords) in enumerate(zip(base["text"], ids, keyword_lists)):
        variants = [("original", text)] if include_original else []
        variants += [(m, obfuscate(text, m, keywords=keywords, seed=f"{seed}/{base_id}")) for m in methods]
        for method, variant in variants:
            row = {"text": variant, "original": text, "method": method, "base_id": base_id, "position": position}
            rows.append(row)
    frame = pd.DataFrame(rows, columns=["text", "original", "method", "base_id", "position"])
    out = pd.DataFrame({"text": frame["text"].astype(object)})
    for label in LABELS:
        source_values = base[label].to_numpy(dtype="float64") if label in base else np.full(len(base), np.nan)
        out[label] = source_values[frame["position"].to_numpy(dtype=int)] if len(frame) else np.array([], float)
    out["source"] = "evasion"
    out["split"] = pd.Series([None] * len(frame), dtype=object)
    out["group"] = frame["base_id"].astype(object)
    out["original"] = frame["original"].astype(object)
    out["method"] = frame["method"].astype(object)
    out["base_id"] = frame["base_id"].astype(object)
    return out
