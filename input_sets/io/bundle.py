"""Input bundles: the raw files of one import, from a folder, a zip archive or an upload.

A bundle is a mapping of *base* file name → bytes. Nothing is ever extracted to disk, so an
archive member or an uploaded file name cannot write outside anywhere; unsafe member names are
still refused so that an operator notices a tampered archive.
"""

import io
import struct
import zipfile
import zlib
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
        except (ValueError, UnicodeDecodeError, RecursionError):
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
        """Read a zip archive (a seekable binary file object), refusing path traversal, too
        many members and zip bombs.

        Members are inflated in chunks of :data:`ZIP_CHUNK_BYTES` with the standard library's
        streaming reader (``ZipFile.open``) and the archive is refused as soon as:

        - one member passes ``INPUT_SETS_ZIP_MAX_MEMBER_BYTES`` or all members together pass
          ``INPUT_SETS_ZIP_MAX_BYTES`` inflated bytes (``zip_too_large``; the sizes the archive
          declares are not trusted), or
        - a member that has inflated more than :data:`ZIP_RATIO_FLOOR_BYTES` holds more than
          ``INPUT_SETS_ZIP_MAX_RATIO`` times the compressed bytes read for it so far
          (``zip_ratio``): 1 GiB of zeros in a 1 MB archive stops after a few MiB.

        A damaged, encrypted or unsupported member is ``invalid_zip``. Raises
        :class:`BundleError` carrying the issue (``file`` is the archive or member name).
        """
        zip_name = f"{name}.zip"
        counted = _CountingReader(fileobj)
        try:
            archive = zipfile.ZipFile(counted)
            members = [m for m in archive.infolist() if not m.is_dir()]
        except ZIP_ERRORS as exc:
            raise BundleError(
                ImportIssue(file=zip_name, code="invalid_zip", message=str(exc))
            ) from exc
        max_files = settings.INPUT_SETS_ZIP_MAX_FILES
        if len(members) > max_files:
            raise BundleError(
                ImportIssue(
                    file=zip_name,
                    code="zip_too_many_files",
                    message=f"The archive holds {len(members)} files; at most {max_files} are allowed.",
                )
            )
        budget = _ZipBudget(counted, zip_name)
        files: dict[str, bytes] = {}
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
            files[pure.name] = budget.read(archive, member)
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


# What the standard library raises for a damaged, encrypted (RuntimeError) or unsupported
# (NotImplementedError: compression method, "zip file version 7.8") archive or member.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    RuntimeError,
    NotImplementedError,
    ValueError,
    OverflowError,
)
# Members are inflated this many bytes at a time; the limits are checked after every chunk.
ZIP_CHUNK_BYTES = 64 * 1024
# The compression ratio is judged only once a member has inflated this much: small files of
# repeated lines legitimately compress very well.
ZIP_RATIO_FLOOR_BYTES = 1024 * 1024


class _CountingReader:
    """A binary file wrapper that counts the bytes read from it: while a member is inflated,
    that is the compressed data ``zipfile`` consumed (read ahead in chunks of a few KiB)."""

    def __init__(self, fileobj):
        self._file = fileobj
        self.bytes_read = 0

    def read(self, size=-1):
        data = self._file.read(size)
        self.bytes_read += len(data)
        return data

    def seek(self, offset, whence=0):
        return self._file.seek(offset, whence)

    def tell(self):
        return self._file.tell()

    def seekable(self):
        return True


class _ZipBudget:
    """The inflated-size and ratio limits of one archive (settings read once)."""

    def __init__(self, counted: _CountingReader, zip_name: str):
        self.counted = counted
        self.zip_name = zip_name
        self.max_total = settings.INPUT_SETS_ZIP_MAX_BYTES
        self.max_member = settings.INPUT_SETS_ZIP_MAX_MEMBER_BYTES
        self.max_ratio = settings.INPUT_SETS_ZIP_MAX_RATIO
        self.total = 0

    def read(self, archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
        """The member's bytes, or :class:`BundleError` as soon as a limit is crossed."""
        chunks: list[bytes] = []
        size = 0
        try:
            with archive.open(member) as fh:
                start = self.counted.bytes_read
                while chunk := fh.read(ZIP_CHUNK_BYTES):
                    size += len(chunk)
                    self.total += len(chunk)
                    compressed = max(self.counted.bytes_read - start, 1)
                    self._check(member.filename, size, compressed)
                    chunks.append(chunk)
        except BundleError:
            raise
        except ZIP_ERRORS as exc:
            raise BundleError(
                ImportIssue(file=member.filename, code="invalid_zip", message=str(exc))
            ) from exc
        return b"".join(chunks)

    def _check(self, filename: str, size: int, compressed: int) -> None:
        if size > self.max_member:
            self._refuse(
                filename,
                "zip_too_large",
                f"The member expands to more than {self.max_member} bytes "
                "(INPUT_SETS_ZIP_MAX_MEMBER_BYTES).",
            )
        if self.total > self.max_total:
            self._refuse(
                self.zip_name,
                "zip_too_large",
                f"The archive expands to more than {self.max_total} bytes "
                "(INPUT_SETS_ZIP_MAX_BYTES).",
            )
        if size > ZIP_RATIO_FLOOR_BYTES and size > self.max_ratio * compressed:
            self._refuse(
                filename,
                "zip_ratio",
                f"The member inflates more than {self.max_ratio} times "
                "(INPUT_SETS_ZIP_MAX_RATIO): a zip bomb, or not data of the input layout.",
            )

    @staticmethod
    def _refuse(filename: str, code: str, message: str):
        raise BundleError(ImportIssue(file=filename, code=code, message=message))
