import pytest

from input_sets.services import input_set_approve


@pytest.fixture
def ready_set(sample_dir, import_dir):
    """The project's sample, imported and approved as ``demo`` in config version 1."""
    import_dir(sample_dir, label="demo")
    return input_set_approve(label="demo", reviewer="ops_lead")


@pytest.fixture
def q_sync(monkeypatch):
    """django-q2 runs tasks inline (the real task code path, no cluster). Conf is read once at
    import, so the flag is patched on it rather than in settings."""
    monkeypatch.setattr("django_q.conf.Conf.SYNC", True)
