"""Insert model instances with one cached statement: the hot writes (a booking, an audit event).

``Model.objects.create`` and ``bulk_create`` rebuild their SQL on every call; on a booking that was a third
of the client's time. ``insert`` prepares each value as ``save()`` does (``pre_save`` for defaults
and auto_now, ``get_db_prep_save`` for the database's form; skipped for values it would not change, see
``values``), runs one INSERT (``executemany`` for several
rows) whose text is built once per model, and marks the instances saved. It sends no signals (we use none
for business effects) and, like ``save()``, does not run ``full_clean``: the caller has validated.
Database errors come through Django's cursor wrapper, so an ``IntegrityError`` is Django's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import (
    BooleanField,
    CharField,
    DateTimeField,
    DecimalField,
    Field,
    ForeignKey,
    IntegerField,
    JSONField,
    Model,
    TextField,
)
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

_statements: dict[tuple[str, type[Model], bool], tuple[list[Field[Any, Any]], str]] = {}
# Per (vendor, model, id of a field list): that list (kept, so its id is not reused) and, per field, its
# attname and the types passed as they are.
_plain: dict[tuple[str, type[Model], int],
             tuple[Sequence[Field[Any, Any]], list[tuple[Field[Any, Any], str, tuple[type, ...]]]]] = {}


def _plain_types(field: Field[Any, Any]) -> tuple[type, ...]:
    """The Python types a value of ``field`` can be passed to the driver as it is (``get_db_prep_save`` would
    return it unchanged): exact str for text, int for integers and integer keys, bool, finite Decimals, None
    where the column is nullable (not JSON: its None is a JSON null), and aware datetimes on PostgreSQL (on
    SQLite they become UTC text, as Django's backend stores them). Anything else is prepared."""
    nullable = (type(None),) if field.null and not isinstance(field, JSONField) else ()
    if isinstance(field, ForeignKey):
        return (int, type(None)) if isinstance(field.target_field, IntegerField) else ()  # the auto fields too
    if isinstance(field, BooleanField):
        return (bool, *nullable)
    if isinstance(field, CharField | TextField):
        return (str, *nullable)
    if isinstance(field, IntegerField):
        return (int, *nullable)
    if isinstance(field, DecimalField):
        return (Decimal, *nullable)
    if isinstance(field, DateTimeField) and not (field.auto_now or field.auto_now_add):
        return (datetime, *nullable)
    return nullable


def values(obj: Model, fields: Sequence[Field[Any, Any]]) -> list[Any]:
    """``obj``'s values for ``fields`` in the database's form, as ``save()`` prepares them, with the per-field
    preparation skipped where it would change nothing (plain str/int/bool/None/finite Decimal, aware datetimes;
    a text-choices member is its str value): preparing every value cost more than the INSERT's round trip.
    ``fields``: a list ``statement`` returned (what to pass for each is worked out once per list, kept by its
    identity)."""
    db = connections[DEFAULT_DB_ALIAS]  # once: the ``connection`` proxy costs a thread-local lookup per attribute
    key = (db.vendor, type(obj), id(fields))
    known = _plain.get(key)
    if known is None or known[0] is not fields:  # (a Field's hash is Python code: look each up once per list)
        known = _plain[key] = (fields, [(f, f.attname, _plain_types(f)) for f in fields])
    sqlite = db.vendor == "sqlite"
    utc_text = sqlite and db.timezone_name == "UTC"
    state = obj.__dict__
    out = []
    for f, attname, types in known[1]:
        value = state.get(attname, _MISSING)
        kind = type(value)
        if kind in types and (kind is not datetime or value.tzinfo is not None) and (
                kind is not Decimal or value.is_finite()):
            if kind is datetime and sqlite:  # stored as UTC text
                value = (str(value.astimezone(UTC).replace(tzinfo=None)) if utc_text
                         else db.ops.adapt_datetimefield_value(value))
            out.append(value)
        elif kind is not str and isinstance(value, str) and str in types:  # a TextChoices member: its value
            out.append(str(value))
        else:  # naive datetimes (Django warns), non-finite Decimals (refused), JSON, auto_now, bytes...
            out.append(f.get_db_prep_save(f.pre_save(obj, True), db))
    return out


_MISSING = object()


def statement(model: type[Model], returning: bool) -> tuple[list[Field[Any, Any]], str]:
    """The fields an INSERT of ``model`` writes (all concrete ones but an auto primary key) and its SQL."""
    return _statement(model, returning)


def _statement(model: type[Model], returning: bool) -> tuple[list[Field[Any, Any]], str]:
    key = (connection.vendor, model, returning)
    if key not in _statements:
        meta = model._meta
        fields = [f for f in meta.concrete_fields if not (f.primary_key and getattr(f, "db_returning", False))]
        quote = connection.ops.quote_name
        sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
               f"VALUES ({', '.join(['%s'] * len(fields))})")
        if returning:
            sql += f" RETURNING {quote(meta.pk.column)}"
        _statements[key] = (fields, sql)
    return _statements[key]


