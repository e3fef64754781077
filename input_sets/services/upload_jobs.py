"""Uploads parsed in a job (kind ``import``, :mod:`input_sets.jobs`): a large upload is
staged to disk and imported by a worker with the same import service as a small upload
(:func:`input_set_import_uploads`), so the web worker answers at once (API 202, hub page
redirected to the job) and the job's result is the import report the command prints.
"""

import shutil
import zipfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import transaction

from planning_hub.jobs.models import Job
from planning_hub.jobs.services import job_create

from ..choices import InputSetSource
from ..exceptions import ImportRejected
from ..io.bundle import BundleError, InputBundle
from ..io.encoding import AUTO
from .importing import ImportReport, input_set_import


def upload_size(uploads) -> int:
    """The bytes an upload will be read as: the files' sizes, or for one ``.zip`` the sizes
    its members declare — unless they declare more than ``INPUT_SETS_ZIP_MAX_RATIO`` times the
    archive (a bomb, refused at once in the request by the bundle checks)."""
    uploads = list(uploads)
    raw = sum(getattr(f, "size", 0) or 0 for f in uploads)
    if len(uploads) != 1 or not uploads[0].name.lower().endswith(".zip"):
        return raw
    upload = uploads[0]
    try:
        with zipfile.ZipFile(upload) as archive:
            declared = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return raw  # the request's bundle checks report it
    finally:
        upload.seek(0)
    ratio = getattr(settings, "INPUT_SETS_ZIP_MAX_RATIO", 100)
    return declared if raw and declared <= ratio * raw else raw


def upload_is_large(uploads) -> bool:
    """True when :func:`upload_size` exceeds ``INPUT_SETS_ASYNC_UPLOAD_BYTES``: such an upload
    is parsed in a job instead of the request."""
    return upload_size(uploads) > settings.INPUT_SETS_ASYNC_UPLOAD_BYTES


def input_set_import_uploads(*, uploads, label: str, **options) -> ImportReport:
    """Import uploaded files (objects with ``name`` and ``read()``; one ``.zip`` is opened as an
    archive) with :func:`~input_sets.services.importing.input_set_import` (``options`` are its
    keyword arguments). Raises :class:`~input_sets.io.bundle.BundleError` for an unusable
    bundle and :class:`~input_sets.exceptions.ImportRejected` like the import service."""
    bundle = InputBundle.from_uploads(uploads, name=label)
    return input_set_import(bundle=bundle, label=label, **options)


def _staging(name: str) -> Path:
    return Path(settings.INPUT_SETS_UPLOAD_STAGING_DIR) / name


def input_set_import_enqueue(
    *,
    uploads,
    label: str,
    config_version_id: int,
    apply_mode: str = "replace",
    validate_only: bool = False,
    source: str = InputSetSource.API,
    actor: str = "",
    user=None,
    comment: str = "",
    encoding: str = AUTO,
    trigger: str = "",
) -> Job:
    """Stage ``uploads`` under ``INPUT_SETS_UPLOAD_STAGING_DIR/job-<id>/`` and queue an
    ``import`` job for them (handed to a worker when the transaction commits). Returns the
    queued job; its ``result`` becomes the import report (``ImportReport.as_dict()``: status,
    action, input_set, counts, errors, warnings, files) whether it succeeds or is rejected."""
    params = {
        "label": label,
        "config_version_id": config_version_id,
        "apply_mode": apply_mode,
        "validate_only": validate_only,
        "source": source,
        "actor": actor,
        "comment": comment,
        "encoding": encoding,
        "files": [],
    }
    with transaction.atomic():
        # enqueued on commit, so after every file is staged
        job = job_create(kind="import", trigger=trigger, user=user, params=params)
        params["staging"] = f"job-{job.pk}"
        folder = _staging(params["staging"])
        folder.mkdir(parents=True, exist_ok=True)
        for n, upload in enumerate(uploads):
            name = PurePosixPath(upload.name.replace("\\", "/")).name or "upload"
            stored = f"{n:03d}-{name}"
            with (folder / stored).open("wb") as out:
                for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
                    out.write(chunk)
            params["files"].append({"stored": stored, "name": name})
        Job.objects.filter(pk=job.pk).update(params=params)
        job.params = params
    return job


class _Staged:
    """A staged upload, read back like an uploaded file (``name``, ``read()``)."""

    def __init__(self, path: Path, name: str):
        self.path, self.name = path, name

    def read(self) -> bytes:
        return self.path.read_bytes()


def input_set_import_run(*, job: Job, progress) -> dict:
    """The body of an ``import`` job: import the staged files with the job's parameters; the
    job's result is the report. A rejected import stores its report (with every error) before
    the job fails. The staged files are removed once the import succeeded or was rejected; after
    any other failure (a crash, a killed worker) they stay, so a retry (same ``params``) imports
    them again."""
    params = dict(job.params)
    folder = _staging(params.pop("staging"))
    if not folder.is_dir():
        raise FileNotFoundError("The staged upload is gone; upload the files again.")
    uploads = [_Staged(folder / f["stored"], f["name"]) for f in params.pop("files")]
    label = params.pop("label")

    def on_progress(stage: str, done: int, total: int) -> None:
        progress(stage, int(100 * done / total) if total else 0)

    try:
        report = input_set_import_uploads(
            uploads=uploads, label=label, user=job.created_by, progress=on_progress, **params
        )
    except (ImportRejected, BundleError) as exc:
        if isinstance(exc, BundleError):
            rejected = ImportReport(
                status="error", apply_mode=params["apply_mode"], source=params["source"]
            )
            rejected.errors.append(exc.issue)
        else:
            rejected = exc.report
        Job.objects.filter(pk=job.pk).update(result=rejected.as_dict())
        shutil.rmtree(folder, ignore_errors=True)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    return report.as_dict()
