"""Search tokens for Japanese and English, computed in Python on write and on query.

Both databases index exactly the tokens made here (PostgreSQL as a tsvector literal, SQLite in
an FTS5 table with the `ascii` tokenizer, which only splits on the spaces we put), so a query
matches the same explainers on either.

- Text is NFKC- and case-folded first (`core.text.fold`): half-width katakana, full-width
  Latin and case variants become one form.
- Japanese runs (kanji, kana, the prolonged sound mark) are indexed as overlapping bigrams, as
  Lucene's CJK analyzer does: 収益化 → 収益 益化. A word is found inside any compound it is part
  of (収益 in 収益化, 半導体 in 半導体チップ) with no dictionary to download or keep current,
  and unknown words and new compounds work as well as known ones. A query word of n characters
  becomes the phrase of its n-1 bigrams, so it matches only where those characters are
  adjacent. A run of one character is indexed as that character (as Lucene does).
- Every Japanese character is also indexed alone, after the bigrams of its field, so that a
  one-character query (株, 円) finds it inside words too. Bigram phrases never use these.
- Latin letters, digits and other scripts are whole words: AI finds "AI" and never "paid".
"""

import functools
import re
import unicodedata
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.text import fold

# Kanji, hiragana, katakana (the middle dot ・ and ゠ excepted: they separate words), the
# iteration mark and the CJK compatibility ideographs. Half-width katakana is full-width after
# NFKC, so it needs no range of its own.
_JA = r"\u3005\u3006\u3041-\u309f\u30a1-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_JA_RUN_RE = re.compile(f"[{_JA}]+")
# A character of a word in any other script: letters, digits and marks, not Japanese.
_WORD_CHAR = f"[^\\W_{_JA}]"
_PIECE_RE = re.compile(f"(?P<ja>[{_JA}]+)|(?P<word>{_WORD_CHAR}+)")
_QUOTED_RE = re.compile(r'"([^"]*)"?')

# Bounds that keep a query cheap whatever is typed (the view also caps its length).
MAX_QUERY_GROUPS = 16
MAX_GROUP_TOKENS = 32
# A "word" longer than this (a pasted hash, a run of letters) is indexed and searched by its
# start: PostgreSQL refuses lexemes over 2 KB.
MAX_WORD_LENGTH = 100


def _pieces(folded: str):
    """(kind, text) for each Japanese run and each word of other scripts, in order."""
    for match in _PIECE_RE.finditer(folded):
        if match.group("ja"):
            yield "ja", match.group("ja")
        else:
            yield "word", match.group("word")[:MAX_WORD_LENGTH]


def is_japanese_character(token: str) -> bool:
    """True for a token of one Japanese character (a unigram)."""
    return len(token) == 1 and _JA_RUN_RE.match(token) is not None


