"""The import service: real data, validation with file/line, encodings, modes, atomicity."""

import io
import json
import zipfile

import pytest
from django.test import override_settings

from audit.models import InputSetEvent
from input_sets.exceptions import ImportRejected
from input_sets.io.bundle import BundleError, InputBundle
from input_sets.models import (
    BomLine,
    CanonicalConfigVersion,
    FamilyDemand,
    InboundOrder,
    Item,
    MixShare,
    PlanningInputSet,
)
from input_sets.sections import SECTIONS
from input_sets.services import input_set_approve, input_set_import

pytestmark = pytest.mark.django_db


def table_counts() -> dict[str, int]:
    counts = {s.name: s.model.objects.count() for s in SECTIONS}
    counts["sets"] = PlanningInputSet.objects.count()
    counts["events"] = InputSetEvent.objects.count()
    counts["configs"] = CanonicalConfigVersion.objects.count()
    return counts


def write(path, name, text, encoding="utf-8"):
    (path / name).write_bytes(text.encode(encoding))


def test_imports_shared_sample_with_exact_row_counts(shared_sample, import_dir):
    report = import_dir(shared_sample, label="scpln_sample")

    assert report.action == "created"
    assert report.counts == {
        "family_demand": 24,
        "capacity": 12,
        "mix_share": 3,
        "inventory": 3,
        "inbound": 1,
        "period_metric": 24,
        "item": 4,
        "bom": 2,
    }
    input_set = PlanningInputSet.objects.get(label="scpln_sample")
    assert input_set.status == "draft"
    assert len(input_set.calendar_spec["periods"]) == 12
    assert (
        FamilyDemand.objects.filter(input_set=input_set, family_code="F1", period="2025-03")
        .get()
        .demand
        == 140
    )
    assert Item.objects.get(input_set=input_set, item_code="COMP1").lead_time_days == 14
    assert BomLine.objects.filter(input_set=input_set, child_item="COMP1").count() == 2
    assert [w.file for w in report.warnings] == ["SOURCE.md"]
    event = InputSetEvent.objects.get(input_set=input_set)
    assert event.action == "upload"
    assert event.metadata["content_hash"] == input_set.content_hash


def test_same_data_gives_same_hash_and_different_data_a_different_one(sample_dir, import_dir):
    first = import_dir(sample_dir, label="a")
    second = import_dir(sample_dir, label="b")
    assert first.input_set["content_hash"] == second.input_set["content_hash"]

    text = (
        (sample_dir / "demand_family.csv")
        .read_text()
        .replace("KETTLE,2026-01,820", "KETTLE,2026-01,821")
    )
    write(sample_dir, "demand_family.csv", text)
    third = import_dir(sample_dir, label="c")
    assert third.input_set["content_hash"] != first.input_set["content_hash"]


def test_row_order_does_not_change_the_hash(sample_dir, import_dir):
    first = import_dir(sample_dir, label="ordered")
    lines = (sample_dir / "demand_family.csv").read_text().splitlines()
    write(sample_dir, "demand_family.csv", "\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    assert (
        import_dir(sample_dir, label="reversed").input_set["content_hash"]
        == first.input_set["content_hash"]
    )


BAD_ROWS = [
    # (file, content, expected (line, column, code))
    (
        "demand_family.csv",
        "family,period,demand\nKETTLE,2026-01,abc\n",
        (2, "demand", "not_a_number"),
    ),
    ("demand_family.csv", "family,period,demand\nKETTLE,2026-01,-5\n", (2, "demand", "negative")),
    (
        "demand_family.csv",
        "family,period,demand\nKETTLE,2026-01,1\n,2026-02,3\n",
        (3, "family", "required"),
    ),
    ("demand_family.csv", "family,period\nKETTLE,2026-01\n", (1, "demand", "missing_column")),
    (
        "demand_family.csv",
        "family,period,demand\nKETTLE,2026-01,1\nTOASTER,2026-01,2\nKETTLE,2026-01,3\n",
        (4, "family", "duplicate_key"),
    ),
    (
        "demand_family.csv",
        "family,period,demand\nKETTLE,2031-01,5\n",
        (2, "period", "unknown_period"),
    ),
    ("mix_share.csv", "family,sku,share\nKETTLE,KT-1,1.5\n", (2, "share", "too_large")),
    (
        "mix_share.csv",
        "family,sku,share,effective_from\nKETTLE,KT-1,0.5,2026-13-01\n",
        (2, "effective_from", "invalid_date"),
    ),
    ("open_po.csv", "item,due,qty\nBODY-KT,next week,5\n", (2, "due", "invalid_date")),
    ("open_po.csv", "item,due,qty\nBODY-KT,2027-W99,5\n", (2, "due", "invalid_date")),
    (
        "capacity.csv",
        "workcenter,resource_type,period,capacity\nA,robot,2026-01,5\n",
        (2, "resource_type", "invalid_choice"),
    ),
    ("bom.csv", "parent,child,qty\nBL-500,MOTOR-500W,0\n", (2, "qty", "too_small")),
    ("inventory.csv", "item,loc,qty\nBL-500,DC,\n", (2, "qty", "required")),
]


