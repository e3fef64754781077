"""The columnar series store: plan series levels as zstd Parquet segments (issue 9).

Layout: the ``plan_series`` storage (``settings.STORAGES``) holds
``<version_id>/job-<job id>/<level>-<seq>.parquet``; a :class:`~plans.models.PlanSeriesSegment`
row per file holds plan, level, rows, bytes, sha256 and the key range. Rows are sorted by item
then bucket, in row groups of ``PLAN_SERIES_ROW_GROUP_ROWS`` (a read of one item touches one
group), at most ``PLAN_SERIES_SEGMENT_ROWS`` rows per segment, split between items.

Guarantees:

* files are written by :class:`SegmentWriter` inside the result transaction; if the block
  fails, the files it wrote are deleted; rows (and so the series) appear only on commit;
* a killed run leaves files without rows; :func:`remove_orphan_segments` deletes them (called
  when workers start and by ``plan_db_maint``);
* deleting a segment row (plan delete, retention, re-execution) deletes its file on commit;
* every read checks the sha256: a changed or missing file raises
  :class:`SeriesSegmentCorrupt` / :class:`SeriesSegmentMissing`, never wrong numbers.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction

from .exceptions import PlanError
from .models import JobStatus, PlanJob, PlanSeriesSegment, PlanVersion
from .pipeline.series_tables import level_schema

logger = logging.getLogger(__name__)

STORAGE_ALIAS = "plan_series"
SUFFIX = ".parquet"


class SeriesSegmentMissing(PlanError):
    """A segment row points to a file the storage does not have."""

    code = "series_segment_missing"


class SeriesSegmentCorrupt(PlanError):
    """A segment file's sha256 differs from the one recorded when it was written."""

    code = "series_segment_corrupt"


def series_storage():
    """The Django storage holding the segments (``STORAGES["plan_series"]``)."""
    return storages[STORAGE_ALIAS]


# ---------------------------------------------------------------------- writing
def parquet_bytes(table: pd.DataFrame) -> bytes:
    """``table`` as zstd Parquet with row groups of ``PLAN_SERIES_ROW_GROUP_ROWS`` rows.

    No pandas or timestamp metadata is written, so equal tables give byte-identical files
    (the reproducibility check of issue 9). Key columns, categorical inside the pipeline,
    are stored as plain ``string`` columns (Parquet dictionary-encodes them itself), so the
    file schema does not depend on how the frame held its keys."""
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    arrow = arrow.cast(pa.schema([_plain_field(f) for f in arrow.schema]))
    arrow = arrow.replace_schema_metadata(None)
    buffer = io.BytesIO()
    pq.write_table(
        arrow,
        buffer,
        compression="zstd",
        row_group_size=settings.PLAN_SERIES_ROW_GROUP_ROWS,
        write_statistics=True,
    )
    return buffer.getvalue()


def _plain_field(field: pa.Field) -> pa.Field:
    kind = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
    if pa.types.is_large_string(kind) or pa.types.is_string(kind):
        return field.with_type(pa.string())
    return field.with_type(kind)


