"""The explainers' full-text index, on PostgreSQL and on SQLite.

Both index the same tokens (`core.search_tokens`: words whole, Japanese as bigrams), computed in
Python when `Explainer.refresh_derived()` runs, and rank with the same field weights:

| weight | fields |
|---|---|
| A (1.0) | title |
| B (0.4) | key points, summary |
| C (0.2) | introduction, sections, cited sources' titles and publishers, topic names |

- PostgreSQL: a `search_vector tsvector` column on the explainer table with a GIN index. We
  write it as a tsvector *literal* ('token':position+weight ...) built here, so PostgreSQL's
  parser, dictionaries and locale never touch our tokens (the 'simple' config would still split
  and lower-case by the server's rules). Queries are tsquery literals: `&` between terms,
  `<->` inside a phrase. Ranked by `ts_rank_cd` (cover density: matches close together score
  higher), normalised by log of the document length.
- SQLite: an FTS5 table `explainers_search_fts` (one row per explainer, rowid = explainer id,
  one column per weight) with the `ascii` tokenizer, which splits only on the spaces we put
  between tokens. Queries quote every token (`"ai" AND "半導 導体"`), so nothing typed is FTS5
  syntax. Ranked by `bm25` with the column weights above (bm25 counts term frequency and
  document length, where ts_rank_cd counts proximity: the order of close scores can differ
  between the two; who matches never does).

Neither column is a model field: a tsvector would be loaded with every explainer on every
page, and Django cannot declare a GIN index or a virtual table for one database only. Migration
0005 creates them for the database it runs on; this module is the only code that reads or
writes them. Rows that were never refreshed are not found until `manage.py
rebuild_search_index` fills them.
"""

from dataclasses import dataclass, field

from django.db import NotSupportedError, connections
from django.db.models import BooleanField, FloatField
from django.db.models.expressions import RawSQL

from core.search_tokens import Query, field_token_parts, field_tokens, is_japanese_character

FTS_TABLE = "explainers_search_fts"
WEIGHTS = {"A": 1.0, "B": 0.4, "C": 0.2}
# ts_rank_cd's weights are given as {D, C, B, A}.
PG_WEIGHTS = f"{{0.1, {WEIGHTS['C']}, {WEIGHTS['B']}, {WEIGHTS['A']}}}"
# tsvector limits: positions stop at 16383, and a lexeme keeps at most 256 of them.
PG_MAX_POSITION = 16383
PG_MAX_POSITIONS_PER_LEXEME = 256


@dataclass
class Document:
    """What an explainer's search sees, by field."""

    title: str
    introduction: str = ""
    key_points: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    summary: str = ""
    sources: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)

    def weighted_text(self) -> dict[str, list[str]]:
        return {
            "A": [self.title],
            "B": [*self.key_points, self.summary],
            "C": [self.introduction, *self.sections, *self.sources, *self.topics],
        }

    def tokens(self) -> dict[str, list[str]]:
        return {
            weight: [token for value in values for token in field_tokens(value)]
            for weight, values in self.weighted_text().items()
        }

    def positioned_tokens(self) -> dict[str, list[tuple[str, bool]]]:
        """`tokens()` with whether each is in the sequence phrases are matched on (True) or
        one of the lone Japanese characters after it (False): PostgreSQL stores positions
        for the first kind only (`tsvector_literal`)."""
        out = {}
        for weight, values in self.weighted_text().items():
            out[weight] = []
            for value in values:
                sequence, characters = field_token_parts(value)
                out[weight] += [(token, True) for token in sequence]
                out[weight] += [(character, False) for character in characters]
        return out

    def plain_text(self) -> str:
        """The readable text snippets are cut from (the title is shown on its own)."""
        parts = [self.introduction, *self.key_points, *self.sections, self.summary]
        parts += [*self.sources, *self.topics]
        return "\n".join(part for part in parts if part)


# PostgreSQL ------------------------------------------------------------------------------


def _pg_quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(tokens: dict[str, list]) -> str:
    """The tsvector of weighted token lists: positions run on through a weight's fields and
    jump by one between weights, so a phrase never spans the title and the text after it.

    The lone Japanese characters after each field's sequence (there for one-character
    queries) are stored without positions: they are matched, never ranked or part of a
    phrase, and leaving out their positions keeps a Japanese explainer's vector about 40%
    smaller, which is what ranking reads for every match. A token is a string, or a pair
    (token, in the sequence) from `Document.positioned_tokens()`: a one-character run inside
    the sequence (the を in 「中干し」を1週間) keeps its position, or a phrase across it would
    never match. A bare string that is one Japanese character counts as a lone one.
    """
    positions: dict[str, list[str]] = {}
    position = 0
    for weight in ("A", "B", "C"):
        for item in tokens.get(weight, ()):
            token, positioned = item if isinstance(item, tuple) else (item, None)
            if positioned is None:
                positioned = not is_japanese_character(token)
            position = min(position + 1, PG_MAX_POSITION)
            entries = positions.setdefault(token, [])
            if len(entries) < PG_MAX_POSITIONS_PER_LEXEME and positioned:
                entries.append(f"{position}{weight}")
        position += 1
    return " ".join(
        f"{_pg_quote(token)}:{','.join(p)}" if p else _pg_quote(token)
        for token, p in positions.items()
    )


