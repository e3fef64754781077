"""Input-set services: the one code path for import, review, export and diff.

Admin actions, management commands, API views, hub views and django-q2 tasks all call these
functions; none of them write input-set data any other way.
"""

from .diff_jobs import input_set_diff_report, input_set_diff_request, input_set_diffs_purge
from .exporting import input_set_export_dir, input_set_export_zip
from .importing import ImportReport, input_set_import
from .review import input_set_approve, input_set_archive, input_set_revert, input_set_review

__all__ = [
    "ImportReport",
    "input_set_approve",
    "input_set_archive",
    "input_set_diff_report",
    "input_set_diff_request",
    "input_set_diffs_purge",
    "input_set_export_dir",
    "input_set_export_zip",
    "input_set_import",
    "input_set_review",
    "input_set_revert",
]
