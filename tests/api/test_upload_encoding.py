"""API upload with the ``encoding`` field (issue 14): auto, explicit, wrong, unknown."""

import io

import pytest

from input_sets.models import FamilyDemand, PlanningInputSet

pytestmark = pytest.mark.django_db

CSV = "family,period,demand\n冷蔵庫,2026-01,10\nｶﾀｶﾅ洗濯機,2026-01,20\n"


def upload(client, sample_dir, label, data: bytes, **extra):
    files = {p.name: p.read_bytes() for p in sample_dir.iterdir()}
    files["demand_family.csv"] = data
    handles = []
    for name, content in files.items():
        handle = io.BytesIO(content)
        handle.name = name
        handles.append(handle)
    return client.post(
        "/api/input-sets/",
        {"label": label, "config_version": 1, "files": handles, **extra},
        format="multipart",
    )


def families(label) -> set[str]:
    return set(
        FamilyDemand.objects.filter(input_set__label=label).values_list("family_code", flat=True)
    )


@pytest.mark.parametrize("extra", [{}, {"encoding": "auto"}, {"encoding": "cp932"}])
def test_cp932_upload_keeps_japanese_codes(api_client_for, config_version, sample_dir, extra):
    response = upload(
        api_client_for("planner"), sample_dir, "api_sjis", CSV.encode("cp932"), **extra
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert {f["file"]: f["encoding"] for f in body["files"]}["demand_family.csv"] == "cp932"
    assert families("api_sjis") == {"冷蔵庫", "ｶﾀｶﾅ洗濯機"}


def test_wrong_explicit_encoding_is_400_with_file_line_and_nothing_written(
    api_client_for, config_version, sample_dir
):
    response = upload(
        api_client_for("planner"), sample_dir, "api_wrong", CSV.encode("cp932"), encoding="utf-8"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_rejected"
    assert {"file": "demand_family.csv", "line": 2, "code": "encoding_error"}.items() <= body[
        "errors"
    ][0].items()
    assert not PlanningInputSet.objects.filter(label="api_wrong").exists()


def test_unknown_encoding_value_is_a_validation_error(api_client_for, config_version, sample_dir):
    response = upload(
        api_client_for("planner"), sample_dir, "api_x", CSV.encode("utf-8"), encoding="klingon"
    )
    assert response.status_code == 400
    assert "encoding" in response.content.decode()
    assert not PlanningInputSet.objects.exists()


def test_guessed_encoding_is_a_warning_in_the_report(api_client_for, config_version, sample_dir):
    data = "family,period,demand\nMüller,2026-01,10\nCafé,2026-01,20\n".encode("latin-1")
    response = upload(api_client_for("planner"), sample_dir, "api_latin", data)

    assert response.status_code == 201, response.content
    warnings = [w for w in response.json()["warnings"] if w["code"] == "encoding_guessed"]
    assert [w["file"] for w in warnings] == ["demand_family.csv"]
