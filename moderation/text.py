"""Pure text normalisation, shared by training and scoring.

Everything here is a function of its input only: no state, no model. The same ``normalise`` runs when a model is
trained and when it scores, so a model never sees a form of text at scoring time that it did not see in training.

What it undoes, in order:

1. lone surrogates, NUL and other control characters; over-long input is cut to ``MAX_CHARS``;
2. HTML: entities are unescaped, tags removed (a link's ``href`` is kept as text);
3. Unicode compatibility forms (NFKC): full-width and "fancy font" letters become plain letters;
4. invisible characters: zero-width spaces and joiners, soft hyphens, bidi controls, BOMs;
5. case (casefold);
6. look-alike letters: Cyrillic and Greek homoglyphs inside otherwise Latin words;
7. URLs, e-mail addresses and @mentions become placeholder tokens (a URL keeps its domain);
8. leetspeak inside words (``id10t`` -> ``idiot``, ``b!tch``, ``a$$``), and masked words: a word whose letters are
   partly replaced by ``*`` or ``#`` is read as the one profane word or slur it can spell (``f*ck``, ``f***``,
   ``sh*t``, ``a**hole``, ``f***ing`` -> ``fuck``, ``fuck``, ``shit``, ``asshole``, ``fucking``);
9. spaced-out words (``f u c k``, ``f.u.c.k``) are joined;
10. stretched letters (``fuuuuck``, ``stuuupid``) are shortened;
11. digits become ``0`` (numbers keep their shape, not their value) and white space is collapsed.

>>> normalise("You are an ID10T!!! Visit http://bit.ly/x")
'you are an idiot!! visit zzurl bit.ly'
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import NamedTuple

__all__ = [
    "MAX_CHARS",
    "PLACEHOLDERS",
    "TextStats",
    "normalise",
    "normalise_with_stats",
    "find_urls",
    "url_domain",
    "SHORTENER_DOMAINS",
]

#: Longer inputs are cut to this many characters before anything else (the head of a comment carries its intent,
#: and the cut keeps the cost of one comment bounded).
MAX_CHARS = 10_000

#: Placeholder tokens the normaliser writes, and what they stand for in an explanation.
PLACEHOLDERS = {
    "zzurl": "a link",
    "zzemail": "an e-mail address",
    "zzmention": "an @mention",
}

SHORTENER_DOMAINS = frozenset(
    """bit.ly bitly.com tinyurl.com goo.gl t.co ow.ly is.gd buff.ly cutt.ly rb.gy shorturl.at tiny.cc rebrand.ly
    t.ly s.id v.gd lnkd.in bl.ink short.io shorte.st adf.ly linktr.ee tr.im qr.ae""".split()
)

_SURROGATES = re.compile("[\ud800-\udfff]")
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)\b([^<>]{0,500})>|<!--.*?-->", re.S)
_HREF = re.compile(r"""href\s*=\s*["']?([^"'\s>]+)""", re.I)

# Characters that render as nothing (or only change direction) and so hide a word from a filter.
_INVISIBLE = dict.fromkeys(
    [0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180E, 0x3164, 0xFEFF, 0xFFA0]
    + list(range(0x200B, 0x2010))
    + list(range(0x202A, 0x202F))
    + list(range(0x2060, 0x2070))
    + list(range(0xFE00, 0xFE10))
    + list(range(0xE0000, 0xE0080)),
    None,
)
# Control characters other than tab and newline are removed; tab and newline become spaces later.
_HIDDEN_IN_WORD = re.compile(
    "(?<=\\w)[" + "".join(re.escape(chr(c)) for c in _INVISIBLE) + "]+(?=\\w)"
)
_CONTROLS = dict.fromkeys([c for c in range(0x20) if c not in (9, 10, 13)] + list(range(0x7F, 0xA0)), None)
_DELETE = {**_INVISIBLE, **_CONTROLS}

# Cyrillic and Greek letters that look like Latin ones (after casefold).
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
        "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ɡ": "g", "һ": "h",
        "ԛ": "q", "ѡ": "w", "ա": "w", "ո": "n", "ս": "u", "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i",
        "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "ϲ": "c",
        "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ԝ": "w", "ɑ": "a", "ɩ": "i", "ʋ": "u", "ѵ": "v", "ԍ": "g",
        # small capitals, common in "fancy text" generators (NFKC leaves them alone)
        "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j",
        "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u",
        "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
    }
)
_CONFUSABLE = "".join(chr(c) for c in _HOMOGLYPHS)
_LATIN = re.compile(r"[a-z]")
_LOOKALIKE = re.compile(f"[{_CONFUSABLE}]")
_LOOKALIKE_WORD = re.compile(rf"\w*[{_CONFUSABLE}]\w*")
# Spaced-out words ("f u c k", "1 d 1 0 t"): single letters, leet characters or look-alikes, one separator.
_SPACED_CHAR = "a-z0134579@$!"
_SPACED = re.compile(
    rf"(?<![\w@$!])[{_SPACED_CHAR}{_CONFUSABLE}]([ .\-_*·•]{{1,2}})[{_SPACED_CHAR}{_CONFUSABLE}]"
    rf"(?:\1[{_SPACED_CHAR}{_CONFUSABLE}]){{1,}}(?![\w@$!])"
)
_MIXED_WORD = re.compile(
    rf"\w*(?:[a-z0-9]\w*[{_CONFUSABLE}]|[{_CONFUSABLE}]\w*[a-z0-9])\w*"
)

