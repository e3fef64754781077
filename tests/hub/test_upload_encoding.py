"""Hub upload with the encoding choice (issue 14)."""

import io

import pytest

from input_sets.models import FamilyDemand, PlanningInputSet

from ..api.conftest import make_user

pytestmark = pytest.mark.django_db

CSV = "family,period,demand\n冷蔵庫,2026-01,10\nｶﾀｶﾅ洗濯機,2026-01,20\n"


@pytest.fixture
def planner_client(client, db):
    client.force_login(make_user("planner"))
    return client


def post(client, sample_dir, label, data: bytes, **extra):
    files = []
    for path in sample_dir.iterdir():
        handle = io.BytesIO(data if path.name == "demand_family.csv" else path.read_bytes())
        handle.name = path.name
        files.append(handle)
    return client.post(
        "/ui/plans/input_sets/upload",
        {"config_version": 1, "label": label, "files": files, **extra},
        follow=True,
    )


def test_upload_form_offers_the_encodings(planner_client, config_version):
    html = planner_client.get("/ui/plans/input_sets/upload").content.decode()
    assert 'name="encoding"' in html
    assert '<option value="auto" selected>' in html and 'value="cp932"' in html


@pytest.mark.parametrize("encoding", ["auto", "cp932", ""])
def test_cp932_upload_keeps_japanese_codes(planner_client, config_version, sample_dir, encoding):
    response = post(planner_client, sample_dir, "ui_sjis", CSV.encode("cp932"), encoding=encoding)

    assert response.redirect_chain[-1][0].endswith("/ui/plans/input_sets/ui_sjis")
    assert set(
        FamilyDemand.objects.filter(input_set__label="ui_sjis").values_list(
            "family_code", flat=True
        )
    ) == {"冷蔵庫", "ｶﾀｶﾅ洗濯機"}


def test_wrong_encoding_shows_the_error_and_stores_nothing(
    planner_client, config_version, sample_dir
):
    response = post(planner_client, sample_dir, "ui_wrong", CSV.encode("cp932"), encoding="utf-8")

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="upload-errors"' in html and "encoding_error" in html and "demand_family.csv" in html
    assert not PlanningInputSet.objects.filter(label="ui_wrong").exists()


def test_guessed_encoding_is_shown_as_a_warning_after_the_upload(
    planner_client, config_version, sample_dir
):
    data = "family,period,demand\nMüller,2026-01,10\nCafé,2026-01,20\n".encode("latin-1")
    response = post(planner_client, sample_dir, "ui_latin", data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "demand_family.csv is neither UTF-8 nor Shift_JIS/CP932" in html
    assert "guessed as" in html
