"""Normalisation: the same canonical text for the evasions a moderator sees every day."""

import pytest

from moderation.text import MAX_CHARS, normalise, normalise_with_stats, url_domain


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("F U C K you", "fuck you"),
        ("f.u.c.k you", "fuck you"),
        ("fuuuuuck you", "fuck you"),
        ("stuuuupid", "stupid"),
        ("you id10t", "you idiot"),
        ("sh1t head", "shit head"),
        ("b!tch", "bitch"),
        ("a$$hole", "asshole"),
        ("ѕhit", "shit"),  # Cyrillic dze
        ("іdіot", "idiot"),  # Cyrillic i
        ("i\u200bd\u200bi\u200bo\u200bt", "idiot"),  # zero-width spaces
        ("ＩＤＩＯＴ", "idiot"),  # full width
        ("𝐢𝐝𝐢𝐨𝐭", "idiot"),  # mathematical bold
        ("<b>idiot</b>", "idiot"),
        ("fish &amp; chips", "fish & chips"),
        ("F*ck the mayor", "fuck the mayor"),
        ("f***", "fuck"),
        ("f**king idiot", "fucking idiot"),
        ("sh*t", "shit"),
        ("a**hole", "asshole"),
        ("motherf*cker", "motherfucker"),
        ("you f*ggot", "you faggot"),
        ("What an 455h0l3.", "what an asshole."),
        ("this dvm8 idea", "this dumb idea"),
        ("go fv(k yourself", "go fuck yourself"),
        ("k1ll them", "kill them"),
    ],
)
def test_evasions_are_undone(raw, expected):
    """Spacing, stretching, leetspeak, homoglyphs, invisible characters, compatibility forms and HTML are undone."""
    assert normalise(raw) == expected


@pytest.mark.parametrize("text", ["*hugs* to all", "#metoo and #important", "grade a*", "a*b = c", "4 * 5"])
def test_asterisks_that_mask_no_profane_word_are_kept(text):
    """Emphasis, hashtags and arithmetic are not read as masked words."""
    assert "*" in normalise(text) or "#" in normalise(text)


@pytest.mark.parametrize("text, expected", [
    ("very vivid vulture", "very vivid vulture"),
    ("my cv and my dvd", "my cv and my dvd"),
    ("mp3 files from 2020", "mp0 files from 0000"),
])
def test_leet_reading_keeps_words_that_spell_no_abusive_word(text, expected):
    """Leetspeak is read only as an abusive word it spells exactly; other words with v or digits stay as written."""
    assert normalise(text) == expected


def test_ordinary_words_survive():
    """Normal English words with doubled letters, numbers and punctuation are left readable."""
    assert normalise("Good cool book, see you at 10pm!") == "good cool book, see you at 00pm!"


def test_urls_emails_and_mentions_become_tokens():
    """A URL keeps its domain next to a placeholder; e-mail addresses and @mentions become placeholders."""
    text, stats = normalise_with_stats("Mail me@x.com, see https://www.Bit.ly/abc and @someone")
    assert text.split() == ["mail", "zzemail", ",", "see", "zzurl", "bit.ly", "and", "zzmention"]
    assert (stats.n_links, stats.n_shorteners, stats.n_emails, stats.n_mentions) == (1, 1, 1, 1)


def test_href_of_a_link_is_kept():
    """An HTML link's target stays in the text, so link spam in markup is still seen."""
    assert "zzurl spam.example.com" in normalise('<a href="http://spam.example.com/x">click</a>')


@pytest.mark.parametrize("raw", ["", "😀😀😀", "\x00\x00", "\ud800lone surrogate", "שלום עולם", "مرحبا hello", "漢字テスト"])
def test_any_string_is_accepted(raw):
    """Empty, emoji-only, NUL, lone surrogates, right-to-left and CJK text all normalise without error."""
    assert isinstance(normalise(raw), str)


def test_very_long_input_is_cut():
    """A megabyte of text is cut to MAX_CHARS before the work starts."""
    text, stats = normalise_with_stats("word " * 200_000)
    assert stats.truncated and stats.n_chars == 1_000_000
    assert len(text) <= MAX_CHARS


def test_stats_count_hidden_and_fancy_characters():
    """Invisible characters, fancy letters and mixed-script words are counted before they are removed."""
    _, stats = normalise_with_stats("fr\u200bee 𝐦𝐨𝐧𝐞𝐲 frее")
    assert stats.n_invisible == 1 and stats.n_fancy > 0 and stats.n_homoglyph_words == 1


@pytest.mark.parametrize("url, domain", [("https://WWW.Example.com/a?b", "example.com"), ("bit.ly/x", "bit.ly"),
                                         ("http://user@host.org:8080/", "host.org")])
def test_url_domain(url, domain):
    """url_domain gives the lower-case host without www., port or credentials."""
    assert url_domain(url) == domain