@pytest.mark.parametrize(
    "filename,content,expected", BAD_ROWS, ids=[f"{b[0]}:{b[2][2]}" for b in BAD_ROWS]
)
def test_bad_row_is_reported_with_file_line_column_and_nothing_is_written(
    sample_dir, import_dir, filename, content, expected
):
    write(sample_dir, filename, content)
    before = table_counts()

    with pytest.raises(ImportRejected) as exc_info:
        import_dir(sample_dir, label="bad")

    report = exc_info.value.report
    found = [(e.file, e.line, e.column, e.code) for e in report.errors]
    assert (filename, *expected) in found
    assert report.status == "error"
    assert table_counts() == before


def test_every_problem_is_reported_not_only_the_first(sample_dir, import_dir):
    write(
        sample_dir,
        "demand_family.csv",
        "family,period,demand\nA,2026-01,x\nB,2026-01,-1\nC,2026-01,y\n",
    )
    with pytest.raises(ImportRejected) as exc_info:
        import_dir(sample_dir, label="bad")
    lines = sorted(e.line for e in exc_info.value.report.errors if e.file == "demand_family.csv")
    assert lines == [2, 3, 4]


def test_invalid_calendar_names_the_json_path(sample_dir, import_dir):
    calendar = json.loads((sample_dir / "planning_calendar.json").read_text())
    calendar["periods"][1]["weeks"][0]["weight"] = -1
    write(sample_dir, "planning_calendar.json", json.dumps(calendar))
    with pytest.raises(ImportRejected) as exc_info:
        import_dir(sample_dir, label="bad")
    assert any(
        e.file == "planning_calendar.json" and e.column == "periods[1].weeks[0].weight"
        for e in exc_info.value.report.errors
    )


def test_invalid_label_is_refused(sample_dir, import_dir):
    with pytest.raises(ImportRejected) as exc_info:
        import_dir(sample_dir, label="bad label/../x")
    assert exc_info.value.report.errors[0].code == "invalid_input_set_label"


def test_warnings_do_not_block_the_import(sample_dir, import_dir):
    write(
        sample_dir,
        "mix_share.csv",
        "family,sku,share\nKETTLE,KT-100-WH,0.5\nKETTLE,KT-100-BK,0.3\nTOASTER,TS-2S,1\n",
    )
    write(sample_dir, "bom.csv", "parent,child,qty\nTS-2S,MYSTERY-PART,1\n")
    write(sample_dir, "notes.txt", "hello")

    report = import_dir(sample_dir, label="warned")

    codes = {(w.code, w.value) for w in report.warnings}
    assert ("share_sum", "KETTLE (sum 0.8)") in codes
    assert ("family_without_mix", "BLENDER") in codes
    assert ("unknown_item", "MYSTERY-PART") in codes
    assert ("unknown_file", None) in codes
    assert report.status == "ok"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932", "shift_jis"])