def _many_sql(model: type[Model], count: int, returning_pk: bool) -> str:
    """One INSERT of ``count`` rows of ``model`` (their values in ``statement``'s field order, row after row)."""
    _, sql = _statement(model, returning_pk)
    head, rest = sql.split(" VALUES ", 1)
    one_row, _, returning = rest.partition(" RETURNING ")
    return f"{head} VALUES {', '.join([one_row] * count)}{f' RETURNING {returning}' if returning else ''}"


def _saved(instances: Sequence[Model]) -> None:
    """Mark inserted instances as saved (their primary keys set), as ``save()`` does."""
    alias = connection.alias  # once: the proxy costs a thread-local lookup
    for obj in instances:
        obj._state.adding = False
        obj._state.db = alias


M = TypeVar("M", bound=Model)
_defaults: dict[type[Model], tuple[dict[str, Any], tuple[tuple[str, Any], ...], frozenset[str]] | None] = {}


def build(model: type[M], **given: Any) -> M:
    """A new, unsaved ``model(**given)`` (``given`` by attname: ``order_id``, not ``order``), made without
    ``Model.__init__``, which costs a group of results more than its INSERTs: the instance's ``__dict__`` is
    filled with ``given`` and every other field's default (a callable default called, as ``__init__`` does).
    A model with ``pre_init``/``post_init`` receivers (none of ours) is made the ordinary way; receivers are
    looked for the first time a model is built (connect them at start-up, as apps do)."""
    if model not in _defaults:
        _defaults[model] = None if pre_init.has_listeners(model) or post_init.has_listeners(model) else (
            {f.attname: f.get_default() for f in model._meta.concrete_fields
             if not (f.has_default() and callable(f.default))},
            tuple((f.attname, f.default) for f in model._meta.concrete_fields
                  if f.has_default() and callable(f.default)),
            frozenset(f.attname for f in model._meta.concrete_fields))
    spec = _defaults[model]
    if spec is None:
        return model(**given)
    plain, made, names = spec
    if not given.keys() <= names:
        raise TypeError(f"{model.__name__} has no field {sorted(given.keys() - names)}")
    obj = model.__new__(model)
    state = obj.__dict__
    state.update(plain)
    for attname, default in made:
        if attname not in given:
            state[attname] = default()
    state.update(given)
    obj._state = ModelState()
    return obj


def prepare(instances: Sequence[Model]) -> list[list[Any]]:
    """The values ``insert`` would write for ``instances`` (all of one model), computed now: a caller can build
    them before its transaction and fill in keys later (``set_value``), then ``insert(..., prepared=...)``."""
    if not instances:
        return []
    fields, _ = _statement(type(instances[0]), True)
    return [values(obj, fields) for obj in instances]


def set_value(prepared: list[Any], model: type[Model], attname: str, value: Any) -> None:
    """Put ``value`` (already in the database's form: a key, say) in a row ``prepare`` made, at ``attname``."""
    key = (model, attname)  # the fields' order is the model's, whatever the database
    if key not in _positions:
        fields, _ = _statement(model, True)
        _positions[key] = next(i for i, f in enumerate(fields) if f.attname == attname)
    prepared[_positions[key]] = value


_positions: dict[tuple[type[Model], str], int] = {}


