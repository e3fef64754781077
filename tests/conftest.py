"""Fixtures shared by every test module."""

import shutil
from pathlib import Path

import pytest
from django.db import connection

from input_sets.io.bundle import InputBundle
from input_sets.services import input_set_import

from .factories import ConfigVersionFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
SHARED_SAMPLE = ROOT.parent / "shared" / "data" / "scpln_sample_planning"
OWN_SAMPLE = ROOT / "samples" / "planning_sample"


@pytest.fixture
def shared_sample() -> Path:
    """The real input files nobody here wrote (read-only; ``../shared`` beside the repo)."""
    if not SHARED_SAMPLE.is_dir():
        pytest.skip("../shared/data is not beside this checkout")
    return SHARED_SAMPLE


@pytest.fixture
def sample_dir(tmp_path) -> Path:
    """A writable copy of the project's own sample, for tests that alter files."""
    target = tmp_path / "sample"
    shutil.copytree(OWN_SAMPLE, target)
    return target


@pytest.fixture
def config_version(db):
    """Config version 1 (explicit id; the PostgreSQL sequence is moved past it)."""
    from django.core.management.color import no_style

    from input_sets.models import CanonicalConfigVersion

    version = ConfigVersionFactory(pk=1)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [CanonicalConfigVersion]):
            cursor.execute(sql)
    return version


@pytest.fixture
def import_dir(config_version):
    """``import_dir(path, label=..., **kwargs)`` → ImportReport, through the import service."""

    def run(path, label="sample", **kwargs):
        kwargs.setdefault("config_version_id", config_version.pk)
        return input_set_import(bundle=InputBundle.from_path(path), label=label, **kwargs)

    return run


@pytest.fixture
def reviewer(db):
    return UserFactory(
        username="reviewer",
        perms=["input_sets.review_planninginputset", "input_sets.view_planninginputset"],
    )


@pytest.fixture
def viewer(db):
    return UserFactory(username="viewer", perms=["input_sets.view_planninginputset"])


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def ready_set(sample_dir, import_dir):
    """The project's sample, imported and approved as ``demo`` in config version 1."""
    from input_sets.services import input_set_approve

    import_dir(sample_dir, label="demo")
    return input_set_approve(label="demo", reviewer="ops_lead")


@pytest.fixture
def plans(ready_set):
    """Four plans of ``demo``, each executed inline (so four succeeded runs)."""
    from plans.services import plan_create_and_execute

    return [
        plan_create_and_execute(
            config_version_id=1, input_set_label="demo", trigger="cli", sync=True
        )
        for _ in range(4)
    ]


@pytest.fixture
def q_sync(monkeypatch):
    """django-q2 runs tasks inline (the real task code path, no cluster). Conf is read once at
    import, so the flag is patched on it rather than in settings."""
    monkeypatch.setattr("django_q.conf.Conf.SYNC", True)


@pytest.fixture(scope="module")
def audit_flushable(django_db_setup, django_db_blocker):
    """Transactional tests end with a flush, which on SQLite DELETEs every row — and the
    append-only triggers refuse that for audit events. Module-scoped, so it wraps every flush
    of the module (pytest-django's autouse live-server helper sets up transactional_db before
    any function fixture): triggers are lifted for the module and restored after its last
    flush. PostgreSQL flushes with TRUNCATE, which the triggers do not block."""
    import importlib

    triggers = importlib.import_module("audit.migrations.0002_append_only_triggers")
    if connection.vendor != "sqlite":
        yield
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for sql in triggers.SQLITE_REVERSE:
            cursor.execute(sql)
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for sql in triggers.SQLITE:
            cursor.execute(sql)


@pytest.fixture(autouse=True)
def plan_series_storage(settings, tmp_path_factory) -> Path:
    """Every test writes plan series segments to its own folder (never to ``var/``)."""
    from plans.series_store import verified_bytes

    location = tmp_path_factory.mktemp("plan_series")
    settings.STORAGES = {
        **settings.STORAGES,
        "plan_series": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }
    verified_bytes.clear()
    return location


@pytest.fixture(autouse=True)
def job_threads_off(settings):
    """No heartbeat/monitor threads (SQLite test databases are not shared between threads);
    tests of those threads turn them on."""
    settings.JOBS_HEARTBEAT_SECONDS = 0
    settings.JOBS_SWEEP_SECONDS = 0


@pytest.fixture(autouse=True)
def fresh_cache():
    """API throttling counts requests in the cache: each test starts from zero (token ids are
    reused after a rollback)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
