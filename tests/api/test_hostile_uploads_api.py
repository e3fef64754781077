"""Issue 15 (3) through the API and the hub upload: every hostile file is a 400 with the
error report (file, line, column, code), never a 500, and nothing is written."""

import io
import time

import pytest

from input_sets.models import PlanningInputSet

from ..input_sets.hostile_cases import CASES, LINE_LIMIT
from ..input_sets.test_zip_limits import zeros_zip
from .conftest import make_user
from .test_input_sets_api import upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_line_limit(settings):
    settings.INPUT_SETS_CSV_MAX_LINE_BYTES = LINE_LIMIT


def sample_files(sample_dir, case) -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in sample_dir.iterdir()}
    files[case.file] = case.data
    return files


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_api_upload_of_a_hostile_file_is_400_with_the_report(
    case, api_client_for, config_version, sample_dir
):
    response = upload(api_client_for("planner"), "hostile", sample_files(sample_dir, case))
    assert response.status_code == 400, response.content[:500]
    body = response.json()
    assert body["code"] == "import_rejected"
    assert [(e["file"], e["line"], e["column"], e["code"]) for e in body["errors"]] == [
        case.expected
    ]
    assert not PlanningInputSet.objects.exists()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_hub_upload_of_a_hostile_file_is_400_with_the_errors(
    case, client, config_version, sample_dir
):
    client.force_login(make_user("planner"))
    handles = []
    for name, data in sample_files(sample_dir, case).items():
        handle = io.BytesIO(data)
        handle.name = name
        handles.append(handle)
    response = client.post(
        "/ui/plans/input_sets/upload",
        {"config_version": 1, "label": "hostile", "files": handles},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="upload-errors"' in html and case.expected[3] in html and case.file in html
    assert not PlanningInputSet.objects.exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (zeros_zip(64), "zip_ratio"),
        (b"PK\x03\x04 not really a zip", "invalid_zip"),
    ],
    ids=["bomb", "garbage"],
)
def test_the_api_answers_400_fast(api_client_for, config_version, data, code):
    client = api_client_for("planner")
    started = time.perf_counter()
    response = upload(client, "zipped", {"bundle.zip": data})
    assert time.perf_counter() - started < 1
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == code and [e["code"] for e in body["errors"]] == [code]
    assert not PlanningInputSet.objects.exists()
