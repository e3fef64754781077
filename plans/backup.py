"""Backups of the database together with the plan series segments (issue 9 item 6; seed
``002`` T6, database maintenance).

A backup is a directory::

    PATH/
      manifest.json         {format, format_version, created_at, vendor, database,
                             database_bytes, database_sha256, segment_count, segment_bytes,
                             segments: [{name, plan, level, seq, rows, bytes, sha256}]}
      database.sqlite3      SQLite: the online backup API's copy, or
      database.dump         PostgreSQL: ``pg_dump -Fc``
      segments/<name>       every segment file the database copy points to

The segment list is the one of the database copy itself (SQLite: read from the copy;
PostgreSQL: read in the snapshot ``pg_dump`` dumps, ``--snapshot``), so a plan written or
deleted meanwhile cannot make the two disagree. Every segment is read with its sha256 check
(:func:`~plans.series_store.segment_file_bytes`); the manifest is written last, so a
directory without one is an incomplete backup.

:func:`backup_restore` checks the manifest and the sha256 of the database file and of every
segment file before it touches anything, then restores the database (SQLite: the backup API
from the copy into the live database; PostgreSQL: ``pg_restore --clean --if-exists
--no-owner --single-transaction``), writes the segment files back to the ``plan_series``
storage (replacing files of the same name) and removes segment files the restored database
does not know (:func:`~plans.series_store.remove_orphan_segments`). Stop the web server and
the workers first: the restore replaces every table.

Errors raise :class:`BackupError` with a message for the operator.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path, PurePosixPath

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from .models import PlanSeriesSegment, PlanVersion
from .series_store import (
    SeriesSegmentCorrupt,
    SeriesSegmentMissing,
    remove_orphan_segments,
    segment_file_bytes,
    series_storage,
    verified_bytes,
)

logger = logging.getLogger(__name__)

FORMAT = "planning-hub-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SEGMENTS_DIR = "segments"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore cannot go on; the message says why and what to do."""


# ---------------------------------------------------------------------- helpers
def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _safe_name(name: object) -> str:
    """A segment storage name from a manifest: relative, no ``..``, no backslashes."""
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
        raise BackupError(f"Manifest lists an invalid segment name {name!r}.")
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("", ".", "..") for part in name.split("/")):
        raise BackupError(f"Manifest lists an invalid segment name {name!r}.")
    return name


def pg_tool(name: str) -> str:
    """Path of ``pg_dump`` / ``pg_restore`` matching the server's major version: the binary
    in ``/usr/lib/postgresql/<major>/bin`` when there is one (Debian keeps several), else
    the one on ``PATH``."""
    connection.ensure_connection()
    major = connection.pg_version // 10000
    candidate = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if candidate.is_file():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (PostgreSQL client tools, version {major}).")
    return found


def _pg_args() -> tuple[list[str], dict[str, str]]:
    """Connection options for the pg tools and their environment (password, sslmode)."""
    settings = connection.settings_dict
    args = [
        "-h",
        settings.get("HOST") or "localhost",
        "-p",
        str(settings.get("PORT") or 5432),
        "-U",
        settings["USER"],
    ]
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    sslmode = (settings.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return args, env


def _run_pg(cmd: list[str], env: dict[str, str], what: str) -> None:
    try:
        subprocess.run(cmd, check=True, env=env, capture_output=True, text=True)
    except OSError as exc:
        raise BackupError(f"{what} could not be started: {exc}") from exc
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or exc.stdout or "").strip().splitlines()
        tail = " | ".join(detail[-5:]) or f"exit status {exc.returncode}"
        raise BackupError(f"{what} failed (exit {exc.returncode}): {tail}") from exc


# ---------------------------------------------------------------------- backup
_SEGMENT_FIELDS = ("name", "plan_id", "plan__version_id", "level", "seq", "rows", "bytes", "sha256")