_URL = re.compile(
    r"(?:\b(?:https?://|www\.)[^\s<>\"']+)"
    r"|(?:\b[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63})*\.(?:com|net|org|info|biz|ly|co|io|me|gl|gd|cc|ru|tk|xyz|top"
    r"|site|online|club|link|ee|at|im|us|uk|de|in|to|tv)\b(?:/[^\s<>\"']*)?)",
    re.I,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_MENTION = re.compile(r"(?<![\w@$!])@\w{2,}")

# Leetspeak: digits and symbols between letters, and $ or @ at a word's edge next to letters.
_LEET_MAP = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i",
                           "|": "l", "€": "e", "9": "g", "8": "b", "(": "c"})
_LEET_INNER = re.compile(r"(?<=[a-z])[0134579@$!|€8(]{1,8}(?=[a-z])")  # long runs are stretched leet: h11111t
# At a word's edge: a trailing run holding $ or @ (l3$5), a leading $ or @ ($hit, @ss), and a leading digit before
# three letters (5tupid, 1diot; not 1st or 4th). The two kinds are gated separately: each is rare.
_LEET_SYMBOL_EDGE = re.compile(r"(?<=[a-z])(?=[0134579@$]{0,2}[$@])[0134579@$]{1,3}(?![\w$@])|(?<![\w$@])[$@](?=[a-z]{2})")
_LEET_DIGIT_EDGE = re.compile(
    r"(?<![\w$@!])[0134579!](?=[a-z]{3})"  # a leading digit before three letters: 5tupid, 1diot (not 1st, 4th)
    r"|(?<=(?<![\w$@])[a-z])(?<=[a-z])[0134579]{2,3}(?![\w$@])"  # one letter, then digits: p155, a55
    r"|(?<=[a-z]{3})[013](?![\w$@])"  # three letters, then 0, 1 or 3: asshol3, 1mb3c1l3 (not mp3, covid19)
)
_LEET_DIGIT_GATE = re.compile(r"[0134579!][a-z]{3}|[a-z][0134579]{2,3}\b|[a-z]{3}[013]\b")

