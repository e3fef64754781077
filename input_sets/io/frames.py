"""Section DataFrames ↔ database rows, and their canonical form.

The canonical form (fixed column order and dtypes, rows sorted by natural key) is what the
content hash and the diff read, so a set loaded from the database and the same set parsed from
files compare equal. Bulk I/O goes through Django's connection with raw ``executemany`` (SQLite)
or ``COPY`` (PostgreSQL): one model instance per row costs several times more at a million rows
(figures in ``docs/performance.md``).
"""

from collections.abc import Callable

import numpy as np
import pandas as pd
from django.db import connection

from planning_hub.bulk import CHUNK_ROWS, insert_frame

from ..sections import Section


def empty_frame(section: Section) -> pd.DataFrame:
    """A frame with the section's columns and no rows."""
    return canonical_frame(section, pd.DataFrame({f: [] for f in section.fields}))


def canonical_frame(section: Section, frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with exactly ``section.fields`` as columns, floats as float64 (NaN for
    NULL), dates as ISO ``YYYY-MM-DD`` strings or ``None``, other strings as ``str`` (NULL →
    ``""``), rows sorted by the natural key and a fresh RangeIndex."""
    out = {}
    for column in section.columns:
        values = frame[column.field] if column.field in frame else pd.Series([None] * len(frame))
        if column.kind == "float":
            out[column.field] = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
        elif column.kind == "date":
            out[column.field] = np.array(
                [None if _is_null(v) else str(v)[:10] for v in values], dtype=object
            )
        else:
            out[column.field] = (
                values.astype(object).where(values.notna(), "").astype(str).to_numpy(dtype=object)
            )
    result = pd.DataFrame(out, columns=section.fields)
    if len(result):
        sort_keys = [
            result[k].fillna("") if result[k].dtype == object else result[k] for k in section.key
        ]
        order = (
            pd.DataFrame(dict(enumerate(sort_keys)))
            .sort_values(list(range(len(sort_keys))), kind="stable")
            .index
        )
        result = result.loc[order].reset_index(drop=True)
    return result


def _is_null(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def load_section(input_set_id: int, section: Section) -> pd.DataFrame:
    """Read every row of ``section`` for one input set as a canonical frame."""
    table = section.model._meta.db_table
    qn = connection.ops.quote_name
    cols = ", ".join(qn(section.model._meta.get_field(f).column) for f in section.fields)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {cols} FROM {qn(table)} WHERE input_set_id = %s", [input_set_id])
        frames = []
        while rows := cursor.fetchmany(CHUNK_ROWS):
            frames.append(pd.DataFrame.from_records(rows, columns=section.fields))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=section.fields)
    return canonical_frame(section, frame)


def delete_section(input_set_id: int, section: Section) -> int:
    """Delete every row of ``section`` for one input set; returns the row count."""
    return section.model.objects.filter(input_set_id=input_set_id)._raw_delete(connection.alias)


def insert_section(
    input_set_id: int,
    section: Section,
    frame: pd.DataFrame,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Bulk-insert a canonical ``frame`` as rows of ``input_set_id``; returns the row count.

    Runs inside the caller's transaction; ``progress(n)`` after each chunk of rows.
    """
    return insert_frame(
        section.model,
        frame,
        fields=section.fields,
        fixed={"input_set_id": input_set_id},
        progress=progress,
    )
