"""Issue 15 (3): zip members are inflated in chunks and refused as soon as a size or ratio
limit is crossed (``zip_too_large`` / ``zip_ratio``), through the bundle and the command (the
API upload: ``tests/api/test_hostile_uploads_api.py``); a damaged archive is ``invalid_zip``,
never a crash."""

import io
import time
import tracemalloc
import zipfile

import pytest

from input_sets.io import bundle as bundle_module
from input_sets.io.bundle import ZIP_RATIO_FLOOR_BYTES, BundleError, InputBundle
from input_sets.models import PlanningInputSet

from .hostile_cases import rejected_by_command
from .test_importing import _zip as zip_of

MIB = 1024**2


def zeros_zip(megabytes: int, name: str = "demand_family.csv") -> bytes:
    """A zip of one member: a CSV header and ``megabytes`` MiB of zeros, written in chunks."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open(name, "w", force_zip64=True) as member,
    ):
        member.write(b"family,period,demand\n")
        chunk = bytes(MIB)
        for _ in range(megabytes):
            member.write(chunk)
    return buffer.getvalue()


def noise(size: int, seed: int = 1) -> bytes:
    """Incompressible CSV-ish bytes (so that only the size limits apply)."""
    import random

    rng = random.Random(seed)
    return bytes(rng.randrange(48, 123) for _ in range(size))


def refused(data: bytes) -> tuple[str, str]:
    with pytest.raises(BundleError) as exc_info:
        InputBundle.from_zip(io.BytesIO(data), name="upload")
    return exc_info.value.issue.file, exc_info.value.issue.code


def test_a_zip_bomb_is_refused_in_milliseconds_and_little_memory():
    """64 MiB of zeros in about 64 KiB (the issue's bomb is 1 GiB in 1 MB: same ratio, and
    the refusal comes after the same few MiB, however large the member claims to be)."""
    bomb = zeros_zip(64)
    assert len(bomb) < MIB
    tracemalloc.start()
    started = time.perf_counter()
    try:
        assert refused(bomb) == ("demand_family.csv", "zip_ratio")
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 1
    assert peak < 20 * MIB


def test_the_ratio_check_stops_right_after_the_floor(settings, monkeypatch):
    settings.INPUT_SETS_ZIP_MAX_RATIO = 5
    seen = []
    check = bundle_module._ZipBudget._check

    def spy(self, filename, size, compressed):
        seen.append(size)
        return check(self, filename, size, compressed)

    monkeypatch.setattr(bundle_module._ZipBudget, "_check", spy)
    lines = b"".join(b"KETTLE,2026-%02d,%d\n" % (i % 12 + 1, i % 997) for i in range(400_000))
    assert refused(zip_of({"demand_family.csv": lines})) == ("demand_family.csv", "zip_ratio")
    assert max(seen) <= ZIP_RATIO_FLOOR_BYTES + bundle_module.ZIP_CHUNK_BYTES
    assert len(lines) > 4 * max(seen)  # most of the member was never inflated


def test_small_very_compressible_files_pass_the_ratio_check():
    data = b"family,period,demand\n" + b"KETTLE,2026-01,1\n" * 50_000  # 850 kB, ratio > 100
    files = InputBundle.from_zip(io.BytesIO(zip_of({"demand_family.csv": data})), name="x").files
    assert files["demand_family.csv"] == data


def test_the_total_inflated_size_is_limited(settings):
    settings.INPUT_SETS_ZIP_MAX_BYTES = 100_000
    data = zip_of({"item.csv": noise(60_000), "bom.csv": noise(60_000, seed=2)})
    assert refused(data) == ("upload.zip", "zip_too_large")


def test_each_member_is_limited(settings):
    settings.INPUT_SETS_ZIP_MAX_MEMBER_BYTES = 50_000
    data = zip_of({"item.csv": noise(10_000), "bom.csv": noise(60_000, seed=2)})
    assert refused(data) == ("bom.csv", "zip_too_large")


def test_the_default_total_limit_is_512_mib():
    from planning_hub import settings as project_settings

    assert project_settings.INPUT_SETS_ZIP_MAX_BYTES == 512 * MIB


def test_a_damaged_member_is_invalid_zip():
    data = bytearray(zip_of({"demand_family.csv": noise(5_000)}))
    middle = data.index(b"demand_family.csv") + 40  # inside the compressed data
    data[middle : middle + 50] = bytes(50)
    assert refused(bytes(data)) == ("demand_family.csv", "invalid_zip")


def test_an_archive_of_an_unsupported_zip_version_is_invalid_zip():
    """Found by the fuzz test: ``ZipFile()`` raises NotImplementedError ("zip file version
    7.8") for a central directory asking for a newer format."""
    data = bytearray(zip_of({"demand_family.csv": b"family,period,demand\n"}))
    central = data.index(b"PK\x01\x02")
    data[central + 6] = 78  # version needed to extract
    assert refused(bytes(data)) == ("upload.zip", "invalid_zip")


@pytest.mark.django_db
def test_the_command_refuses_a_bomb_with_exit_1_and_a_report(config_version, tmp_path):
    path = tmp_path / "bomb.zip"
    path.write_bytes(zeros_zip(16))
    report, error, _ = rejected_by_command(path, tmp_path)
    assert str(error).startswith("demand_family.csv: zip_ratio: ")
    assert report["status"] == "error"
    assert [(e["file"], e["code"]) for e in report["errors"]] == [
        ("demand_family.csv", "zip_ratio")
    ]
    assert not PlanningInputSet.objects.exists()