def _segments_of_sqlite_copy(path: Path) -> list[tuple[int, dict]]:
    seg = PlanSeriesSegment._meta
    plan = PlanVersion._meta
    col = lambda model, field: model.get_field(field).column  # noqa: E731
    sql = (
        f'SELECT s."{col(seg, "name")}", p."{plan.pk.column}", p."{col(plan, "version_id")}", s."{col(seg, "level")}", '
        f's."{col(seg, "seq")}", s."{col(seg, "rows")}", s."{col(seg, "bytes")}", '
        f's."{col(seg, "sha256")}" FROM "{seg.db_table}" s '
        f'JOIN "{plan.db_table}" p ON p."{plan.pk.column}" = s."{col(seg, "plan")}" '
        f'ORDER BY s."{col(seg, "name")}"'
    )
    copy = sqlite3.connect(path)
    try:
        return [_segment_entry(row) for row in copy.execute(sql).fetchall()]
    finally:
        copy.close()


def _segment_entry(row) -> tuple[int, dict]:
    """``(plan id, manifest entry)`` of one segment row."""
    name, plan_id, plan, level, seq, rows, size, sha = row
    return plan_id, {
        "name": name,
        "plan": plan,
        "level": level,
        "seq": seq,
        "rows": rows,
        "bytes": size,
        "sha256": sha,
    }


def _dump_sqlite(target: Path) -> list[tuple[int, dict]]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        with copy:
            connection.connection.backup(copy)
    finally:
        copy.close()
    return _segments_of_sqlite_copy(target)


def _dump_postgresql(target: Path) -> list[tuple[int, dict]]:
    if connection.in_atomic_block:
        raise BackupError("A PostgreSQL backup cannot run inside a database transaction.")
    args, env = _pg_args()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # one snapshot for the segment list and the dump
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        rows = PlanSeriesSegment.objects.order_by("name").values_list(*_SEGMENT_FIELDS)
        segments = [_segment_entry(row) for row in rows]
        cmd = [
            pg_tool("pg_dump"),
            "-Fc",
            f"--snapshot={snapshot}",
            "-f",
            str(target),
            *args,
            connection.settings_dict["NAME"],
        ]
        _run_pg(cmd, env, "pg_dump")
    return segments


def _copy_segments(segments: list[tuple[int, dict]], folder: Path) -> int:
    total = 0
    for plan_id, entry in segments:
        segment = PlanSeriesSegment(
            plan_id=plan_id, name=entry["name"], sha256=entry["sha256"], level=entry["level"]
        )
        try:
            data = segment_file_bytes(segment)
        except SeriesSegmentMissing as exc:
            if not PlanSeriesSegment.objects.filter(name=entry["name"]).exists():
                raise BackupError(
                    f"Segment {entry['name']} was deleted while the backup ran (its plan was "
                    "deleted or re-executed); run the backup again."
                ) from exc
            raise BackupError(f"{exc} The backup is incomplete.") from exc
        except SeriesSegmentCorrupt as exc:
            raise BackupError(f"{exc} The backup is incomplete.") from exc
        target = folder / _safe_name(entry["name"])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        total += len(data)
    return total


