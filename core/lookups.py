"""Query lookups that a value no column can hold answers instead of crashing on.

Two values come from requests that the database refuses outright in a query: a number beyond
64 bits (SQLite: OverflowError) and a NUL character (PostgreSQL: DataError). Neither can be in
any row, so a query comparing with one can match nothing, and is answered without asking the
database. Django already does this for `exact`, `gt`, `lt`... on an integer column; not for
`in`, nor through a relation (`?explainer=<thirty digits>` in an admin list filter, ticked ids),
nor for text (`?status__exact=%00`). These lookups do the same for those. Registered in
CoreConfig.ready().

Only queries: a value out of range in a *write* is still an error (a bug to hear about).
"""

from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models.fields.related_lookups import RelatedExact, RelatedIn
from django.db.models.lookups import (
    Contains,
    EndsWith,
    Exact,
    IContains,
    IEndsWith,
    IExact,
    In,
    IStartsWith,
    StartsWith,
)


def _in_range(value, field, connection) -> bool:
    if not isinstance(value, int) or isinstance(value, bool):
        return True
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    return (low is None or value >= low) and (high is None or value <= high)


def _integer_target(field):
    """The integer column a lookup compares with (a relation's target), or None."""
    target = getattr(field, "target_field", field)
    return target if isinstance(target, models.IntegerField) else None


class _DropsOutOfRange:
    """`in`: a value out of range can match no row, so it is left out (none left: no row)."""

    def process_rhs(self, compiler, connection):
        target = _integer_target(self.lhs.output_field)
        if target is not None and self.rhs_is_direct_value():
            values = [value for value in self.rhs if _in_range(value, target, connection)]
            if not values:
                raise EmptyResultSet
            self.rhs = values
        return super().process_rhs(compiler, connection)


class IntegerIn(_DropsOutOfRange, In):
    pass


class BoundedRelatedIn(_DropsOutOfRange, RelatedIn):
    pass


class BoundedRelatedExact(RelatedExact):
    """`explainer=<n>`: a number out of range names no row."""

    def process_rhs(self, compiler, connection):
        target = _integer_target(self.lhs.output_field)
        if target is not None and not _in_range(self.rhs, target, connection):
            raise EmptyResultSet
        return super().process_rhs(compiler, connection)


def _stored_text(value) -> bool:
    """False for text no row holds: with a NUL (see _NulMatchesNothing)."""
    return not (isinstance(value, str) and "\x00" in value)


class _NulMatchesNothing:
    """Text lookups (`exact`, `contains`, ..., `in`) with a NUL match no row, on every database:
    PostgreSQL cannot store NUL (and refuses the query), Django's form fields refuse it and our
    models' clean_text drops it. (SQLite would even match every row: a NUL ends its pattern.)
    """

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            if isinstance(self.rhs, list | tuple | set):
                values = [value for value in self.rhs if _stored_text(value)]
                if not values:
                    raise EmptyResultSet
                self.rhs = values
            elif not _stored_text(self.rhs):
                raise EmptyResultSet
        return super().process_rhs(compiler, connection)


TEXT_LOOKUPS = [
    type(f"NulFree{base.__name__}", (_NulMatchesNothing, base), {})
    for base in (
        Exact, IExact, Contains, IContains, StartsWith, IStartsWith, EndsWith, IEndsWith, In
    )
]  # fmt: skip


def register() -> None:
    models.IntegerField.register_lookup(IntegerIn)
    models.ForeignObject.register_lookup(BoundedRelatedIn)
    models.ForeignObject.register_lookup(BoundedRelatedExact)
    for lookup in TEXT_LOOKUPS:
        models.CharField.register_lookup(lookup)
        models.TextField.register_lookup(lookup)
