"""Issue 15 (3): the API upload under the fuzzer of ``tests/input_sets/test_fuzz_imports.py``:
never a 5xx; a 400 carries the error report and writes nothing; a 200/201 stored the whole set.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..input_sets.test_fuzz_imports import (
    FUZZ,
    assert_whole_set,
    damaged_zip,
    labels,
    mutated_bundles,
    stored_rows,
)
from .test_input_sets_api import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_planner(api_client_for):
    return api_client_for("planner")


@FUZZ
@given(files=mutated_bundles(), zipped=st.booleans(), flip=st.integers(0, 10**6))
def test_the_api_upload_never_answers_5xx(api_planner, config_version, files, zipped, flip):
    label = f"api{next(labels)}"
    if zipped:
        files = {"bundle.zip": damaged_zip(files, flip)}
    before = stored_rows()
    response = upload(api_planner, label, files)
    assert response.status_code in (200, 201, 400), response.content[:500]
    body = response.json()
    if response.status_code == 400:
        assert body["code"] and body["errors"]
        assert stored_rows() == before
    else:
        assert_whole_set(label, body["counts"])