# Masked words: letters, at least one "*" or "#" standing for letters, starting with a letter ("f*ck", "f***",
# "a**hole"); "*emphasis*" and "#hashtag" start with the mask and are left alone.
_MASKED = re.compile(r"(?<![\w*#])[a-z][a-z*#]*[*#][a-z*#]*(?![\w*#])")
# The words a mask may stand for, in order of preference where a shape fits several ("s**t": shit before slut).
_MASKABLE_STEMS = (
    "fuck shit ass bitch cunt dick cock piss crap damn hell bastard prick twat wank slut whore pussy bollocks "
    "motherfuck bullshit asshole arsehole dickhead shithead jackass dumbass fag faggot nigger nigga retard "
    "tranny dyke kike spic chink"
).split()
_MASK_SUFFIXES = ("", "s", "es", "ing", "in", "er", "ers", "ed", "y", "ty", "head", "hole", "face", "wit", "off")


def _maskable_words() -> dict[tuple[int, str], list[str]]:
    by_shape: dict[tuple[int, str], list[str]] = {}
    for stem in _MASKABLE_STEMS:
        for suffix in _MASK_SUFFIXES:
            word = stem + suffix
            key = (len(word), word[0])
            if word not in by_shape.get(key, []):
                by_shape.setdefault(key, []).append(word)
    return by_shape


_MASKABLE = _maskable_words()

# Abusive words that leetspeak hides; a token whose characters can each be read as the letter in the same place of
# one of these words is read as that word ("455h0l3" -> "asshole", "dvm8" -> "dumb", "fv(k" -> "fuck").
_LEET_WORDS = tuple(
    sorted({w for words in _MASKABLE.values() for w in words} | set(
        "idiot idiots stupid dumb moron morons ugly loser losers jerk jerks retard retarded scum trash pathetic "
        "worthless clown clowns freak freaks kill die hate whore slut bitch bastard".split()))
)
_LEET_TOKEN_GATE = re.compile(r"[a-z][0-9@$!(|€]|[0-9@$!(|€][a-z]")
_LEET_CHAR = re.compile(r"[0-9@$!(|€]")
_LEET_CHARS = frozenset("0123456789@$!(|€")
_LEET_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789@$!(|€")
# "v" for "u" alone ("fvck", "dvmb"): only the abusive words it can spell, so "vivid" and "dvd" stay.
_V_FOR_U = {w.replace("u", "v"): w for w in _LEET_WORDS if "u" in w}
_V_CANDIDATE = re.compile(r"[a-z]*v[a-z]*")
# The letter triples around the "v" of those spellings ("fvc", "dvm"): rare in English, so most texts are let
# through after a few substring searches.
_V_GATE = tuple(sorted({w[max(i - 1, 0) : i + 2] for w in _V_FOR_U for i, ch in enumerate(w) if ch == "v"}))
# Each character's class: a letter and the leet characters that read as it share one ("1", "!", "|", "i", "l" all
# read as i or l), so a token reads as a word exactly when their classes agree: one dictionary lookup per token.
_LEET_CLASS = str.maketrans({"4": "a", "@": "a", "3": "e", "€": "e", "1": "i", "!": "i", "|": "i", "l": "i", "0": "o",
                             "5": "s", "$": "s", "7": "t", "9": "g", "8": "b", "(": "c", "v": "u"})
_LEET_BY_CLASS: dict[str, str] = {}
for _word in _LEET_WORDS:
    _LEET_BY_CLASS.setdefault(_word.translate(_LEET_CLASS), _word)


def _read_leet(token: str) -> str:
    if not any("a" <= ch <= "z" for ch in token):
        return token
    return _LEET_BY_CLASS.get(token.translate(_LEET_CLASS), token)


def _read_leet_words(text: str) -> str:
    """Every token holding a leet character, read as the abusive word it spells where there is one."""
    pieces, last, done = [], 0, -1
    for match in _LEET_CHAR.finditer(text):
        at = match.start()
        if at < done:
            continue
        start, end = at, at + 1
        while start > 0 and text[start - 1] in _LEET_TOKEN_CHARS:
            start -= 1
        while end < len(text) and text[end] in _LEET_TOKEN_CHARS:
            end += 1
        done = end
        token = text[start:end]
        word = _read_leet(token)
        if word != token:
            pieces += [text[last:start], word]
            last = end
    return "".join(pieces) + text[last:] if pieces else text


def _read_v_for_u(text: str) -> str:
    hits = {w for w in _V_CANDIDATE.findall(text) if w in _V_FOR_U}
    if not hits:
        return text
    return re.sub(r"\b(?:" + "|".join(map(re.escape, hits)) + r")\b", lambda m: _V_FOR_U[m.group(0)], text)


def _unmask(match: re.Match[str]) -> str:
    token = match.group(0)
    for word in _MASKABLE.get((len(token), token[0]), ()):
        if all(t in "*#" or t == w for t, w in zip(token, word)):
            return word
    return token


# Letters rarely doubled in English are squeezed from two repeats; any other character from three.
_STRETCH = re.compile(r"(\D)\1+")
_RARELY_DOUBLED = frozenset("uiahkwxjqvy")
_LEET_GATE = re.compile(r"[a-z][0134579@$!|€8(]")
_URL_GATE = re.compile(r"://|www\.|[a-z0-9]\.[a-z]{2}")
_ASCII_UPPER = bytes(range(65, 91))
_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))
_LETTER = re.compile(r"[^\W\d_]")
_UPPER = re.compile(r"[A-Z\u00c0-\u00de\u0391-\u03a9\u0410-\u042f]")
_DIGITS = re.compile(r"\d")