def tsquery_literal(query: Query) -> str:
    groups = []
    for group in query.groups:
        phrase = " <-> ".join(_pg_quote(token) for token in group)
        groups.append(f"({phrase})" if len(group) > 1 else phrase)
    return " & ".join(groups)


# SQLite FTS5 -----------------------------------------------------------------------------


def fts_match(query: Query) -> str:
    """An FTS5 MATCH expression: each group a quoted phrase (tokens never contain quotes)."""
    return " AND ".join('"' + " ".join(group).replace('"', '""') + '"' for group in query.groups)


# SQLite rebuilds a table to alter it (a new table, the rows copied, the old one dropped), and
# the old table's triggers go with it: any migration that alters the explainer table on
# SQLite would drop the one that forgets a deleted explainer's index row. So it is made again
# after every migrate (`restore_sqlite_delete_trigger`, a post_migrate hook), not only by the
# migration that first made it (0005).
SQLITE_DELETE_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS explainers_search_fts_delete AFTER DELETE ON "
    "explainers_explainer BEGIN DELETE FROM explainers_search_fts WHERE rowid = old.id; END"
)


def restore_sqlite_delete_trigger(sender, using="default", **kwargs):
    """post_migrate: on SQLite, the trigger that drops a deleted explainer's index row."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if FTS_TABLE in tables and "explainers_explainer" in tables:
            cursor.execute(SQLITE_DELETE_TRIGGER)


# Backends ----------------------------------------------------------------------------------


def _vendor(connection) -> str:
    if connection.vendor not in {"postgresql", "sqlite"}:
        raise NotSupportedError(f"Explainer search needs PostgreSQL or SQLite: {connection.vendor}")
    return connection.vendor


def index_documents(connection, table: str, rows) -> None:
    """Write the index for `rows`, pairs of (explainer id, Document), in one statement each."""
    rows = list(rows)
    if not rows:
        return
    vendor = _vendor(connection)
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.executemany(
                f"UPDATE {quoted} SET search_vector = %s::tsvector WHERE id = %s",  # noqa: S608
                [(tsvector_literal(doc.positioned_tokens()), pk) for pk, doc in rows],
            )
            return
        cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(pk,) for pk, _ in rows])  # noqa: S608
        values = []
        for pk, doc in rows:
            tokens = doc.tokens()
            values.append((pk, *(" ".join(tokens[weight]) for weight in ("A", "B", "C"))))
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, a, b, c) VALUES (%s, %s, %s, %s)",  # noqa: S608
            values,
        )


def filter_and_rank(queryset, connection, query: Query):
    """`queryset` narrowed to the explainers matching every group of `query`, annotated with
    `search_rank` (higher is better on both databases). Ordering is the caller's."""
    # The SQL below interpolates only constants and the quoted table name; what the reader
    # typed is always a parameter (hence the S611 waivers).
    vendor = _vendor(connection)
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    if vendor == "postgresql":
        tsquery = tsquery_literal(query)
        hit = RawSQL(  # noqa: S611
            f"{table}.search_vector @@ %s::tsquery", [tsquery], output_field=BooleanField()
        )
        rank = RawSQL(  # noqa: S611
            f"ts_rank_cd(%s::float4[], {table}.search_vector, %s::tsquery, 1)",
            [PG_WEIGHTS, tsquery],
            output_field=FloatField(),
        )
    else:
        match = fts_match(query)
        hit = RawSQL(  # noqa: S611
            f"{table}.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)",  # noqa: S608
            [match],
            output_field=BooleanField(),
        )
        weights = ", ".join(str(WEIGHTS[w]) for w in ("A", "B", "C"))
        rank = RawSQL(  # noqa: S611
            f"(SELECT -bm25({FTS_TABLE}, {weights}) FROM {FTS_TABLE} "  # noqa: S608
            f"WHERE {FTS_TABLE} MATCH %s AND rowid = {table}.id)",
            [match],
            output_field=FloatField(),
        )
    return queryset.filter(hit).annotate(search_rank=rank)