def _key_codes(values: pd.Series) -> np.ndarray:
    """Integer codes of a key column; equal keys have equal codes (categorical: its own)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy()
    return pd.factorize(values)[0]


def _key_range(values: pd.Series) -> tuple[str, str]:
    """``(min, max)`` of a non-empty key column as strings; a categorical with sorted
    categories answers from its codes without converting every row."""
    if (
        isinstance(values.dtype, pd.CategoricalDtype)
        and values.cat.categories.is_monotonic_increasing
    ):
        codes = values.cat.codes.to_numpy()
        cats = values.cat.categories
        return str(cats[codes.min()]), str(cats[codes.max()])
    text = values.astype(str)
    return text.min(), text.max()


def _segment_slices(table: pd.DataFrame, item: str | None, max_rows: int) -> Iterator[slice]:
    """Row ranges of at most ``max_rows`` rows that never split one item's rows (an item with
    more rows than that gets a segment of its own)."""
    n = len(table)
    if n <= max_rows or item is None:
        yield slice(0, n)
        return
    items = _key_codes(table[item])
    start = 0
    while start < n:
        end = min(start + max_rows, n)
        if end < n:
            # move the cut back to the first row of the item it would split
            while end > start and items[end] == items[end - 1]:
                end -= 1
            if end == start:  # one item larger than max_rows: take it whole
                end = start + max_rows
                while end < n and items[end] == items[end - 1]:
                    end += 1
        yield slice(start, end)
        start = end


class SegmentWriter:
    """Writes a plan's levels as segments for one job; use with :func:`segment_writer`.

    :meth:`write_level` stores the files (before the result transaction, so no database lock
    is held while they are written) and collects the unsaved segment rows in ``segments``;
    :meth:`save_rows` inserts them inside the result transaction."""

    def __init__(self, *, plan: PlanVersion, job_id: int) -> None:
        self.plan = plan
        self.prefix = f"{plan.version_id}/job-{job_id}"
        self.storage = series_storage()
        self.written: list[str] = []
        self.segments: list[PlanSeriesSegment] = []

    def write_level(self, level: str, table: pd.DataFrame) -> str:
        """Store ``table`` (a level's table, :mod:`plans.pipeline.series_tables`), already in
        store order (``sort_table``, as the pipeline and the backfill build it); returns the
        level's sha256 (of an empty string for no rows). ``ValueError`` if out of order."""
        schema = level_schema(level)
        if not pd.MultiIndex.from_frame(table[schema.sort_keys]).is_monotonic_increasing:
            raise ValueError(f"Level {level} is not sorted by {', '.join(schema.sort_keys)}.")
        digests = []
        slices = _segment_slices(table, schema.item, settings.PLAN_SERIES_SEGMENT_ROWS)
        for seq, part in enumerate(slices):
            chunk = table.iloc[part]
            if chunk.empty:
                continue
            data = parquet_bytes(chunk)
            digest = hashlib.sha256(data).hexdigest()
            name = self.storage.save(f"{self.prefix}/{level}-{seq:04d}{SUFFIX}", ContentFile(data))
            self.written.append(name)
            bucket_min, bucket_max = _key_range(chunk[schema.bucket])
            self.segments.append(
                PlanSeriesSegment(
                    plan=self.plan,
                    level=level,
                    seq=seq,
                    name=name,
                    rows=len(chunk),
                    bytes=len(data),
                    sha256=digest,
                    item_min=str(chunk[schema.item].iloc[0]) if schema.item else "",
                    item_max=str(chunk[schema.item].iloc[-1]) if schema.item else "",
                    bucket_min=bucket_min,
                    bucket_max=bucket_max,
                )
            )
            digests.append(digest)
        return hashlib.sha256("".join(digests).encode()).hexdigest()

    def save_rows(self) -> int:
        """Insert the collected segment rows (call inside the result transaction); returns
        the number of series rows they hold."""
        PlanSeriesSegment.objects.bulk_create(self.segments)
        return sum(s.rows for s in self.segments)

    def discard(self) -> None:
        """Delete every file this writer stored (the transaction did not commit)."""
        for name in self.written:
            try:
                self.storage.delete(name)
            except OSError:
                logger.warning("series_segment_discard_failed", extra={"segment": name})
        self.written = []


@contextmanager
def segment_writer(*, plan: PlanVersion, job_id: int) -> Iterator[SegmentWriter]:
    """A :class:`SegmentWriter` whose files are deleted again if the block raises. Put the
    result transaction inside the block, so a failed commit also discards the files."""
    writer = SegmentWriter(plan=plan, job_id=job_id)
    try:
        yield writer
    except BaseException:
        writer.discard()
        raise


def delete_segment_file_on_commit(sender, instance: PlanSeriesSegment, **kwargs) -> None:
    """``post_delete`` receiver: the file goes once the deleting transaction commits."""
    name = instance.name
    transaction.on_commit(lambda: _delete_quietly(name))


def _delete_quietly(name: str) -> None:
    try:
        series_storage().delete(name)
    except OSError:
        logger.warning("series_segment_delete_failed", extra={"segment": name})


# ---------------------------------------------------------------------- orphans
def _walk(storage, path: str = "") -> Iterator[str]:
    dirs, files = storage.listdir(path)
    for name in files:
        yield f"{path}/{name}" if path else name
    for sub in dirs:
        yield from _walk(storage, f"{path}/{sub}" if path else sub)


def remove_orphan_segments() -> int:
    """Delete segment files no segment row points to, except those of jobs still running
    (their transaction may yet commit). Returns how many files were deleted."""
    storage = series_storage()
    try:
        names = list(_walk(storage))
    except FileNotFoundError:
        return 0
    known = set(PlanSeriesSegment.objects.values_list("name", flat=True))
    running = {
        f"job-{pk}"
        for pk in PlanJob.objects.filter(status=JobStatus.RUNNING).values_list("pk", flat=True)
    }
    removed = 0
    for name in names:
        parts = name.split("/")
        if name in known or (len(parts) >= 2 and parts[-2] in running):
            continue
        storage.delete(name)
        removed += 1
    if removed:
        logger.info("series_orphan_segments_removed", extra={"count": removed})
    return removed


# ---------------------------------------------------------------------- reading
class _VerifiedBytes:
    """Per-process LRU of segment bytes whose sha256 was checked, keyed by that sha256
    (content addressed: a cached entry is right for any segment with the same digest)."""

    def __init__(self) -> None:
        self._data: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, segment: PlanSeriesSegment) -> bytes:
        with self._lock:
            data = self._data.get(segment.sha256)
            if data is not None:
                self._data.move_to_end(segment.sha256)
                return data
        data = _load_verified(segment)
        limit = settings.PLAN_SERIES_CACHE_BYTES
        if len(data) <= limit:
            with self._lock:
                if segment.sha256 not in self._data:
                    self._data[segment.sha256] = data
                    self._size += len(data)
                while self._size > limit:
                    _, old = self._data.popitem(last=False)
                    self._size -= len(old)
        return data

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._size = 0