def insert(instances: Sequence[Model], *, returning_pk: bool = True,
           prepared: list[list[Any]] | None = None) -> None:
    """INSERT ``instances`` (all of one model). With ``returning_pk`` each gets its primary key back. From
    ``COPY_FROM`` rows on PostgreSQL: one ``COPY`` (with ``returning_pk``, the keys reserved first in one query,
    ascending in the instances' order); fewer, or on SQLite: multi-row INSERTs (with RETURNING: up to
    ``_MANY_ROWS`` rows a statement, the keys in row order as Django's ``bulk_create`` relies on), or, on SQLite
    without RETURNING, one ``executemany``."""
    if not instances:
        return
    model = type(instances[0])
    fields, sql = _statement(model, returning_pk)
    if prepared is None:
        prepared = [values(obj, fields) for obj in instances]
    # Many rows on PostgreSQL: a COPY (the keys, if wanted, drawn from the sequence beforehand), which costs the
    # server and the client far less than a multi-row INSERT (parsed, planned, and its thousands of placeholders
    # split on the client) or an executemany (each statement planned anew); a few rows: one multi-row INSERT (one
    # round trip; a COPY takes three with the keys). On SQLite a multi-row INSERT ... RETURNING (the keys in row
    # order), or an executemany, which prepares once and loops in C.
    many = len(prepared) > 1 and (connection.features.can_return_rows_from_bulk_insert if returning_pk
                                  else connection.vendor == "postgresql")
    with connection.cursor() as cursor:
        if len(prepared) >= COPY_FROM and connection.vendor == "postgresql":
            columns = [f.column for f in fields]
            if returning_pk:  # keys drawn from the table's sequence first, then written like any column
                keys = reserve_keys(cursor, model, len(prepared))
                for obj, pk in zip(instances, keys, strict=True):
                    obj.pk = pk
                columns = [model._meta.pk.column, *columns]
                prepared = [[pk, *row] for pk, row in zip(keys, prepared, strict=True)]
            copy(cursor, model._meta.db_table, columns, prepared)
        elif many:
            for start in range(0, len(prepared), _MANY_ROWS):
                chunk = prepared[start:start + _MANY_ROWS]
                cursor.execute(_many_sql(model, len(chunk), returning_pk), [value for row in chunk for value in row])
                if returning_pk:
                    keys = [row[0] for row in cursor.fetchall()]
                    if len(keys) != len(chunk):
                        raise RuntimeError(f"{len(keys)} keys returned for {len(chunk)} rows")
                    for obj, pk in zip(instances[start:start + len(chunk)], keys, strict=True):
                        obj.pk = pk
        elif returning_pk:
            for obj, row in zip(instances, prepared, strict=True):
                cursor.execute(sql, row)
                obj.pk = cursor.fetchone()[0]
        elif len(prepared) == 1:
            cursor.execute(sql, prepared[0])
        else:
            cursor.executemany(sql, prepared)
    _saved(instances)


COPY_FROM = 16  # rows from which PostgreSQL gets a COPY
_MANY_ROWS = 200  # rows per multi-row INSERT: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters


_sequences: dict[str, str] = {}


def reserve_keys(cursor: Any, model: type[Model], count: int) -> list[int]:
    """PostgreSQL: ``count`` new primary keys of ``model`` from its column's sequence (serial or identity), in
    one query, ascending."""
    table, column = model._meta.db_table, model._meta.pk.column
    if table not in _sequences:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [connection.ops.quote_name(table), column])
        _sequences[table] = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [_sequences[table], count])
    return sorted(row[0] for row in cursor.fetchall())


def copy(cursor: Any, table: str, columns: Sequence[str], prepared: Sequence[Sequence[Any]]) -> None:
    """PostgreSQL: the rows (values in the database's form, in ``columns`` order) with ``COPY … FROM STDIN``
    through ``cursor`` (Django's): for many rows the server's cheapest way in (no statement to parse and plan,
    no placeholders to split on the client), with every constraint and trigger checked as for an INSERT."""
    quote = connection.ops.quote_name
    with connection.wrap_database_errors, cursor.cursor.copy(  # Django's errors (IntegrityError…), as execute
            f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN") as stream:
        for row in prepared:
            stream.write_row(row)


def one_trip(cursor: Any) -> bool:
    """Whether ``cursor`` (Django's) sends several statements, separated by ``;``, as one query and round trip:
    PostgreSQL's client-side-binding cursor, Django's default (not with the ``server_side_binding`` option, which
    allows one statement per query). The results then follow one another (``cursor.nextset()``)."""
    if connection.vendor != "postgresql":
        return False
    from psycopg import ClientCursor

    return isinstance(cursor.cursor, ClientCursor)
