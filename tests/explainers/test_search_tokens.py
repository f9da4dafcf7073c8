"""The search tokens (core.search_tokens) and the index literals made from them
(explainers.search): the same on both databases, so tested without one."""

from core.search_tokens import MAX_WORD_LENGTH, field_tokens, highlight, parse_query, snippet
from explainers.search import Document, fts_match, tsquery_literal, tsvector_literal


def test_japanese_runs_become_bigrams_then_single_characters():
    assert field_tokens("収益化") == ["収益", "益化", "収", "益", "化"]


def test_a_one_character_run_is_itself():
    assert field_tokens("株") == ["株", "株"]


def test_latin_words_are_whole_and_folded():
    assert field_tokens("ＡＩ trains PAID") == ["ai", "trains", "paid"]


def test_latin_and_japanese_split_where_the_script_changes():
    assert field_tokens("AIチップ")[:3] == ["ai", "チッ", "ップ"]


def test_half_width_katakana_gives_the_same_tokens_as_full_width():
    assert field_tokens("ｴﾈﾙｷﾞｰ") == field_tokens("エネルギー")


def test_the_katakana_middle_dot_separates_words():
    assert "ド・" not in field_tokens("ドナルド・トランプ")
    assert parse_query("ドナルド・トランプ").groups == (
        ("ドナ", "ナル", "ルド"),
        ("トラ", "ラン", "ンプ"),
    )


def test_a_very_long_word_is_cut_the_same_way_in_text_and_query():
    word = "x" * (MAX_WORD_LENGTH + 50)
    assert field_tokens(word) == ["x" * MAX_WORD_LENGTH]
    assert parse_query(word).groups == (("x" * MAX_WORD_LENGTH,),)


def test_terms_are_groups_and_a_quoted_phrase_is_one():
    assert parse_query('ＡＩ 半導体 "climate change"').groups == (
        ("climate", "change"),
        ("ai",),
        ("半導", "導体"),
    )


def test_operators_and_stray_quotes_are_only_separators():
    assert parse_query('a* OR (b) "c').groups == (("c",), ("a",), ("or",), ("b",))
    assert not parse_query("\"'()*:&|!<->")


def test_a_query_repeating_a_term_searches_it_once():
    assert parse_query("tax tax TAX").groups == (("tax",),)


def test_tsquery_and_fts_match_quote_every_token():
    query = parse_query("ai 半導体")
    assert tsquery_literal(query) == "'ai' & ('半導' <-> '導体')"
    assert fts_match(query) == '"ai" AND "半導 導体"'


def test_tsvector_weights_fields_and_leaves_a_gap_between_them():
    literal = tsvector_literal({"A": ["climate"], "B": [], "C": ["change"]})
    assert literal == "'climate':1A 'change':4C"


def test_document_weights_title_then_points_and_summary_then_the_rest():
    document = Document(
        title="T",
        introduction="intro",
        key_points=["point"],
        summary="sum",
        sections=["sec"],
        sources=["src (Reuters)"],
        topics=["topic"],
    )
    tokens = document.tokens()
    assert tokens["A"] == ["t"]
    assert tokens["B"] == ["point", "sum"]
    assert tokens["C"] == ["intro", "sec", "src", "reuters", "topic"]


def test_highlight_marks_whole_words_only():
    assert highlight("AI is paid for", ("ai",)) == "<mark>AI</mark> is paid for"


def test_highlight_escapes_everything_it_does_not_mark():
    assert highlight("<i>AI</i> & co", ("ai",)) == "&lt;i&gt;<mark>AI</mark>&lt;/i&gt; &amp; co"


def test_snippet_keeps_half_width_text_as_written():
    query = parse_query("エネルギー")
    assert str(snippet("新しいｴﾈﾙｷﾞｰ計画", query)) == "新しい<mark>ｴﾈﾙｷﾞｰ</mark>計画"


def test_snippet_of_a_long_text_starts_near_the_first_match():
    text = "word " * 200 + "the tariffs rose " + "word " * 200
    result = str(snippet(text, parse_query("tariffs")))
    assert result.startswith("…") and result.endswith("…")
    assert "the <mark>tariffs</mark> rose" in result
    assert len(result) < 220


def test_single_japanese_characters_are_stored_without_positions_on_postgresql():
    # Matched by a one-character query, never ranked or part of a phrase: a smaller vector.
    assert tsvector_literal({"A": ["株価", "株", "価"]}) == "'株価':1A '株' '価'"


def test_a_one_character_run_inside_the_text_keeps_its_position_on_postgresql():
    # 「中干し」を1週間: the を between the bracket and the digit is a run of its own, in the
    # sequence phrases are matched on; the lone characters after the sequence have none.
    literal = tsvector_literal(Document(title="「中干し」を1週間").positioned_tokens())
    assert "'を':3A" in literal.split()
    assert "'中'" in literal.split() and "'干'" in literal.split()
