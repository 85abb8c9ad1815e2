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
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    DateTimeField,
    Field,
    ForeignKey,
    IntegerField,
    Model,
    TextField,
)

_statements: dict[tuple[str, type[Model], bool], tuple[list[Field[Any, Any]], str]] = {}
_plain: dict[tuple[str, type[Model]], dict[Field[Any, Any], tuple[str, tuple[type, ...]]]] = {}


def _plain_types(field: Field[Any, Any]) -> tuple[type, ...]:
    """The Python types a value of ``field`` can be passed to the driver as it is (``get_db_prep_save`` would
    return it unchanged): exact str for text, int for integers and integer keys, bool, None where the column is
    nullable, and aware datetimes on PostgreSQL (SQLite stores them as text). Anything else is prepared."""
    if isinstance(field, ForeignKey):
        return (int, type(None)) if isinstance(field.target_field, IntegerField) else ()  # the auto fields too
    if isinstance(field, BooleanField):
        return (bool,)
    if isinstance(field, CharField | TextField):
        return (str,)
    if isinstance(field, IntegerField):
        return (int,)
    if isinstance(field, DateTimeField) and not (field.auto_now or field.auto_now_add) \
            and connection.vendor == "postgresql":
        return (datetime,)
    return ()


def values(obj: Model, fields: Sequence[Field[Any, Any]]) -> list[Any]:
    """``obj``'s values for ``fields`` in the database's form, as ``save()`` prepares them, with the per-field
    preparation skipped where it would change nothing (plain str/int/bool/None, aware datetimes on
    PostgreSQL): preparing every value cost more than the INSERT's round trip."""
    key = (connection.vendor, type(obj))
    plain = _plain.get(key)
    if plain is None:
        plain = _plain[key] = {f: (f.attname, _plain_types(f)) for f in type(obj)._meta.concrete_fields}
    out = []
    for f in fields:
        attname, types = plain[f]
        value = obj.__dict__.get(attname, _MISSING)
        if value is not _MISSING and type(value) in types and (
                type(value) is not datetime or value.tzinfo is not None):
            out.append(value)
        else:
            out.append(f.get_db_prep_save(f.pre_save(obj, True), connection))
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


def insert(instances: Sequence[Model], *, returning_pk: bool = True) -> None:
    """INSERT ``instances`` (all of one model). With ``returning_pk`` each gets its primary key back (one
    statement per row); without, all rows go in one ``executemany``."""
    if not instances:
        return
    model = type(instances[0])
    fields, sql = _statement(model, returning_pk)
    prepared = [values(obj, fields) for obj in instances]
    with connection.cursor() as cursor:
        if returning_pk:
            for obj, row in zip(instances, prepared, strict=True):
                cursor.execute(sql, row)
                obj.pk = cursor.fetchone()[0]
        elif len(prepared) == 1:
            cursor.execute(sql, prepared[0])
        else:
            cursor.executemany(sql, prepared)
    for obj in instances:
        obj._state.adding = False
        obj._state.db = connection.alias


def one_trip(cursor: Any) -> bool:
    """Whether ``cursor`` (Django's) sends several statements, separated by ``;``, as one query and round trip:
    PostgreSQL's client-side-binding cursor, Django's default (not with the ``server_side_binding`` option, which
    allows one statement per query). The results then follow one another (``cursor.nextset()``)."""
    if connection.vendor != "postgresql":
        return False
    from psycopg import ClientCursor

    return isinstance(cursor.cursor, ClientCursor)
