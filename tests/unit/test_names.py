"""Name folding, search tokens and phonetic keys (clinicdesk.lib.names)."""

from __future__ import annotations

import pytest

from clinicdesk.lib.names import fold, phonetic, similarity, tokens


@pytest.mark.parametrize("spelling", ["Zoë", "ZOE", "zoe", "Zoe", "ZOË", "Zoe\u0308"])
def test_fold_makes_accents_and_case_one_key(spelling: str) -> None:
    assert fold(spelling) == "zoe"


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("José García", "jose garcia"),
        ("Nguyễn", "nguyen"),
        ("Müller", "muller"),
        ("Straße", "strasse"),
        ("Øyvind", "oyvind"),
        ("Łukasz", "lukasz"),
        ("Ærø", "aero"),
        ("ﬁnn", "finn"),
    ],
)
def test_fold_turns_letters_without_a_decomposition_into_ascii(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_fold_turns_punctuation_and_runs_of_space_into_single_spaces() -> None:
    assert fold("  Anne-Marie   O'Neil,  Jr. ") == "anne marie o neil jr"


def test_fold_drops_characters_that_have_no_latin_form() -> None:
    assert fold("李") == ""
    assert fold("李 Wei") == "wei"


def test_tokens_are_the_distinct_folded_words_of_every_part() -> None:
    assert tokens("Okafor", "Chidi", "", "Chidi") == ["okafor", "chidi"]


def test_tokens_of_a_hyphenated_name_include_the_joined_form() -> None:
    assert tokens("Anne-Marie") == ["anne", "marie", "annemarie"]


def test_tokens_of_an_apostrophe_name_include_the_joined_form() -> None:
    assert tokens("O'Neil") == ["o", "neil", "oneil"]


def test_tokens_join_each_punctuated_word_of_a_longer_name_too() -> None:
    words = tokens("Anne-Marie O'Neil")
    assert {"anne", "marie", "o", "neil"} <= set(words)
    assert {"annemarie", "oneil", "annemarieoneil"} <= set(words)


def test_tokens_join_a_spaced_family_name_so_it_can_be_typed_without_spaces() -> None:
    assert "delacruz" in tokens("De La Cruz")


def test_tokens_ignore_empty_parts_and_parts_without_letters() -> None:
    assert tokens("", "李", "  ") == []


def test_tokens_keep_their_first_seen_order_without_repeats() -> None:
    words = tokens("Smith", "Anna Smith")
    assert words == ["smith", "anna", "annasmith"]
    assert len(words) == len(set(words))


@pytest.mark.parametrize(
    ("a", "b"),
    [("jonsen", "johnson"), ("smyth", "smith"), ("kathryn", "catherine"), ("philips", "phillips")],
)
def test_names_that_sound_alike_share_a_phonetic_key(a: str, b: str) -> None:
    assert phonetic(a) == phonetic(b)
    assert phonetic(a) != ""


@pytest.mark.parametrize(("a", "b"), [("okafor", "garcia"), ("smith", "jones"), ("lee", "kim")])
def test_names_that_sound_different_have_different_phonetic_keys(a: str, b: str) -> None:
    assert phonetic(a) != phonetic(b)


def test_phonetic_key_of_a_word_without_letters_is_empty() -> None:
    assert phonetic("") == ""
    assert phonetic("1962") == ""


def test_phonetic_key_ignores_digits_mixed_into_a_word() -> None:
    assert phonetic("smith2") == phonetic("smith")


def test_similarity_is_one_for_the_same_name_in_any_accent_or_case() -> None:
    assert similarity("Zoë", "ZOE") == 1.0


def test_similarity_ranks_a_misspelling_above_a_different_name() -> None:
    assert similarity("Johnson", "Jonsen") > 0.85
    assert similarity("Johnson", "Jonsen") > similarity("Johnson", "Okafor")
    assert similarity("Johnson", "Okafor") < 0.6


def test_names_are_remembered_but_long_text_is_not() -> None:
    from clinicdesk.lib import names

    assert fold("Zoë O'Brien") == fold("Zoë O'Brien") == "zoe o brien"
    held = names._fold_name.cache_info().currsize
    huge = "Ñ" * 100_000  # a sender may put anything in a name field
    assert fold(huge) == "n" * 100_000
    assert names._fold_name.cache_info().currsize == held  # not kept: the cache holds short names only