class TextStats(NamedTuple):
    """Facts about the raw text that normalisation erases but a classifier or a moderator may want."""

    n_chars: int  # length of the raw input
    n_links: int
    n_shorteners: int
    n_emails: int
    n_mentions: int
    upper_ratio: float  # share of capital letters among letters
    n_invisible: int  # invisible characters removed
    n_fancy: int  # characters changed by NFKC (fancy fonts, full width)
    n_homoglyph_words: int  # words mixing Latin and look-alike letters
    n_html_tags: int
    truncated: bool


def find_urls(text: str) -> list[str]:
    """Every URL in ``text`` (with or without a scheme), in order."""
    return [m.group(0).rstrip(".,;:!?)]}") for m in _URL.finditer(text)]


def url_domain(url: str) -> str:
    """The lower-cased host name of a URL, without ``www.`` (``'https://WWW.Bit.ly/x'`` -> ``'bit.ly'``)."""
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip(), flags=re.I).split("/", 1)[0].split("?", 1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0].lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _html_to_text(text: str) -> tuple[str, int]:
    n_tags = 0

    def tag(match: re.Match[str]) -> str:
        nonlocal n_tags
        n_tags += 1
        href = _HREF.search(match.group(3) or "") if match.group(2) and match.group(2).lower() == "a" else None
        return f" {href.group(1)} " if href else " "

    text = _TAG.sub(tag, text)
    if "&" in text:
        text = html.unescape(text)
    return text, n_tags


def _squeeze(match: re.Match[str]) -> str:
    run = match.group(0)
    ch = run[0]
    if ch in _RARELY_DOUBLED:
        return ch  # "fuuuck", "stuupid", "shiiit"
    if len(run) < 3:
        return run  # "good", "all", "too"
    return ch if ch in "eo" else ch * 2  # "mooooron" -> "moron", "!!!!" -> "!!"


def _leet(match: re.Match[str]) -> str:
    return match.group(0).translate(_LEET_MAP)


def _join_spaced(match: re.Match[str]) -> str:
    return match.group(0).replace(match.group(1), "")


