"""Fast bulk insert of a DataFrame into one table, inside the caller's transaction.

Raw ``executemany`` on SQLite and ``COPY`` on PostgreSQL through Django's connection: building
one model instance per row costs several times more at a million rows (``docs/performance.md``).
Used for input-set child rows and plan series.
"""

import json
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
from django.db import connection, models

CHUNK_ROWS = 50_000


def insert_frame(
    model: type[models.Model],
    frame: pd.DataFrame,
    *,
    fields: list[str],
    fixed: dict[str, object] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert ``frame[fields]`` as rows of ``model``; ``fixed`` gives constant columns (e.g.
    ``{"input_set_id": 7}``). Float NaN becomes NULL for nullable fields; JSON fields take
    python objects (serialised here). Returns the number of rows; ``progress(n)`` after each
    chunk."""
    if frame.empty:
        return 0
    meta = model._meta
    fixed = {**_defaults(model, set(fields) | set(fixed or {})), **(fixed or {})}
    qn = connection.ops.quote_name
    names = [*fixed, *fields]
    columns = [meta.get_field(n).column for n in names]
    table = qn(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for chunk in _chunks(model, frame, fields, fixed):
                    for row in chunk:
                        copy.write_row(row)
                    if progress:
                        progress(len(chunk))
        else:
            sql = (
                f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) "
                f"VALUES ({', '.join(['%s'] * len(columns))})"
            )
            for chunk in _chunks(model, frame, fields, fixed):
                cursor.executemany(sql, chunk)
                if progress:
                    progress(len(chunk))
    return len(frame)


def _defaults(model, given: set[str]) -> dict[str, object]:
    """Model-level defaults of the columns the frame leaves out (raw SQL does not apply them)."""
    out = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in given or field.attname in given:
            continue
        if field.has_default():
            value = field.get_default()
            out[field.name] = json.dumps(value) if isinstance(field, models.JSONField) else value
        elif field.null:
            out[field.name] = None
        elif field.empty_strings_allowed:
            out[field.name] = ""
    return out


def _chunks(model, frame: pd.DataFrame, fields: list[str], fixed: dict) -> Iterator[list[tuple]]:
    meta = model._meta
    for start in range(0, len(frame), CHUNK_ROWS):
        part = frame.iloc[start : start + CHUNK_ROWS]
        cols = [[value] * len(part) for value in fixed.values()]
        for name in fields:
            field = meta.get_field(name)
            values = part[name]
            if isinstance(field, models.JSONField):
                cols.append([json.dumps(v, separators=(",", ":"), default=str) for v in values])
            elif isinstance(field, models.FloatField):
                arr = values.to_numpy(dtype="float64")
                if field.null:
                    obj = arr.astype(object)
                    obj[np.isnan(arr)] = None
                    cols.append(obj.tolist())
                else:
                    cols.append(np.nan_to_num(arr, nan=0.0).tolist())
            elif isinstance(field, models.BooleanField):
                cols.append([bool(v) for v in values])
            elif field.empty_strings_allowed and not field.null:
                cols.append(values.astype(object).where(values.notna(), "").tolist())
            else:
                cols.append(values.tolist())
        yield list(zip(*cols, strict=True))