def test_excel_encodings_are_detected(sample_dir, import_dir, encoding):
    text = "family,period,demand\nケトル,2026-01,10\nトースター,2026-01,20\n炊飯器,2026-02,30\n"
    write(sample_dir, "demand_family.csv", text, encoding=encoding)
    write(
        sample_dir,
        "mix_share.csv",
        "family,sku,share\nケトル,電気ケトル白,1\nトースター,トースター2枚,1\n炊飯器,炊飯器5合,1\n",
        encoding=encoding,
    )

    report = import_dir(sample_dir, label=f"enc-{encoding}")

    families = set(FamilyDemand.objects.values_list("family_code", flat=True))
    assert families == {"ケトル", "トースター", "炊飯器"}
    assert next(f for f in report.files if f["file"] == "demand_family.csv")["encoding"] in {
        "utf-8-sig",
        "cp932",
    }


def test_validate_only_writes_nothing(sample_dir, import_dir):
    before = table_counts()
    report = import_dir(sample_dir, label="dry", validate_only=True)
    assert report.action == "validated"
    assert report.counts["family_demand"] == 18
    assert table_counts() == before


def test_validate_only_with_new_version_does_not_create_it(sample_dir, db):
    before = table_counts()
    input_set_import(
        bundle=InputBundle.from_path(sample_dir),
        label="dry",
        config_version_id=42,
        create_config_version=True,
        validate_only=True,
    )
    assert table_counts() == before


def test_new_version_id_creates_the_config_version_and_refuses_an_existing_one(sample_dir, db):
    report = input_set_import(
        bundle=InputBundle.from_path(sample_dir),
        label="v5",
        config_version_id=5,
        create_config_version=True,
    )
    assert report.input_set["config_version_id"] == 5
    assert CanonicalConfigVersion.objects.filter(pk=5).exists()
    # the sequence moved past the explicit id
    assert CanonicalConfigVersion.objects.create(name="next").pk > 5

    with pytest.raises(ImportRejected) as exc_info:
        input_set_import(
            bundle=InputBundle.from_path(sample_dir),
            label="v5b",
            config_version_id=5,
            create_config_version=True,
        )
    assert exc_info.value.report.errors[0].code == "config_version_exists"


def test_unknown_config_version_is_refused(sample_dir, db):
    with pytest.raises(ImportRejected) as exc_info:
        input_set_import(bundle=InputBundle.from_path(sample_dir), label="x", config_version_id=999)
    assert exc_info.value.report.errors[0].code == "config_version_not_found"


def test_reimporting_a_draft_replaces_its_rows_and_records_update(sample_dir, import_dir):
    import_dir(sample_dir, label="draft")
    write(sample_dir, "demand_family.csv", "family,period,demand\nKETTLE,2026-01,1\n")
    (sample_dir / "bom.csv").unlink()

    report = import_dir(sample_dir, label="draft", apply_mode="replace")

    assert report.action == "updated"
    assert list(FamilyDemand.objects.values_list("family_code", "demand")) == [("KETTLE", 1.0)]
    assert BomLine.objects.count() == 0
    assert list(InputSetEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "upload",
        "update",
    ]


def test_merge_upserts_by_natural_key_and_keeps_the_rest(sample_dir, import_dir, tmp_path):
    import_dir(sample_dir, label="merged")
    patch = tmp_path / "patch"
    patch.mkdir()
    write(patch, "demand_family.csv", "family,period,demand\nKETTLE,2026-01,999\nRICE,2026-01,5\n")

    report = import_dir(patch, label="merged", apply_mode="merge")

    demand = {
        (f, p): d for f, p, d in FamilyDemand.objects.values_list("family_code", "period", "demand")
    }
    assert demand[("KETTLE", "2026-01")] == 999  # updated
    assert demand[("RICE", "2026-01")] == 5  # added
    assert demand[("TOASTER", "2026-06")] == 720  # kept
    assert report.counts["family_demand"] == 19
    assert report.counts["bom"] == 12  # absent section kept
    assert PlanningInputSet.objects.get(label="merged").calendar_spec is not None


def test_ready_and_archived_sets_are_immutable(sample_dir, import_dir):
    import_dir(sample_dir, label="locked")
    input_set_approve(label="locked", reviewer="ops_lead")
    hash_before = PlanningInputSet.objects.get(label="locked").content_hash
    write(sample_dir, "demand_family.csv", "family,period,demand\nKETTLE,2026-01,1\n")

    with pytest.raises(ImportRejected) as exc_info:
        import_dir(sample_dir, label="locked")

    error = exc_info.value.report.errors[0]
    assert error.code == "input_set_immutable"
    assert "revert it to draft first or import under a new label" in error.message
    assert PlanningInputSet.objects.get(label="locked").content_hash == hash_before
    assert FamilyDemand.objects.filter(family_code="KETTLE").count() == 6