def normalise_with_stats(text: str) -> tuple[str, TextStats]:
    """Normalise ``text`` as :func:`normalise` does, and also return :class:`TextStats` about the raw text.

    Parameters
    ----------
    text : str
        Any string, including empty ones, emoji-only text, mixed scripts, lone surrogates or NUL bytes.

    Returns
    -------
    normalised : str
    stats : TextStats
    """
    n_chars = len(text)
    truncated = n_chars > MAX_CHARS
    if truncated:
        text = text[:MAX_CHARS]
    if not text.isascii():
        text = _SURROGATES.sub("", text)
    n_tags = 0
    if "<" in text or "&" in text:
        text, n_tags = _html_to_text(text)

    if text.isascii():
        raw = text.encode()
        letters = len(raw) - len(raw.translate(None, _ASCII_LETTERS))
        upper = len(raw) - len(raw.translate(None, _ASCII_UPPER))
    else:
        letters = len(_LETTER.findall(text))
        upper = len(_UPPER.findall(text))
    n_fancy = n_invisible = n_homoglyph_words = 0
    if not text.isascii():
        stripped = text.translate(_DELETE)
        n_invisible = len(_HIDDEN_IN_WORD.findall(text)) if len(stripped) != len(text) else 0
        folded = unicodedata.normalize("NFKC", stripped)
        n_fancy = sum(a != b for a, b in zip(stripped, folded)) if len(folded) == len(stripped) else abs(
            len(folded) - len(stripped)
        ) or 1
        text = _SPACED.sub(_join_spaced, folded.casefold())
        if not text.isascii():
            latin = len(_LATIN.findall(text))
            lookalike = len(_LOOKALIKE.findall(text))
            if lookalike and latin > 2 * lookalike:
                # Mostly Latin text: any look-alike letter is a disguise.
                n_homoglyph_words = len(_LOOKALIKE_WORD.findall(text))
                text = text.translate(_HOMOGLYPHS)
            else:
                text, n_homoglyph_words = _MIXED_WORD.subn(lambda m: m.group(0).translate(_HOMOGLYPHS), text)
    else:
        text = _SPACED.sub(_join_spaced, text.translate(_CONTROLS).lower())

    n_emails = n_mentions = 0
    if "@" in text:
        text, n_emails = _EMAIL.subn(" zzemail ", text)
    domains: list[str] = []
    if "." in text and _URL_GATE.search(text):

        def replace_url(match: re.Match[str]) -> str:
            domains.append(url_domain(match.group(0)))
            return f" zzurl {domains[-1]} "

        text = _URL.sub(replace_url, text)
    n_short = sum(d in SHORTENER_DOMAINS for d in domains)
    if "@" in text:
        text, n_mentions = _MENTION.subn(" zzmention ", text)

    if "*" in text or "#" in text:
        text = _MASKED.sub(_unmask, text)
    if "v" in text and any(piece in text for piece in _V_GATE):
        text = _read_v_for_u(text)
    # Every leetspeak step needs a letter next to a digit or symbol: one search decides whether any can apply.
    if _LEET_TOKEN_GATE.search(text):
        text = _read_leet_words(text)
        if _LEET_GATE.search(text):
            text = _LEET_INNER.sub(_leet, text)
        if "$" in text or "@" in text:
            text = _LEET_SYMBOL_EDGE.sub(_leet, text)
        if _LEET_DIGIT_GATE.search(text):
            text = _LEET_DIGIT_EDGE.sub(_leet, text)
    text = _STRETCH.sub(_squeeze, text)
    text = _DIGITS.sub("0", text)
    text = " ".join(text.split())

    stats = TextStats(
        n_chars=n_chars,
        n_links=len(domains),
        n_shorteners=n_short,
        n_emails=n_emails,
        n_mentions=n_mentions,
        upper_ratio=(upper / letters) if letters else 0.0,
        n_invisible=n_invisible,
        n_fancy=n_fancy,
        n_homoglyph_words=n_homoglyph_words,
        n_html_tags=n_tags,
        truncated=truncated,
    )
    return text, stats


def normalise(text: str) -> str:
    """Return the canonical form of ``text`` that features are computed from.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
        Lower-case, single-spaced text with the evasions listed in this module's docstring undone.

    Examples
    --------
    >>> normalise("F U C K off, ѕhit-head")
    'fuck off, shit-head'
    >>> normalise("stuuuupid <b>idiot</b>&amp;co")
    'stupid idiot &co'
    """
    return normalise_with_stats(text)[0]
