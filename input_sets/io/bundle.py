"""Input bundles: the raw files of one import, from a folder, a zip archive or an upload.

A bundle is a mapping of *base* file name → bytes. Nothing is ever extracted to disk, so an
archive member or an uploaded file name cannot write outside anywhere; unsafe member names are
still refused so that an operator notices a tampered archive.
"""

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings

from .errors import ImportIssue


class BundleError(Exception):
    """The bundle itself is unusable (missing folder, unsafe or oversized zip)."""

    def __init__(self, issue: ImportIssue):
        super().__init__(issue.message)
        self.issue = issue


@dataclass
class InputBundle:
    """Files of one import. ``name`` is the folder/archive stem (default label suffix)."""

    name: str
    files: dict[str, bytes] = field(default_factory=dict)

    def meta_label(self) -> str | None:
        """The label recorded in ``input_set_meta.json``, when the bundle has one."""
        import json

        raw = self.files.get("input_set_meta.json")
        try:
            meta = json.loads(raw) if raw else None
        except (ValueError, UnicodeDecodeError):
            return None
        return meta.get("label") if isinstance(meta, dict) else None

    @classmethod
    def from_path(cls, path: str | Path) -> "InputBundle":
        """Read a folder (its top-level files) or a ``.zip`` archive.

        Raises :class:`BundleError` when the path does not exist or the archive is unsafe.
        """
        path = Path(path)
        if path.is_dir():
            files = {p.name: p.read_bytes() for p in sorted(path.iterdir()) if _wanted(p.name)}
            return cls(name=path.resolve().name, files=files)
        if path.is_file() and zipfile.is_zipfile(path):
            with path.open("rb") as fh:
                return cls.from_zip(fh, name=path.stem)
        raise BundleError(
            ImportIssue(
                file=str(path),
                code="input_not_found",
                message="Input is neither a folder nor a zip archive.",
            )
        )

    @classmethod
    def from_zip(cls, fileobj, name: str) -> "InputBundle":
        """Read a zip archive, refusing path traversal, too many members and zip bombs.

        Limits: ``INPUT_SETS_ZIP_MAX_FILES`` members and ``INPUT_SETS_ZIP_MAX_BYTES`` bytes in
        total after decompression (checked on the declared sizes and again while reading).
        """
        zip_name = f"{name}.zip"
        try:
            archive = zipfile.ZipFile(fileobj)
        except zipfile.BadZipFile as exc:
            raise BundleError(
                ImportIssue(file=zip_name, code="invalid_zip", message=str(exc))
            ) from exc
        members = [m for m in archive.infolist() if not m.is_dir()]
        max_files = settings.INPUT_SETS_ZIP_MAX_FILES
        max_bytes = settings.INPUT_SETS_ZIP_MAX_BYTES
        if len(members) > max_files:
            raise BundleError(
                ImportIssue(
                    file=zip_name,
                    code="zip_too_many_files",
                    message=f"The archive holds {len(members)} files; at most {max_files} are allowed.",
                )
            )
        if sum(m.file_size for m in members) > max_bytes:
            raise BundleError(
                ImportIssue(
                    file=zip_name,
                    code="zip_too_large",
                    message=f"The archive expands to more than {max_bytes} bytes.",
                )
            )
        files: dict[str, bytes] = {}
        budget = max_bytes
        for member in members:
            pure = PurePosixPath(member.filename.replace("\\", "/"))
            if pure.is_absolute() or ".." in pure.parts or member.filename.startswith("/"):
                raise BundleError(
                    ImportIssue(
                        file=member.filename,
                        code="zip_unsafe_path",
                        message="Archive member has an absolute path or '..'; refusing the archive.",
                    )
                )
            if not _wanted(pure.name) or "__MACOSX" in pure.parts:
                continue
            if pure.name in files:
                raise BundleError(
                    ImportIssue(
                        file=member.filename,
                        code="zip_duplicate_file",
                        message="Two archive members have the same file name.",
                    )
                )
            # Read at most budget+1 bytes: the declared size may lie.
            with archive.open(member) as fh:
                data = fh.read(budget + 1)
            budget -= len(data)
            if budget < 0:
                raise BundleError(
                    ImportIssue(
                        file=member.filename,
                        code="zip_too_large",
                        message=f"The archive expands to more than {max_bytes} bytes.",
                    )
                )
            files[pure.name] = data
        return cls(name=name, files=files)

    @classmethod
    def from_uploads(cls, uploads, name: str = "upload") -> "InputBundle":
        """Build a bundle from uploaded files (objects with ``.name`` and ``.read()``).

        A single ``.zip`` upload is opened as an archive. Only the base name of each upload is
        kept; client-supplied directories are dropped.
        """
        uploads = list(uploads)
        if len(uploads) == 1 and uploads[0].name.lower().endswith(".zip"):
            return cls.from_zip(io.BytesIO(uploads[0].read()), name=Path(uploads[0].name).stem)
        files = {}
        for upload in uploads:
            base = PurePosixPath(upload.name.replace("\\", "/")).name
            if _wanted(base):
                files[base] = upload.read()
        return cls(name=name, files=files)


def _wanted(filename: str) -> bool:
    return bool(filename) and not filename.startswith(".")
