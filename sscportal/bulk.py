"""Set-based inserts for the runs that write thousands of rows at once (the daily reminders).

Django's bulk_create builds a model instance for each row and prepares each of its values
through the field, which was most of the reminder run's time at 20,000 emails. On PostgreSQL,
insert_rows sends each column as one array (INSERT … SELECT … FROM unnest(…)), a statement per
5,000 rows; elsewhere (the embedded SQLite) it goes through bulk_create, so both write the
same rows. Either way, a column the caller leaves out gets its field's default.
"""

import json
from collections.abc import Mapping, Sequence
from functools import partial

from django.db import connection, transaction
from django.db.models import JSONField, Model
from django.db.models.fields import AutoFieldMixin

CHUNK = 5000


def _columns(model: type[Model], given: set[str]) -> list:
    """The fields to write: those given by attname, and every other one with a default (a
    text field's is "", as Django's)."""
    fields = []
    for field in model._meta.concrete_fields:
        if field.attname in given:
            fields.append(field)
        elif (field.primary_key and field.auto_created) or getattr(field, "db_returning", False):
            continue  # the database numbers the row
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            # Django fills these on save(), which an insert of values never calls.
            raise ValueError(f"{model.__name__}.{field.attname} is set on save: give a value.")
        elif not (
            field.has_default()
            or field.null
            or (field.empty_strings_allowed and not field.is_relation)
        ):
            raise ValueError(f"{model.__name__}.{field.attname} has no default: give a value.")
        elif field.unique and not field.primary_key:
            # A default evaluated once for the whole insert would repeat in every row.
            raise ValueError(f"{model.__name__}.{field.attname} is unique: give a value.")
        else:
            fields.append(field)
    unknown = given - {field.attname for field in fields}
    if unknown:
        raise ValueError(f"{model.__name__} has no column {', '.join(sorted(unknown))}.")
    return fields


def _preparer(field):
    """How a column's values go to the database: JSON as text (an adapter object per value
    doubled the run's time), ids as they are, the rest through the field as Django does."""
    if isinstance(field, JSONField):
        # None is SQL NULL, as the ORM stores it, not the JSON null.
        dump = partial(json.dumps, cls=field.encoder)
        return lambda value: None if value is None else dump(value)
    if field.is_relation and isinstance(field.target_field, AutoFieldMixin):
        return _same
    prepare = partial(field.get_db_prep_save, connection=connection)
    if field.get_internal_type() in {"CharField", "TextField"}:
        # A string is sent as it is; anything else (a lazy translation, a number) as Django would.
        return lambda value: value if type(value) is str else prepare(value)
    return prepare


def _array_type(field) -> str:
    """The element type to send a column as. Text goes as text: a cast to varchar(n) would cut
    a value too long to fit, where the column itself refuses it as the ORM's insert would."""
    if field.get_internal_type() in {"CharField", "TextField"}:
        return "text"
    return field.cast_db_type(connection)


def _same(value):
    return value


def new_ids(model: type[Model], count: int) -> list[int]:
    """Draw `count` ids from the table's own sequence, so rows can be linked before they are
    written (PostgreSQL)."""
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(table), pk, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert_rows(
    model: type[Model],
    rows: Sequence[Mapping[str, object]],
    *,
    ignore_conflicts: bool = False,
    with_ids: bool = False,
) -> list[int]:
    """Insert `rows` (dicts keyed by attname, all with the same keys) in a few statements.

    Returns the new ids, in the rows' order, when `with_ids` (which cannot be combined with
    ignore_conflicts: a skipped row has no id)."""
    if with_ids and ignore_conflicts:
        raise ValueError("A row skipped on conflict has no id to return.")
    if not rows:
        return []
    given = set(rows[0])
    if any(row.keys() != given for row in rows):
        # On PostgreSQL a column is an array: a row with a key more or less would be misread.
        raise ValueError("Every row must name the same columns.")
    fields = _columns(model, given | ({model._meta.pk.attname} if with_ids else set()))
    if connection.vendor != "postgresql":
        objects = [model(**row) for row in rows]
        model.objects.bulk_create(objects, batch_size=1000, ignore_conflicts=ignore_conflicts)
        return [obj.pk for obj in objects] if with_ids else []

    ids = new_ids(model, len(rows)) if with_ids else []
    if with_ids:
        given.add(model._meta.pk.attname)
    preparers = {field.attname: _preparer(field) for field in fields}
    defaults = {
        field.attname: preparers[field.attname](field.get_default())
        for field in fields
        if field.attname not in given
    }
    names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    arrays = ", ".join(f"%s::{_array_type(field)}[]" for field in fields)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({names}) "  # noqa: S608
        f"SELECT * FROM unnest({arrays})" + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
    )
    pk = model._meta.pk.attname
    # All or nothing, as bulk_create is, even when the caller has no transaction of its own.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            params = []
            for field in fields:
                name = field.attname
                if name in defaults:
                    params.append([defaults[name]] * len(chunk))
                elif with_ids and name == pk:
                    params.append(ids[start : start + CHUNK])
                else:
                    prepare = preparers[name]
                    params.append([prepare(row[name]) for row in chunk])
            cursor.execute(sql, params)
    return ids
