"""Writing many changed rows at the speed of the database, and telling the planner
about them afterwards.

`bulk_update_rows(model, objs, fields)` writes the given fields of many objects.
Django's `bulk_update` builds one `CASE WHEN pk = … THEN …` per field and row: for
5,000 employees and ten fields that is 50,000 expressions to build in Python and a
statement PostgreSQL needs seconds to plan. Here, on PostgreSQL, the rows are
copied (`COPY … FROM STDIN`) into a temporary table of exactly the columns needed
and written with one `UPDATE … FROM`; on SQLite (and any other engine) one prepared
`UPDATE … WHERE pk = ?` is executed for every row (`executemany`), which SQLite
runs faster than the `CASE WHEN` form (see docs/import.md, "Speed").

`bulk_insert_rows(model, objs)` inserts many new rows whose primary keys the
caller does not need back (an audit trail, or rows it reads back by their own key
in one query): COPY on PostgreSQL, `bulk_create` elsewhere. `one_of(field, values)`
filters on many values: on PostgreSQL as `field = ANY(%s)` with one array, since
psycopg binds on the client and splits a query of 50,000 placeholders in Python
(seconds); elsewhere it is Django's `__in`.

`gc_paused()` pauses Python's cyclic garbage collector while a large file is read,
checked and written: such an import builds hundreds of thousands of objects that
live until it ends, and each collection walks all of them again (for the 50,000-row
HR file a third of the time it takes to read and check it).

`analyze(*models)` refreshes the planner's statistics of the models' tables. After
a large import the statistics describe the table as it was before it (say: empty),
and PostgreSQL may choose a nested loop that rescans the new rows hundreds of times;
autovacuum catches up only later. Imports call `analyze_if_large(...)` with the
number of rows they wrote.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router, transaction
from django.db.models import F, lookups

# An import that writes at least this many rows refreshes the statistics of the
# tables it wrote (ANALYZE costs a fraction of a second even on large tables).
LARGE_WRITE = 1000

_temp_names = itertools.count(1)


def bulk_update_rows(
    model: type[models.Model],
    objs: Iterable[models.Model],
    fields: Sequence[str],
    *,
    batch_size: int = 2000,
) -> int:
    """Write `fields` of every object in `objs` (matched by primary key) to the
    database; returns the number of rows updated.

    Values are written as the objects hold them: no `pre_save` (so `auto_now` is
    not applied; set such a field yourself), no signals, no expressions. A field
    is named by its name or attname (`"unit"` or `"unit_id"`). An object given
    twice is written with its last state. `batch_size` bounds the rows of one
    statement where the engine needs batches (not with COPY).
    """
    concrete = model._meta.concrete_model
    columns = [_field(concrete, name) for name in dict.fromkeys(fields)]
    by_pk = {obj.pk: obj for obj in objs}
    if not by_pk or not columns:
        return 0
    if None in by_pk:
        raise ValueError("bulk_update_rows() needs saved objects (with a primary key).")
    using = router.db_for_write(model)
    connection = connections[using]
    pk = concrete._meta.pk
    rows = _db_values([pk, *columns], by_pk.values(), connection, add=False)
    with transaction.atomic(using=using, savepoint=False):
        if connection.vendor == "postgresql":
            return _copy_and_update(connection, concrete._meta.db_table, pk, columns, rows)
        return _update_each(connection, concrete._meta.db_table, pk, columns, rows, batch_size)


# Fields whose database value is the Python value itself when it has exactly this
# type: no Django preparation needed (it costs more than the COPY of the value).
_PLAIN_TYPES = {
    models.CharField: str,
    models.EmailField: str,
    models.TextField: str,
    models.BooleanField: bool,
    models.DateField: dt.date,
    models.AutoField: int,
    models.BigAutoField: int,
    models.SmallAutoField: int,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.PositiveSmallIntegerField: int,
}


def _plain_type(field: models.Field) -> type | None:
    if type(field) in (models.ForeignKey, models.OneToOneField):
        field = field.target_field
    return _PLAIN_TYPES.get(type(field))


def _db_values(fields, objs, connection, *, add: bool) -> list[list]:
    """The database values of the fields of each object, as Django would write them
    (`pre_save` for an insert, then `get_db_prep_save`), but without Django's calls
    where the value needs none: a string for a CharField, an int for a key."""
    plans = [
        (
            field.attname,
            field,
            _plain_type(field),
            add and type(field).pre_save is not models.Field.pre_save,
        )
        for field in fields
    ]
    rows = []
    for obj in objs:
        row = []
        for attname, field, plain, pre_save in plans:
            value = field.pre_save(obj, add=True) if pre_save else getattr(obj, attname)
            if plain is None or (value is not None and type(value) is not plain):
                value = field.get_db_prep_save(value, connection)
            row.append(value)
        rows.append(row)
    return rows


def _field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    if field not in model._meta.local_concrete_fields or field.primary_key:
        raise ValueError(f"bulk_update_rows() cannot write {model.__name__}.{name}.")
    return field


def _copy_and_update(connection, table: str, pk, columns, rows) -> int:
    """COPY the rows into a temporary table shaped like the target's columns (the
    same types, taken from the table itself), then one UPDATE … FROM it."""
    quote = connection.ops.quote_name
    temp = quote(f"bulk_{table}_{next(_temp_names)}"[:63])
    names = [quote(pk.column)] + [quote(field.column) for field in columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS "  # noqa: S608 - quoted names
            f"SELECT {', '.join(names)} FROM {quote(table)} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {temp} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        assignments = ", ".join(f"{name} = source.{name}" for name in names[1:])
        cursor.execute(
            f"UPDATE {quote(table)} AS target SET {assignments} "  # noqa: S608 - quoted names
            f"FROM {temp} AS source WHERE target.{names[0]} = source.{names[0]}"
        )
        updated = cursor.rowcount
        # Dropped now, so that a second call in the same transaction starts clean;
        # ON COMMIT DROP is for a transaction that ends early.
        cursor.execute(f"DROP TABLE {temp}")
    return updated


def _update_each(connection, table: str, pk, columns, rows, batch_size: int) -> int:
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    sql = f"UPDATE {quote(table)} SET {assignments} WHERE {quote(pk.column)} = %s"  # noqa: S608
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = [row[1:] + row[:1] for row in rows[start : start + batch_size]]
            cursor.executemany(sql, batch)
            updated += max(cursor.rowcount, 0)
    return updated


def bulk_insert_rows(
    model: type[models.Model],
    objs: Iterable[models.Model | dict[str, Any]],
    *,
    batch_size: int = 2000,
) -> None:
    """Insert the objects as new rows, as `bulk_create` would (defaults, `auto_now_add`),
    but without giving them their primary keys: read the rows back by their own
    key where they are needed. An object may also be a dict of field values by
    attname (`{"unit_id": 3, …}`; what it leaves out gets the field's default):
    building 50,000 model instances costs a second."""
    objs = list(objs)
    if not objs:
        return
    opts = model._meta
    if opts.concrete_model is not model or opts.parents:
        raise ValueError("bulk_insert_rows() writes one table (no proxy or child model).")
    using = router.db_for_write(model)
    connection = connections[using]
    fields = [f for f in opts.local_concrete_fields if not f.db_returning]
    if connection.vendor != "postgresql":
        objs = [model(**obj) if isinstance(obj, dict) else obj for obj in objs]
        model.objects.using(using).bulk_create(objs, batch_size=batch_size)
        return
    defaults = {field.attname: field.get_default() for field in fields}
    objs = [_Values(defaults, obj) if isinstance(obj, dict) else obj for obj in objs]
    rows = _db_values(fields, objs, connection, add=True)
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in fields)
    with (
        transaction.atomic(using=using, savepoint=False),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(opts.db_table)} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
    for obj in objs:
        if isinstance(obj, models.Model):
            obj._state.adding, obj._state.db = False, using


class _Values:
    """A row given as a dict, with attribute access for the fields' `pre_save`."""

    def __init__(self, defaults: dict[str, Any], values: dict[str, Any]):
        self.__dict__.update(defaults)
        self.__dict__.update(values)


class _OneOf(lookups.In):
    """`IN (…)` that PostgreSQL receives as `= ANY(%s)`: one parameter, however many values."""

    def as_postgresql(self, compiler, connection):
        if not self.rhs_is_direct_value():
            return self.as_sql(compiler, connection)
        values = [value for value in dict.fromkeys(self.rhs) if value is not None]
        if not values:
            raise EmptyResultSet
        field = self.lhs.output_field
        lhs, params = self.process_lhs(compiler, connection)
        array = [field.get_db_prep_value(value, connection, prepared=True) for value in values]
        return f"{lhs} = ANY(%s)", (*params, array)


def one_of(field: str | models.Expression, values: Iterable) -> lookups.Lookup:
    """A filter "`field` is one of `values`" for `QuerySet.filter()`, fast for many
    values: `Employee.objects.filter(one_of("personnel_number", numbers))`."""
    return _OneOf(F(field) if isinstance(field, str) else field, list(values))


def analyze(*models: type[models.Model]) -> None:
    """Refresh the planner's statistics of the models' tables (PostgreSQL and
    SQLite; other engines keep their own)."""
    tables: dict[str, set[str]] = {}  # database alias -> table names
    for model in models:
        table = model._meta.concrete_model._meta.db_table
        tables.setdefault(router.db_for_write(model), set()).add(table)
    for using, names in tables.items():
        connection = connections[using]
        if connection.vendor not in ("postgresql", "sqlite"):
            continue
        with connection.cursor() as cursor:
            for name in sorted(names):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")


def analyze_if_large(*models: type[models.Model], rows: int) -> bool:
    """After an import that wrote `rows` rows: ANALYZE the models' tables when that
    is at least LARGE_WRITE. True if it did."""
    if rows < LARGE_WRITE:
        return False
    analyze(*models)
    return True


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (reference counting still
    frees what is no longer used); the collector runs again as before after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
