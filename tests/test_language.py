"""Language identification: the identifier's model ships in its wheel and loads offline; short or ambiguous texts
are left unidentified rather than guessed; models without a recorded language count as English."""

from __future__ import annotations

import pytest

from moderation.language import MIN_CONFIDENCE, identify, is_trained, trained_languages


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Thanks for the thoughtful article, I learned a lot about the budget.", "en"),
        ("Merci beaucoup pour cet article, il est très intéressant.", "fr"),
        ("Gracias por el artículo, muy interesante y bien escrito.", "es"),
        ("Vielen Dank für den Artikel, er ist sehr gut geschrieben.", "de"),
        ("Obrigado pelo artigo, muito interessante e bem escrito.", "pt"),
    ],
)
def test_sentences_are_identified(text, language):
    detection = identify(text)
    assert detection.language == language and detection.confidence >= MIN_CONFIDENCE


@pytest.mark.parametrize("text", ["ok", "lol", "12345", "http://bit.ly/x", ""])
def test_too_little_text_is_left_unidentified(text):
    assert identify(text).language is None


def test_text_must_be_a_string():
    with pytest.raises(TypeError, match="text must be a string, got int"):
        identify(3)


def test_trained_languages_default_to_english_and_unidentified_counts_as_trained():
    assert trained_languages({}) == ("en",)
    assert trained_languages({"languages": ["en", "FR"]}) == ("en", "fr")
    assert is_trained(None, ["en"]) and is_trained("en-GB", ["en"]) and not is_trained("fr", ["en"])
