"""What a reason may name: words and phrases grouped from n-gram contributions, never a function word alone."""

import numpy as np
import pytest

from moderation.reasons import is_function_word, is_identity_word, text_units


def _units(words, contributions):
    """Units of a text made of ``words`` separated by one space, given (start_word, end_word, weight) n-grams."""
    bounds, at = [], 1
    for w in words:
        bounds.append((at, at + len(w)))
        at += len(w) + 1
    bounds = np.array(bounds)
    start = np.array([bounds[a][0] for a, _, _ in contributions])
    end = np.array([bounds[b][1] for _, b, _ in contributions])
    weight = np.array([c for _, _, c in contributions], dtype=float)
    return text_units(bounds, list(words), start, end, weight)


def test_weight_across_two_words_makes_a_phrase():
    """An n-gram across "shut" and "up" carrying as much as the words themselves makes the phrase "shut up"."""
    units = _units(["shut", "up", "now"], [(0, 0, 0.8), (1, 1, 0.1), (0, 1, 0.9), (2, 2, 0.05)])
    assert [u.words for u in units] == [("shut", "up"), ("now",)]
    assert units[0].weight == pytest.approx(1.8)


def test_weak_glue_keeps_words_apart():
    """A word carrying its weight alone ("idiot") is not glued to a neighbour by a faint cross-word n-gram."""
    units = _units(["you", "idiot"], [(0, 0, 0.4), (1, 1, 3.0), (0, 1, 0.1)])
    assert [u.words for u in units] == [("you",), ("idiot",)]
    assert units[1].weight == pytest.approx(3.05)


def test_function_words_piled_before_a_weak_word_are_no_phrase():
    """ "you are a complete" is counted word by word: its weight is neither across words nor on a content word."""
    contributions = [(0, 0, 0.9), (1, 1, 0.2), (2, 2, 0.1), (3, 3, 0.5), (0, 1, 0.3), (1, 2, 0.7), (2, 3, 0.3)]
    units = _units(["you", "are", "a", "complete"], contributions)
    assert all(not u.is_phrase for u in units)


@pytest.mark.parametrize("word", ["You", "your", "the", "back", "a", "are", "people"])
def test_function_words_are_never_reasons_alone(word):
    """Pronouns, articles, auxiliaries and particles are function words; a unit of them alone has no content."""
    assert is_function_word(word)
    (unit,) = _units([word], [(0, 0, 5.0)])
    assert not unit.has_content


@pytest.mark.parametrize("word", ["Ukrainians", "Muslims", "gay", "immigrants", "Chechens", "liberals"])
def test_identity_terms_are_recognised(word):
    """Names of groups of people are identity words (left out of reasons when other words carried the score)."""
    assert is_identity_word(word)
    (unit,) = _units([word], [(0, 0, 1.0)])
    assert unit.only_identity


def test_a_phrase_of_an_identity_and_content_word_is_not_only_identity():
    """ "filthy Ukrainians" names something besides the group."""
    units = _units(["filthy", "ukrainians"], [(0, 0, 0.5), (1, 1, 0.5), (0, 1, 1.5)])
    assert units[0].is_phrase and not units[0].only_identity