def test_label_of_another_config_version_is_refused(sample_dir, import_dir):
    import_dir(sample_dir, label="mine")
    other = CanonicalConfigVersion.objects.create(name="other")
    with pytest.raises(ImportRejected) as exc_info:
        import_dir(sample_dir, label="mine", config_version_id=other.pk)
    assert exc_info.value.report.errors[0].code == "label_in_other_config_version"


def test_inbound_orders_without_po_id_stay_distinct(sample_dir, import_dir):
    write(sample_dir, "open_po.csv", "item,due,qty\nBODY-KT,2026-01-10,5\nBODY-KT,2026-01-10,7\n")
    import_dir(sample_dir, label="pos")
    assert sorted(InboundOrder.objects.values_list("po_id", "qty")) == [
        ("BODY-KT:2026-01-10:1", 5.0),
        ("BODY-KT:2026-01-10:2", 7.0),
    ]


def test_mix_share_key_treats_missing_dates_as_equal(sample_dir, import_dir):
    write(sample_dir, "mix_share.csv", "family,sku,share\nKETTLE,A,0.5\nKETTLE,A,0.5\n")
    with pytest.raises(ImportRejected) as exc_info:
        import_dir(sample_dir, label="dup")
    assert exc_info.value.report.errors[0].code == "duplicate_key"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_input_with_a_top_folder_is_read(sample_dir, import_dir, tmp_path):
    entries = {f"bundle/{p.name}": p.read_bytes() for p in sample_dir.iterdir()}
    path = tmp_path / "bundle.zip"
    path.write_bytes(_zip(entries))
    report = import_dir(path, label="zipped")
    assert report.counts["family_demand"] == 18


@pytest.mark.parametrize("name", ["../evil.csv", "/etc/demand_family.csv", "a/../../x.csv"])
def test_zip_path_traversal_is_refused(name):
    with pytest.raises(BundleError) as exc_info:
        InputBundle.from_zip(io.BytesIO(_zip({name: b"family,period,demand\n"})), name="evil")
    assert exc_info.value.issue.code == "zip_unsafe_path"


@override_settings(INPUT_SETS_ZIP_MAX_BYTES=10_000)
def test_zip_bomb_is_refused():
    bomb = _zip({"demand_family.csv": b"0" * 1_000_000})
    assert len(bomb) < 10_000
    with pytest.raises(BundleError) as exc_info:
        InputBundle.from_zip(io.BytesIO(bomb), name="bomb")
    assert exc_info.value.issue.code == "zip_too_large"


def test_folder_without_input_files_is_refused(tmp_path, import_dir):
    write(tmp_path, "notes.txt", "nothing")
    with pytest.raises(ImportRejected) as exc_info:
        import_dir(tmp_path, label="empty")
    assert "no_input_files" in {e.code for e in exc_info.value.report.errors}


def test_database_constraints_back_the_validation(sample_dir, import_dir):
    """Rows that bypass the importer still cannot break the rules."""
    from django.db import IntegrityError, transaction

    import_dir(sample_dir, label="db")
    input_set = PlanningInputSet.objects.get(label="db")
    cases = [
        lambda: FamilyDemand.objects.create(
            input_set=input_set, family_code="X", period="2026-01", demand=-1
        ),
        lambda: MixShare.objects.create(
            input_set=input_set, family_code="X", sku_code="Y", share=1.2
        ),
        lambda: MixShare.objects.bulk_create(
            [MixShare(input_set=input_set, family_code="KETTLE", sku_code="KT-100-WH", share=0.1)]
        ),
        lambda: BomLine.objects.create(input_set=input_set, parent_item="A", child_item="A", qty=1),
        lambda: PlanningInputSet.objects.filter(pk=input_set.pk).update(status="ready"),
        lambda: PlanningInputSet.objects.filter(pk=input_set.pk).update(status="bogus"),
    ]
    for case in cases:
        with pytest.raises(IntegrityError), transaction.atomic():
            case()