def backup_write(path: Path | str) -> dict:
    """Write a backup directory at ``path`` (a new or empty directory; see the module
    docstring) and return its manifest. Raises :class:`BackupError` (unsupported database,
    ``pg_dump`` failure, a segment missing or failing its sha256 check); a failed backup
    leaves no directory behind."""
    path = Path(path)
    vendor = connection.vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"Backups are not supported for {vendor}.")
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise BackupError(f"{path} exists and is not an empty directory; choose a new path.")
    created = not path.exists()
    path.mkdir(parents=True, exist_ok=True)
    try:
        database = path / DATABASE_FILES[vendor]
        started = timezone.now()
        segments = _dump_sqlite(database) if vendor == "sqlite" else _dump_postgresql(database)
        segment_bytes = _copy_segments(segments, path / SEGMENTS_DIR)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": started.isoformat(),
            "vendor": vendor,
            "database": database.name,
            "database_bytes": database.stat().st_size,
            "database_sha256": _sha256_file(database),
            "segment_count": len(segments),
            "segment_bytes": segment_bytes,
            "segments": [entry for _, entry in segments],
        }
        (path / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    except BaseException:
        if created:
            shutil.rmtree(path, ignore_errors=True)
        else:
            for child in path.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise
    logger.info(
        "plan_db_backup_written",
        extra={"path": str(path), "vendor": vendor, "segments": len(segments)},
    )
    return manifest


# ---------------------------------------------------------------------- restore
def backup_verify(path: Path | str) -> dict:
    """Check a backup directory without changing anything: the manifest is readable and of
    this format, the database vendor matches, and the database file and every segment file
    have the recorded size and sha256. Returns the manifest; raises :class:`BackupError`."""
    path = Path(path)
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{manifest_path} not found: not a backup directory, or incomplete.")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(f"{manifest_path} is not a readable manifest: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{manifest_path} is not a Planning Hub backup manifest.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"Backup format version {manifest.get('format_version')!r} unknown.")
    if manifest.get("vendor") != connection.vendor:
        raise BackupError(
            f"The backup is of a {manifest.get('vendor')} database; this one is "
            f"{connection.vendor}."
        )
    database = manifest.get("database")
    if database != DATABASE_FILES[connection.vendor]:
        raise BackupError(f"Manifest names an unexpected database file {database!r}.")
    _check_file(path / database, manifest.get("database_bytes"), manifest.get("database_sha256"))
    segments = manifest.get("segments")
    if not isinstance(segments, list):
        raise BackupError("Manifest has no segment list.")
    for entry in segments:
        if not isinstance(entry, dict):
            raise BackupError(f"Manifest lists an invalid segment {entry!r}.")
        name = _safe_name(entry.get("name"))
        _check_file(path / SEGMENTS_DIR / name, entry.get("bytes"), entry.get("sha256"))
    return manifest


def _check_file(path: Path, size, sha256) -> None:
    if not path.is_file():
        raise BackupError(f"{path} is missing from the backup.")
    if path.stat().st_size != size:
        raise BackupError(f"{path} has {path.stat().st_size} bytes, the manifest says {size}.")
    digest = _sha256_file(path)
    if digest != sha256:
        raise BackupError(
            f"{path} is damaged: sha256 {digest[:12]}… differs from the manifest's "
            f"{str(sha256)[:12]}…; nothing was restored."
        )


def _restore_sqlite(database: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(database)
    try:
        source.backup(connection.connection)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite restore failed: {exc}") from exc
    finally:
        source.close()


def _restore_postgresql(database: Path) -> None:
    args, env = _pg_args()
    cmd = [
        pg_tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        *args,
        "-d",
        connection.settings_dict["NAME"],
        str(database),
    ]
    _run_pg(cmd, env, "pg_restore")


def _put_segments(path: Path, segments: list[dict]) -> None:
    storage = series_storage()
    for entry in segments:
        name = entry["name"]
        data = (path / SEGMENTS_DIR / name).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:  # changed since the check
            raise BackupError(f"Segment {name} changed during the restore; run it again.")
        if storage.exists(name):
            storage.delete(name)
        saved = storage.save(name, ContentFile(data))
        if saved != name:
            raise BackupError(
                f"The series storage saved segment {name} as {saved}; restore into an empty "
                "or writable series storage."
            )


def backup_restore(path: Path | str) -> dict:
    """Restore the database and the segment files from a backup directory (see the module
    docstring); everything is checked first (:func:`backup_verify`), so a damaged backup is
    refused before anything changes. Returns ``{database, vendor, created_at, segments,
    orphans_removed}``. Raises :class:`BackupError`. Run ``manage.py migrate`` afterwards
    when the backup is older than the code."""
    path = Path(path)
    if connection.in_atomic_block:
        raise BackupError("A restore cannot run inside a database transaction.")
    manifest = backup_verify(path)
    database = path / manifest["database"]
    if connection.vendor == "sqlite":
        _restore_sqlite(database)
    else:
        _restore_postgresql(database)
    _put_segments(path, manifest["segments"])
    verified_bytes.clear()
    orphans = remove_orphan_segments()
    logger.info(
        "plan_db_backup_restored",
        extra={"path": str(path), "segments": len(manifest["segments"]), "orphans": orphans},
    )
    return {
        "database": str(database),
        "vendor": manifest["vendor"],
        "created_at": manifest["created_at"],
        "segments": len(manifest["segments"]),
        "orphans_removed": orphans,
    }
