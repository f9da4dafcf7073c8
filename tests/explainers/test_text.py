"""Text rules that must hold for Japanese as well as English (core/text.py)."""

import math

import pytest

from core import text


def test_fold_turns_full_width_latin_and_digits_into_ascii():
    assert text.fold("ＡＩ２０２６") == "ai2026"


def test_fold_turns_half_width_katakana_into_full_width():
    assert text.fold("ｶｲｾﾂ") == "カイセツ"


def test_fold_is_case_insensitive():
    assert text.fold("Offshore WIND") == text.fold("offshore wind") == "offshore wind"


def test_fold_of_nothing_is_empty():
    assert text.fold(None) == ""
    assert text.fold("") == ""


def test_is_cjk_detects_japanese_scripts_only():
    assert text.is_cjk("ひらがな")
    assert text.is_cjk("カタカナ")
    assert text.is_cjk("漢字")
    assert not text.is_cjk("plain English, 2026!")


def test_count_units_counts_japanese_by_character_and_latin_by_word():
    assert text.count_units("洋上風力 offshore wind power") == (4, 3)


def test_reading_time_of_empty_text_is_zero():
    assert text.reading_minutes("") == 0
    assert text.reading_minutes("   \n ") == 0
    assert text.reading_minutes("。、！？") == 0


def test_reading_time_for_japanese_uses_characters_per_minute(settings):
    settings.KAISETSU_READING_CPM_JA = 600
    assert text.reading_minutes("あ" * 600) == 1
    assert text.reading_minutes("あ" * 601) == 2
    assert text.reading_minutes("電" * 3000) == 5


def test_reading_time_for_english_uses_words_per_minute(settings):
    settings.KAISETSU_READING_WPM_EN = 230
    assert text.reading_minutes(" ".join(["word"] * 230)) == 1
    assert text.reading_minutes(" ".join(["word"] * 231)) == 2
    assert text.reading_minutes(" ".join(["word"] * 2300)) == 10


def test_reading_time_for_japanese_is_not_counted_as_one_word(settings):
    """A spaceless Japanese paragraph is thousands of characters, not one "word"."""
    settings.KAISETSU_READING_CPM_JA = 600
    assert text.reading_minutes("日本語の文章" * 500) == 5


def test_reading_time_for_mixed_text_sums_each_script(settings):
    settings.KAISETSU_READING_CPM_JA = 600
    settings.KAISETSU_READING_WPM_EN = 230
    mixed = "あ" * 900 + " " + " ".join(["wind"] * 345)
    # 900/600 + 345/230 = 1.5 + 1.5 = 3 minutes; either script alone would round to 2.
    assert text.reading_minutes(mixed) == math.ceil(900 / 600 + 345 / 230) == 3


def test_reading_time_follows_the_reading_speed_settings(settings):
    settings.KAISETSU_READING_CPM_JA = 300
    assert text.reading_minutes("あ" * 600) == 2


def test_any_short_text_takes_at_least_a_minute():
    assert text.reading_minutes("Hi") == 1
    assert text.reading_minutes("解説") == 1


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Offshore Wind, Explained!", "offshore-wind-explained"),
        ("ＦＵＬＬ　ＷＩＤＴＨ", "full-width"),
    ],
)
def test_slug_base_for_latin_titles_is_slugified(title, expected):
    assert text.slug_base(title) == expected


def test_slug_base_romanises_japanese_titles():
    assert text.slug_base("東京") == "toukyou"


def test_slug_base_respects_the_maximum_length():
    slug = text.slug_base("word " * 50, max_length=20)
    assert len(slug) <= 20
    assert not slug.endswith("-")


def test_slug_base_of_punctuation_only_is_empty():
    assert text.slug_base("！？…「」") == ""
