"""Text rules that must be right for Japanese as well as English.

One place for: NFKC folding (search, word lists), script-aware reading time and slugs, and
the language a reader's text is written in (`language_of`).
Japanese is written without spaces, so "words" cannot be found by splitting on whitespace:
Japanese runs are counted and matched by character, Latin runs by word.
"""

import math
import re
import unicodedata

from django.conf import settings
from django.utils.text import slugify

# Hiragana, katakana (incl. half-width after NFKC), CJK ideographs and the iteration mark.
_CJK = r"\u3005\u3040-\u309f\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
CJK_CHAR_RE = re.compile(f"[{_CJK}]")
CJK_RUN_RE = re.compile(f"[{_CJK}]+")
# The same letters plus Japanese punctuation (、。「」) and full-width forms: what makes a line
# Japanese where lines are joined.
JAPANESE_TEXT_CHAR_RE = re.compile(f"[{_CJK}\u3000-\u303f\uff00-\uffef]")
_LINE_BREAK_RE = re.compile(r"\s*\n\s*")
LATIN_WORD_RE = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*", re.UNICODE)
# Letters of the Latin script (basic, Latin-1, Extended-A/B, IPA... up to U+024F, and the
# Latin Extended Additional block), as language_of() counts them.
_LATIN_LETTER_RE = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]")


# Bidirectional embedding/override/isolate controls: they can make a name or a text read
# differently from what it is ("spoofing"), and nothing a reader writes needs them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_KEEP_CONTROLS = frozenset("\n\t")


def clean_text(value: str) -> str:
    """Drop NUL, control characters (newline and tab kept) and bidi controls.

    PostgreSQL cannot store NUL at all, and nothing a person types needs the others.
    """
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        ch
        for ch in value
        if ch in _KEEP_CONTROLS
        or (unicodedata.category(ch) not in {"Cc", "Cs"} and ch not in BIDI_CONTROLS)
    )


# Characters that show nothing on their own: format characters (zero width space and joiners,
# invisible operators, tags, the byte order mark, the soft hyphen), controls, spaces and
# separators, and combining marks with no letter to sit on...
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})
# ...and the letters and symbols that are drawn as blanks: the Hangul fillers, the Khmer
# inherent vowels, the braille blank, the musical null notehead.
_BLANK_CHARACTERS = frozenset("\u115f\u1160\u17b4\u17b5\u3164\uffa0\u2800\U0001d159")
# Unicode's default-ignorable blocks, assigned or not (renderers draw nothing for them).
_IGNORABLE_RANGES = ((0x2060, 0x206F), (0xFE00, 0xFE0F), (0x1BCA0, 0x1BCA3), (0xE0000, 0xE0FFF))


def _is_visible(ch: str) -> bool:
    if ch in _BLANK_CHARACTERS or unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
        return False
    code = ord(ch)
    return not any(low <= code <= high for low, high in _IGNORABLE_RANGES)


def has_visible_character(value: str | None) -> bool:
    """True when a person would see something: a name of zero width spaces, joiners, fillers
    or lone accents reads as blank and could stand for anyone."""
    return any(_is_visible(ch) for ch in value or "")


def clean_name(value: str) -> str:
    """A display name on one line, without control or bidi characters; "" (so refused by
    every form that asks for a name) when nothing in it is visible.

    Invisible characters inside a visible name stay: emoji sequences need the zero width
    joiner, Persian the non-joiner, accents their marks.
    """
    value = clean_text(value).replace("\n", " ").replace("\t", " ")
    value = " ".join(value.split())
    return value if has_visible_character(value) else ""


def fold(text: str) -> str:
    """Normalise for matching: NFKC (full-width/half-width folded), case-folded, and without
    control characters (a NUL in a search query must not reach the database)."""
    return clean_text(unicodedata.normalize("NFKC", text or "")).casefold()


def _join_lines(match) -> str:
    text, start, end = match.string, match.start(), match.end()
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    japanese = JAPANESE_TEXT_CHAR_RE.match(before) or JAPANESE_TEXT_CHAR_RE.match(after)
    return "" if japanese else " "


def one_line(text: str) -> str:
    """Paragraphs on one line, as an excerpt shows them: English lines joined by a space,
    Japanese ones directly ("ません。本稿では", not "ません。 本稿では"), since Japanese is
    written without spaces. Spaces within a line stay as the editor typed them."""
    text = _LINE_BREAK_RE.sub(_join_lines, (text or "").replace("\r", "").strip())
    return re.sub(r"[ \t]{2,}", " ", text)


def is_cjk(text: str) -> bool:
    """True when the text contains any Japanese/Chinese character."""
    return bool(CJK_CHAR_RE.search(text or ""))


def language_of(text: str) -> str:
    """The language a reader's text is written in, for its `lang` attribute: "ja" when it has
    kana or kanji and Latin letters are not the majority of its letters, "en" otherwise.

    Letters are counted after NFKC (full-width "ＡＩ" is Latin). A Japanese sentence quoting
    an English name stays Japanese; an English one quoting a Japanese word stays English.
    """
    text = unicodedata.normalize("NFKC", text or "")
    japanese = len(CJK_CHAR_RE.findall(text))
    if not japanese:
        return "en"
    latin = len(_LATIN_LETTER_RE.findall(text))
    return "en" if latin > japanese else "ja"


def count_units(text: str) -> tuple[int, int]:
    """Return (Japanese characters, Latin words) in the text, each script counted its way."""
    text = unicodedata.normalize("NFKC", text or "")
    cjk_chars = sum(len(run) for run in CJK_RUN_RE.findall(text))
    latin_words = len(LATIN_WORD_RE.findall(CJK_RUN_RE.sub(" ", text)))
    return cjk_chars, latin_words


def reading_minutes(text: str) -> int:
    """Minutes to read the text: Japanese at characters a minute, English at words a minute.

    Mixed text is summed by script. Anything non-empty takes at least a minute.
    """
    cjk_chars, latin_words = count_units(text)
    if not cjk_chars and not latin_words:
        return 0
    minutes = (
        cjk_chars / settings.KAISETSU_READING_CPM_JA
        + latin_words / settings.KAISETSU_READING_WPM_EN
    )
    return max(1, math.ceil(minutes))


_kakasi = None


def _romanise(text: str) -> str:
    """Hepburn romaji for Japanese text, so a Japanese-only title gets a readable ASCII slug."""
    global _kakasi
    if _kakasi is None:
        import pykakasi

        _kakasi = pykakasi.kakasi()
    return " ".join(part["hepburn"] for part in _kakasi.convert(text) if part["hepburn"].strip())


def slug_base(title: str, max_length: int = 80) -> str:
    """A readable ASCII slug for any title, Japanese included ("" only if nothing is left)."""
    text = unicodedata.normalize("NFKC", title or "")
    if is_cjk(text):
        text = _romanise(text)
    slug = slugify(text)[:max_length].strip("-")
    return slug