def bigrams(run: str) -> list[str]:
    """CJK bigrams of one Japanese run; a run of one character is itself."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def field_token_parts(value: str) -> tuple[list[str], list[str]]:
    """The tokens of one field's text in two parts: the sequence (words and bigrams, in
    order, where phrases are matched; a one-character Japanese run is its character), and
    each Japanese character alone after it (for one-character queries)."""
    folded = fold(value)
    tokens: list[str] = []
    characters: list[str] = []
    for kind, piece in _pieces(folded):
        if kind == "ja":
            tokens.extend(bigrams(piece))
            characters.extend(piece)
        else:
            tokens.append(piece)
    return tokens, characters


def field_tokens(value: str) -> list[str]:
    """The tokens of one field's text, in order: words and bigrams, then each Japanese
    character alone (for one-character queries)."""
    tokens, characters = field_token_parts(value)
    return tokens + characters


@dataclass(frozen=True)
class Query:
    """A parsed search: every group must match; a group of several tokens is a phrase
    (its tokens adjacent and in order). `highlight` holds the folded words to mark."""

    groups: tuple[tuple[str, ...], ...]
    highlight: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.groups)


def _term_groups(term: str) -> list[tuple[str, ...]]:
    """One unquoted term: consecutive words form a phrase (covid-19), each Japanese run is the
    phrase of its bigrams, a one-character run is that character."""
    groups: list[tuple[str, ...]] = []
    words: list[str] = []
    for kind, piece in _pieces(term):
        if kind == "word":
            words.append(piece)
            continue
        if words:
            groups.append(tuple(words))
            words = []
        groups.append(tuple(bigrams(piece)))
    if words:
        groups.append(tuple(words))
    return groups


def _phrase_group(phrase: str) -> tuple[str, ...]:
    """A quoted phrase: all its tokens in order, as the text itself is indexed."""
    tokens: list[str] = []
    for kind, piece in _pieces(phrase):
        tokens.extend(bigrams(piece) if kind == "ja" else [piece])
    return tuple(tokens)


def parse_query(query: str) -> Query:
    """Parse what a reader typed. Whitespace separates terms, all of which are required;
    "double quotes" make a phrase. Anything else (operators, brackets, stray quotes) is just
    a separator, so no input can be a syntax error in either database."""
    folded = fold(query).replace("\u201c", '"').replace("\u201d", '"').replace("\uff02", '"')
    groups: list[tuple[str, ...]] = []
    rest = []
    last = 0
    for match in _QUOTED_RE.finditer(folded):
        rest.append(folded[last : match.start()])
        last = match.end()
        phrase = _phrase_group(match.group(1))
        if phrase:
            groups.append(phrase)
    rest.append(folded[last:])
    for term in " ".join(rest).split():
        groups.extend(_term_groups(term))
    unique: list[tuple[str, ...]] = []
    for group in groups:
        group = group[:MAX_GROUP_TOKENS]
        if group and group not in unique:
            unique.append(group)
    highlight = []
    for _kind, piece in _pieces(folded):
        if piece not in highlight:
            highlight.append(piece)
    return Query(groups=tuple(unique[:MAX_QUERY_GROUPS]), highlight=tuple(highlight))


# Snippets ---------------------------------------------------------------------------------

SNIPPET_LENGTH = 160
SNIPPET_LEAD = 50
SNIPPET_SLACK = 40


@functools.lru_cache(maxsize=8192)
def _fold_piece(piece: str) -> str:
    """`fold` of one character (and its marks): the same few thousand recur in every text."""
    return fold(piece)


def _folded_with_offsets(value: str) -> tuple[str, list[int]]:
    """The folded text, and for each of its characters the offset of the original character
    it came from (NFKC can merge ｶﾞ into ガ or expand ㍻ into 平成)."""
    # Most text is already NFKC (full-width Japanese, plain English) and case-folds one
    # character to one: then the offsets are the identity, and nothing is folded piece by piece.
    if unicodedata.is_normalized("NFKC", value):
        folded = value.casefold()
        if len(folded) == len(value):
            return folded, list(range(len(value) + 1))
    folded: list[str] = []
    offsets: list[int] = []
    start = 0
    while start < len(value):
        end = start + 1
        # Keep a character with the marks after it (half-width voicing marks, accents).
        while end < len(value) and (
            value[end] in "\uff9e\uff9f" or unicodedata.combining(value[end])
        ):
            end += 1
        part = _fold_piece(value[start:end])
        folded.append(part)
        offsets.extend([start] * len(part))
        start = end
    offsets.append(len(value))
    return "".join(folded), offsets


def _match_spans(folded: str, words: tuple[str, ...]) -> list[tuple[int, int]]:
    spans = []
    for word in words:
        if _JA_RUN_RE.fullmatch(word):
            pattern = re.escape(word)
        else:  # whole words only, as they are indexed
            pattern = f"(?<!{_WORD_CHAR}){re.escape(word)}(?!{_WORD_CHAR})"
        spans.extend(m.span() for m in re.finditer(pattern, folded))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(value: str, words: tuple[str, ...], *, length: int | None = None) -> str:
    """`value` escaped, with every match of `words` in <mark>. With `length`, only a window
    of about that many characters around the first match (or the start), with ellipses.

    Built from stored plain text and escaped here: no HTML from the index reaches the page.
    """
    value = value or ""
    cut_before = cut_after = False
    if length is not None and len(value) > length + 2 * SNIPPET_SLACK:
        # Folding character by character (to map matches back) is slow on a long text: find
        # the first match in the text folded at once, whose offsets are nearly the original
        # ones, and fold carefully only a window around it. (Stored text has no control
        # characters left for `fold` to remove, so NFKC and case folding are enough here.)
        folded = unicodedata.normalize("NFKC", value).casefold()
        spans = _match_spans(folded, words)
        centre = spans[0][0] * len(value) // max(1, len(folded)) if spans else 0
        low = max(0, centre - SNIPPET_LEAD - SNIPPET_SLACK)
        high = min(len(value), low + length + 2 * SNIPPET_SLACK)
        value, cut_before, cut_after = value[low:high], low > 0, high < len(value)
    folded, offsets = _folded_with_offsets(value)
    spans = [(offsets[s], offsets[e]) for s, e in _match_spans(folded, words)]
    start, end = 0, len(value)
    if length is not None and len(value) > length:
        start = max(0, spans[0][0] - SNIPPET_LEAD) if spans else 0
        end = min(len(value), start + length)
        start = max(0, min(start, end - length))
    pieces = ["…"] if start > 0 or cut_before else []
    position = start
    for span_start, span_end in spans:
        if span_end <= position or span_start >= end:
            continue
        span_start, span_end = max(span_start, position), min(span_end, end)
        pieces.append(escape(value[position:span_start]))
        pieces.append(f"<mark>{escape(value[span_start:span_end])}</mark>")
        position = span_end
    pieces.append(escape(value[position:end]))
    if end < len(value) or cut_after:
        pieces.append("…")
    return mark_safe("".join(pieces))  # noqa: S308 - every piece is escaped above


def snippet(value: str, query: Query, *, length: int = SNIPPET_LENGTH) -> str:
    """A short excerpt of `value` around the first match of the query, matches marked."""
    return highlight(" ".join((value or "").split()), query.highlight, length=length)
