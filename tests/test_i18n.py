"""locale/ja is complete: every UI string translated, nothing fuzzy, compiled, up to date."""

import shutil
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

PO = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"
IGNORE = [".venv", "var", "bench", "tests", "plans/pipeline/*", "node_modules"]


def problems(po: polib.POFile) -> list[str]:
    live = [e for e in po if not e.obsolete]
    return [
        f"untranslated: {e.msgid!r}" for e in live if not e.translated() and "fuzzy" not in e.flags
    ] + [f"fuzzy: {e.msgid!r}" for e in live if "fuzzy" in e.flags]


def test_japanese_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(PO))
    assert not problems(po)
    assert len(po) > 100
    mo = polib.mofile(str(PO.with_suffix(".mo")))
    assert {e.msgid for e in mo} >= {e.msgid for e in po if not e.obsolete and not e.msgid_plural}


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext not installed")
def test_catalogue_covers_every_string_in_the_code(tmp_path):
    """Re-extract into a copy: a string added to code or templates without a translation fails."""
    target = tmp_path / "ja" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(PO, target / "django.po")
    with override_settings(LOCALE_PATHS=[tmp_path]):
        call_command(
            "makemessages", locale=["ja"], ignore_patterns=IGNORE, verbosity=0, stdout=StringIO()
        )
    assert not problems(polib.pofile(str(target / "django.po")))
