"""Querysets whose SQL is built once and run many times: for the fixed queries of hot pages.

Turning a queryset into SQL (resolving lookups, joins and expressions, quoting, aliasing)
costs more CPU than running it against an index: on the uncached explainer page it was most
of the view's time. `PreparedQuery(build)` calls `build(**values)` once per database and
shape with stand-in values, compiles it, and keeps the SQL. Each call then runs that SQL with
the real values where the stand-ins were, through the queryset's own result handling (model
instances with their select_related, annotations, values rows, the database's converters), so
it returns exactly what `list(build(**values))` would, without building it.

- Values are ids (`int`), lists of ids, or aware datetimes; a list's length is part of the
  shape (`IN` has one placeholder per id), as are `literals` (values the SQL text itself
  holds, such as a slice's OFFSET), kept in a small cache of recent shapes.
- Preparing refuses a value that does not reach the query as a parameter of its own (folded
  into the SQL text, or transformed), so a prepared query can never run with a stand-in.
- It relies on two seams of Django's ORM: a query's `get_compiler()` and a compiler's
  `as_sql()`, both replaced on per-call copies. `tests/core/test_prepared.py` holds it to the
  plain queryset's results, so an upgrade that moves them fails there first.
"""

import copy
import datetime
import itertools
from collections import OrderedDict

from django.db import DEFAULT_DB_ALIAS, connections

# Stand-ins no real value takes: negative ids, and instants in 1901.
_INT_STAND_IN = -(10**15)
_TIME_STAND_IN = datetime.datetime(1901, 1, 1, tzinfo=datetime.UTC)
MAX_SHAPES = 64


class PreparedQuery:
    """A queryset built by `build(**values, **literals)`, compiled once per database and shape."""

    def __init__(self, build):
        self.build = build
        self._prepared = OrderedDict()

    def __call__(self, *, using=DEFAULT_DB_ALIAS, literals=None, **values) -> list:
        """`list(build(**values, **literals))`, from the SQL prepared for this shape."""
        literals = literals or {}
        shape = (
            using,
            tuple((name, _kind(value)) for name, value in sorted(values.items())),
            tuple(sorted(literals.items())),
        )
        prepared = self._prepared.get(shape)
        if prepared is None:
            prepared = _Prepared(self.build, using, shape[1], literals)
            self._prepared[shape] = prepared
            if len(self._prepared) > MAX_SHAPES:
                self._prepared.popitem(last=False)
        return prepared.run(values)


def _kind(value):
    if isinstance(value, (list, tuple)):
        return len(value)
    if isinstance(value, datetime.datetime):
        return "datetime"
    if isinstance(value, int) and not isinstance(value, bool):
        return "int"
    raise TypeError(f"A prepared query takes ids, lists of ids and datetimes, not {value!r}.")


def _db_value(value, connection):
    """A value as the ORM passes it to the database driver."""
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


class _Prepared:
    def __init__(self, build, using, kinds, literals):
        self.using = using
        connection = connections[using]
        counter = itertools.count(1)
        stand_ins, slots_of = {}, {}
        for name, kind in kinds:
            if kind == "datetime":
                stand_ins[name] = _TIME_STAND_IN + datetime.timedelta(microseconds=next(counter))
                slots_of[_db_value(stand_ins[name], connection)] = (name, None)
            elif kind == "int":
                stand_ins[name] = _INT_STAND_IN - next(counter)
                slots_of[stand_ins[name]] = (name, None)
            else:
                stand_ins[name] = [_INT_STAND_IN - next(counter) for _ in range(kind)]
                for index, stand_in in enumerate(stand_ins[name]):
                    slots_of[stand_in] = (name, index)
        queryset = build(**stand_ins, **literals).using(using)
        compiler = queryset.query.get_compiler(using=using)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.slots = [
            (position, slots_of[param])
            for position, param in enumerate(self.params)
            if isinstance(param, (int, str, datetime.datetime))
            and not isinstance(param, bool)
            and param in slots_of
        ]
        missing = set(slots_of.values()) - {slot for _, slot in self.slots}
        if missing or str(_INT_STAND_IN)[:8] in self.sql:
            raise ValueError(f"Values {sorted(missing)} do not reach the query as parameters.")
        self.queryset, self.compiler = queryset, compiler

    def run(self, values) -> list:
        connection = connections[self.using]
        params = list(self.params)
        for position, (name, index) in self.slots:
            value = values[name] if index is None else values[name][index]
            params[position] = _db_value(value, connection)
        compiler = copy.copy(self.compiler)
        compiler.connection = connection
        sql = self.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        queryset = self.queryset._chain()
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        return list(queryset)
