"""Issue 14, encoding: UTF-8 → CP932 in a fixed order, a warned guess only after both fail,
explicit encodings, and codes holding U+FFFD or control characters refused."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import InputSetEvent
from input_sets.exceptions import ImportRejected
from input_sets.io.encoding import UndecodableFile, decode_text, normalize_encoding
from input_sets.models import FamilyDemand, MixShare, PlanningInputSet

pytestmark = pytest.mark.django_db

PERIODS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
# Kanji, hiragana, katakana, half-width katakana (with dakuten), and characters only CP932
# has (髙 IBM extension, ① NEC special, ～ FULLWIDTH TILDE where Shift_JIS has WAVE DASH).
FAMILIES = [
    "冷蔵庫",
    "洗濯機",
    "ｶﾀｶﾅ掃除機",
    "ﾄﾞﾗｲﾔｰ",
    "電子レンジ",
    "すいはんき",
    "髙橋ケトル①",
    "ヒーター～小型",
]


def demand_csv(families, periods=PERIODS) -> str:
    rows = [
        f"{family},{period},{10 * (i + 1) + j}"
        for i, family in enumerate(families)
        for j, period in enumerate(periods)
    ]
    return "family,period,demand\n" + "\n".join(rows) + "\n"


def mix_csv(families) -> str:
    rows = [f"{family},{family}ｰSKU{n},0.5" for family in families for n in (1, 2)]
    return "family,sku,share\n" + "\n".join(rows) + "\n"


def write(directory, name, text, encoding):
    (directory / name).write_bytes(text.encode(encoding))


def families_of(label) -> set[str]:
    return set(
        FamilyDemand.objects.filter(input_set__label=label).values_list("family_code", flat=True)
    )


def file_encoding(report, name="demand_family.csv") -> str:
    return next(f for f in report.files if f["file"] == name)["encoding"]


def import_cli(path, *args) -> dict:
    out = StringIO()
    call_command(
        "import_planning_inputs", "-i", str(path), *args, "--json", stdout=out, stderr=StringIO()
    )
    return json.loads(out.getvalue())


def test_short_cp932_file_once_detected_as_mac_latin2_keeps_its_codes(sample_dir, import_dir):
    """The reported case: 6 rows, 冷蔵庫 and 洗濯機; charset-normalizer said mac_latin2."""
    write(sample_dir, "demand_family.csv", demand_csv(FAMILIES[:2], PERIODS[:3]), "cp932")

    report = import_dir(sample_dir, label="short")

    assert report.counts["family_demand"] == 6
    assert families_of("short") == {"冷蔵庫", "洗濯機"}
    assert file_encoding(report) == "cp932"
    assert not [w for w in report.warnings if w.code == "encoding_guessed"]


def test_long_cp932_file_with_kana_kanji_and_half_width_katakana_round_trips_as_utf8(
    sample_dir, import_dir, tmp_path
):
    """The 48-row file once refused with "could not detect the text encoding"; export gives
    the same characters in UTF-8."""
    write(sample_dir, "demand_family.csv", demand_csv(FAMILIES), "cp932")
    write(sample_dir, "mix_share.csv", mix_csv(FAMILIES), "cp932")

    report = import_dir(sample_dir, label="long")

    assert report.counts["family_demand"] == 48
    assert families_of("long") == set(FAMILIES)
    assert {"ｶﾀｶﾅ掃除機ｰSKU1", "髙橋ケトル①ｰSKU2"} <= set(
        MixShare.objects.filter(input_set__label="long").values_list("sku_code", flat=True)
    )
    assert file_encoding(report) == file_encoding(report, "mix_share.csv") == "cp932"
    event = InputSetEvent.objects.get(input_set__label="long")
    assert event.metadata["encoding"] == "auto"
    assert event.metadata["encodings"]["demand_family.csv"] == "cp932"

    out = tmp_path / "exported"
    call_command("export_planning_inputs", "--label", "long", "-o", str(out), stdout=StringIO())
    raw = (out / "demand_family.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8")  # strict: the export is UTF-8
    assert {line.split(",")[0] for line in text.splitlines()[1:]} == set(FAMILIES)
    assert "ﾄﾞﾗｲﾔｰ" in text and "ヒーター～小型" in text
    assert "髙橋ケトル①ｰSKU1" in (out / "mix_share.csv").read_bytes().decode("utf-8")

    again = import_dir(out, label="long_again")
    assert again.input_set["content_hash"] == report.input_set["content_hash"]


def test_excel_utf8_bom_csv_is_read_with_the_bom_stripped(sample_dir, import_dir):
    write(sample_dir, "demand_family.csv", demand_csv(FAMILIES[:3]), "utf-8-sig")

    report = import_dir(sample_dir, label="bom")

    assert families_of("bom") == set(FAMILIES[:3])
    assert file_encoding(report) == "utf-8-sig"
    assert not [w for w in report.warnings if w.code == "unknown_column"]


def test_explicit_encoding_on_the_command_line(sample_dir, config_version):
    write(sample_dir, "demand_family.csv", demand_csv(FAMILIES), "cp932")

    report = import_cli(sample_dir, "--version-id", "1", "--label", "cli", "--encoding", "cp932")

    assert report["status"] == "ok"
    assert families_of("cli") == set(FAMILIES)
    assert {f["file"]: f["encoding"] for f in report["files"]}["demand_family.csv"] == "cp932"


def test_explicit_utf8_still_strips_the_bom(sample_dir, import_dir):
    write(sample_dir, "demand_family.csv", demand_csv(FAMILIES[:2]), "utf-8-sig")
    report = import_dir(sample_dir, label="bom_explicit", encoding="UTF-8")
    assert families_of("bom_explicit") == set(FAMILIES[:2])
    assert file_encoding(report) == "utf-8"


def test_wrong_explicit_encoding_names_file_line_and_reason_and_writes_nothing(
    sample_dir, config_version, tmp_path
):
    text = "family,period,demand\nKETTLE,2026-01,1\nKETTLE,2026-02,2\n冷蔵庫,2026-01,3\n"
    write(sample_dir, "demand_family.csv", text, "cp932")
    report_path = tmp_path / "report.json"

    with pytest.raises(CommandError) as exc_info:
        call_command(
            "import_planning_inputs",
            "-i",
            str(sample_dir),
            "--version-id",
            "1",
            "--label",
            "wrong",
            "--encoding",
            "utf-8",
            "--report",
            str(report_path),
            stdout=StringIO(),
            stderr=StringIO(),
        )

    assert exc_info.value.returncode == 1
    assert "demand_family.csv:4" in str(exc_info.value)
    errors = json.loads(report_path.read_text())["errors"]
    assert len(errors) == 1
    error = errors[0]
    assert (error["file"], error["line"], error["code"]) == (
        "demand_family.csv",
        4,
        "encoding_error",
    )
    assert "Not valid utf-8" in error["message"] and "line 4, character 1" in error["message"]
    assert error["value"] == "0x97"  # 冷 is 0x97 0xE2 in CP932
    assert not PlanningInputSet.objects.exists()


def test_unknown_encoding_name_is_refused_before_anything_runs(sample_dir, config_version):
    with pytest.raises(CommandError, match="Unknown text encoding 'klingon'"):
        import_cli(sample_dir, "--version-id", "1", "--encoding", "klingon")
    with pytest.raises(CommandError, match="not a text encoding"):
        import_cli(sample_dir, "--version-id", "1", "--encoding", "base64")
    with pytest.raises(ValueError, match="Unknown text encoding"):
        normalize_encoding("klingon")


def test_explicit_encoding_applies_to_csv_files_only(sample_dir, import_dir):
    """JSON is UTF-8 by RFC 8259: a UTF-8 calendar with Japanese still reads under cp932."""
    calendar = json.loads((sample_dir / "planning_calendar.json").read_text())
    calendar["note"] = "月次カレンダー"
    write(sample_dir, "planning_calendar.json", json.dumps(calendar, ensure_ascii=False), "utf-8")
    write(sample_dir, "demand_family.csv", demand_csv(FAMILIES[:2]), "cp932")

    report = import_dir(sample_dir, label="mixed", encoding="cp932")

    assert families_of("mixed") == set(FAMILIES[:2])
    assert file_encoding(report, "planning_calendar.json") == "utf-8"
    assert PlanningInputSet.objects.get(label="mixed").calendar_spec["note"] == "月次カレンダー"


def test_latin1_file_is_guessed_with_a_warning(sample_dir, import_dir):
    text = "family,period,demand\nMüller,2026-01,10\nCafé,2026-01,20\nGrüße,2026-02,5\n"
    write(sample_dir, "demand_family.csv", text, "latin-1")

    report = import_dir(sample_dir, label="latin")

    guessed = [w for w in report.warnings if w.code == "encoding_guessed"]
    assert len(guessed) == 1
    warning = guessed[0]
    assert warning.file == "demand_family.csv"
    assert warning.value == file_encoding(report)
    assert f"guessed as {warning.value}" in warning.message
    assert warning.value not in ("utf-8", "cp932")
    assert families_of("latin") == {"Müller", "Café", "Grüße"}


def test_explicit_latin1_is_not_a_guess(sample_dir, import_dir):
    write(sample_dir, "demand_family.csv", "family,period,demand\nCafé,2026-01,1\n", "latin-1")
    report = import_dir(sample_dir, label="latin_explicit", encoding="latin-1")
    assert not [w for w in report.warnings if w.code == "encoding_guessed"]
    assert families_of("latin_explicit") == {"Café"}


def test_utf16_file_is_not_taken_for_cp932_and_is_guessed_with_a_warning(sample_dir, import_dir):
    """cp932 in Python decodes 0xFF 0xFE and NUL bytes without complaint; auto must not."""
    write(sample_dir, "demand_family.csv", demand_csv(FAMILIES[:3]), "utf-16")

    report = import_dir(sample_dir, label="utf16")

    assert families_of("utf16") == set(FAMILIES[:3])
    assert file_encoding(report) == "utf_16"
    assert [(w.file, w.code, w.value) for w in report.warnings if w.code == "encoding_guessed"] == [
        ("demand_family.csv", "encoding_guessed", "utf_16")
    ]


def test_decode_text_order_and_errors():
    text = "family\n冷蔵庫\nｶﾀｶﾅ\n"
    assert decode_text(text.encode("utf-8")).encoding == "utf-8"
    assert decode_text(text.encode("cp932")).encoding == "cp932"
    decoded = decode_text(text.encode("utf-8-sig"))
    assert (decoded.text, decoded.encoding, decoded.guessed) == (text, "utf-8-sig", False)
    with pytest.raises(UndecodableFile) as exc_info:
        decode_text(text.encode("utf-8"), encoding="cp932")
    assert exc_info.value.line == 3 and "Not valid cp932" in str(exc_info.value)


@pytest.mark.parametrize(
    "file,text,line,column,char,value",
    [
        (
            "demand_family.csv",
            "family,period,demand\nKETTLE,2026-01,1\n冷蔵\ufffd庫,2026-01,2\n",
            3,
            "family",
            "U+FFFD REPLACEMENT CHARACTER",
            "冷蔵\\ufffd庫",
        ),
        (
            "mix_share.csv",
            "family,sku,share\nKETTLE,KT\x01WH,1\n",
            2,
            "sku",
            "U+0001",
            "KT\\u0001WH",
        ),
        (
            "inventory.csv",
            'item,loc,qty\nKT-100-WH,"DC\tTOKYO",1\n',
            2,
            "loc",
            "U+0009",
            "DC\\u0009TOKYO",
        ),
        (
            "open_po.csv",
            "po_id,item,due,qty\nPO\u200b1,KT-100-WH,2026-01-10,1\n",
            2,
            "po_id",
            "U+200B ZERO WIDTH SPACE",
            "PO\\u200b1",
        ),
        (
            "capacity.csv",
            "workcenter,period,capacity\nASSY\x7f1,2026-01,5\n",
            2,
            "workcenter",
            "U+007F",
            "ASSY\\u007f1",
        ),
        (
            "item.csv",
            "item,lt\n部品\x85A,3\n",
            2,
            "item",
            "U+0085",
            "部品\\u0085A",
        ),
    ],
)
def test_codes_with_replacement_or_control_characters_are_refused(
    sample_dir, import_dir, file, text, line, column, char, value
):
    write(sample_dir, file, text, "utf-8")

    with pytest.raises(ImportRejected) as exc_info:
        import_dir(sample_dir, label="bad_chars")

    errors = [e for e in exc_info.value.report.errors if e.code == "invalid_character"]
    assert [(e.file, e.line, e.column, e.value) for e in errors] == [(file, line, column, value)]
    assert char in errors[0].message
    assert not PlanningInputSet.objects.exists()


def test_japanese_codes_are_not_mistaken_for_invalid_characters(sample_dir, import_dir):
    write(sample_dir, "demand_family.csv", demand_csv(FAMILIES), "utf-8")
    report = import_dir(sample_dir, label="clean")
    assert not [e for e in report.errors if e.code == "invalid_character"]
    assert families_of("clean") == set(FAMILIES)