def _load_verified(segment: PlanSeriesSegment) -> bytes:
    storage = series_storage()
    try:
        with storage.open(segment.name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise SeriesSegmentMissing(
            f"Series segment {segment.name} of plan {segment.plan_id} ({segment.level}) is "
            "missing from the series storage; restore it from a backup."
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != segment.sha256:
        logger.error("series_segment_corrupt", extra={"segment": segment.name})
        raise SeriesSegmentCorrupt(
            f"Series segment {segment.name} of plan {segment.plan_id} ({segment.level}) is "
            f"corrupt: sha256 {digest[:12]}… differs from the recorded {segment.sha256[:12]}…; "
            "restore it from a backup."
        )
    return data


verified_bytes = _VerifiedBytes()


def open_segment(segment: PlanSeriesSegment) -> pq.ParquetFile:
    """The segment as a :class:`pyarrow.parquet.ParquetFile` (sha256 checked)."""
    return pq.ParquetFile(pa.BufferReader(verified_bytes.get(segment)))


def segment_file_bytes(segment: PlanSeriesSegment) -> bytes:
    """The segment's file content (sha256 checked); used by backups."""
    return _load_verified(segment)


def row_groups_for_items(pf: pq.ParquetFile, item: str, items: Iterable[str]) -> list[int]:
    """Row groups of ``pf`` whose ``item`` statistics range holds one of ``items``."""
    wanted = sorted(set(items))
    index = pf.schema_arrow.get_field_index(item)
    groups = []
    for i in range(pf.metadata.num_row_groups):
        stats = pf.metadata.row_group(i).column(index).statistics
        if stats is None or not stats.has_min_max:
            groups.append(i)
            continue
        lo, hi = stats.min, stats.max
        if any(lo <= w <= hi for w in wanted):
            groups.append(i)
    return groups
