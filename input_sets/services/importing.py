"""Importing planning inputs into an input set (all or nothing).

Flow (``docs/architecture`` data flow, step 1): read the bundle → validate every row → in one
transaction lock/create the header, replace or merge the child rows, compute the content hash,
write the ``upload``/``update`` audit event. Any error → :class:`ImportRejected` with every
problem found, and the database is exactly as before.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from django.db import IntegrityError, connection, transaction

from audit.models import EventAction
from audit.services import event_record
from planning_hub import metrics
from planning_hub.db_busy import retry_when_locked

from ..choices import ApplyMode, InputSetSource, InputSetStatus
from ..exceptions import (
    ConfigVersionExists,
    ConfigVersionNotFound,
    ImportConflict,
    ImportRejected,
)
from ..io.bundle import InputBundle
from ..io.encoding import AUTO, normalize_encoding
from ..io.errors import ImportIssue
from ..io.frames import canonical_frame, delete_section, empty_frame, insert_section, load_section
from ..io.params import calendar_keys
from ..io.readers import MAX_ISSUES_PER_CODE, ParsedBundle, parse_bundle
from ..io.strict_checks import check_label
from ..models import LABEL_PATTERN, CanonicalConfigVersion, PlanningInputSet
from ..sections import CALENDAR_FILE, SECTIONS
from .hashing import content_hash

# progress(stage, done, total): stage is "parse", "write" or "done"; done/total are rows.
Progress = Callable[[str, int, int], None]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_ISO_WEEK = re.compile(r"^\d{4}-W\d{2}$")
SHARE_TOLERANCE = 1e-6


@dataclass
class ImportReport:
    """Outcome of an import. ``as_dict()`` is the ``--json`` / API payload:
    ``{status, action, input_set: {id, label, status, config_version_id, content_hash},
    counts: {section: rows}, errors: [issue], warnings: [issue], files: [{file, encoding, bytes}]}``.
    ``status`` is ``ok`` or ``error``; ``action`` is ``created``, ``updated`` or ``validated``.
    """

    status: str = "ok"
    action: str = "validated"
    input_set: dict | None = None
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    apply_mode: str = ApplyMode.REPLACE
    source: str = InputSetSource.CSV

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "action": self.action,
            "apply_mode": self.apply_mode,
            "input_set": self.input_set,
            "counts": self.counts,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
            "files": self.files,
        }


def input_set_import(
    *,
    bundle: InputBundle,
    label: str,
    config_version_id: int,
    create_config_version: bool = False,
    apply_mode: str = ApplyMode.REPLACE,
    validate_only: bool = False,
    source: str = InputSetSource.CSV,
    actor: str = "",
    user=None,
    comment: str = "",
    progress: Progress | None = None,
    encoding: str = AUTO,
) -> ImportReport:
    """Import ``bundle`` into the input set ``label`` of config version ``config_version_id``.

    - New label → a ``draft`` set and an ``upload`` event; existing draft → its rows are
      replaced (``replace``: exactly the files' rows; absent files empty their section) or
      merged (``merge``: upsert by natural key, other rows and absent sections kept) and an
      ``update`` event is written.
    - ``create_config_version`` creates the config version with that id (error if it exists).
    - ``validate_only`` runs every check, including those against the existing set, and
      writes nothing.
    - ``encoding`` of the CSV files: ``"auto"`` (UTF-8 with or without BOM, then CP932, then a
      charset-normalizer guess reported as an ``encoding_guessed`` warning) or a Python codec
      name (``utf-8``, ``cp932``, …; :class:`ValueError` for an unknown one) used strictly;
      a file it does not decode is an ``encoding_error`` naming file and line. JSON files
      are always read in ``auto`` mode. Codes holding U+FFFD or control characters are
      ``invalid_character`` errors.

    Raises :class:`ImportRejected` (carrying the full report) on any error: invalid or
    formula-like label (issue 15), unknown or existing config version, a ready/archived
    target, a label of another config version, or any file/row problem. Returns the
    :class:`ImportReport` on success.
    """
    if apply_mode not in ApplyMode.values:
        raise ValueError(f"apply_mode must be one of {ApplyMode.values}")
    encoding = normalize_encoding(encoding)  # ValueError for an unknown codec
    report = ImportReport(apply_mode=apply_mode, source=source)
    if not re.match(LABEL_PATTERN, label or ""):
        report.errors.append(
            ImportIssue(
                file="-",
                column="label",
                code="invalid_input_set_label",
                message="Label must be 1–100 letters, digits, '.', '_' or '-'.",
                value=label,
            )
        )
    elif label_issue := check_label(label):
        report.errors.append(label_issue)
    # A set created by a concurrent upload while this one is read is a conflict (409), not a
    # silent replacement of what that upload just stored.
    label_existed = PlanningInputSet.objects.filter(label=label).exists()
    parsed = parse_bundle(bundle, encoding=encoding)
    report.files, report.warnings = parsed.files, list(parsed.warnings)
    report.errors.extend(parsed.errors)
    if progress:
        progress("parse", 1, 1)
    _reject_if_errors(report)

    def apply() -> ImportReport | None:
        with transaction.atomic():
            config = _resolve_config_version(
                config_version_id, create_config_version, validate_only, report
            )
            existing = _locked_set(label)
            if existing is not None and not label_existed:
                _conflict(report, label)
            _check_target(existing, config_version_id, label, report)
            _reject_if_errors(report)
            frames, calendar, params = _final_content(existing, parsed, apply_mode)
            _check_set(parsed, frames, calendar, report)
            _reject_if_errors(report)
            report.counts = {s.name: len(frames[s.name]) for s in SECTIONS}
            digest = content_hash(frames, calendar, params, canonical=True)
            if validate_only:
                report.action = "validated"
                report.input_set = _summary(existing, label, config_version_id, digest)
                transaction.set_rollback(True)
                return None
            if config is None:
                config = CanonicalConfigVersion.objects.get(pk=config_version_id)
            input_set = _write(
                existing, parsed, frames, calendar, params, label, config, source, user, progress
            )
            input_set.content_hash = digest
            input_set.save(update_fields=["content_hash", "updated_at"])
            report.action = "updated" if existing else "created"
            event_record(
                input_set=input_set,
                action=EventAction.UPDATE if existing else EventAction.UPLOAD,
                actor=actor or source,
                comment=comment,
                metadata={
                    "source": source,
                    "apply_mode": apply_mode,
                    "status": input_set.status,
                    "content_hash": digest,
                    "counts": report.counts,
                    "files": [f["file"] for f in parsed.files],
                    "encoding": encoding,
                    "encodings": {f["file"]: f["encoding"] for f in parsed.files},
                },
            )
            report.input_set = _summary(input_set, label, config.pk, digest)
        return report

    try:
        if retry_when_locked(apply, what="input_set_import") is None:
            return _accepted(report)  # validate_only
    except IntegrityError:
        # A concurrent upload inserted the same label (or config version) first.
        if PlanningInputSet.objects.filter(label=label).exists():
            _conflict(report, label)
        if (
            create_config_version
            and CanonicalConfigVersion.objects.filter(pk=config_version_id).exists()
        ):
            report.errors.append(
                ImportIssue(
                    file="-",
                    column="config_version_id",
                    code=ConfigVersionExists.code,
                    message=f"Config version {config_version_id} already exists.",
                )
            )
            _reject_if_errors(report)
        raise
    if progress:
        progress("done", 1, 1)
    return _accepted(report)


def _locked_set(label: str) -> PlanningInputSet | None:
    """The set ``label``, row-locked for this transaction, or ``None``."""
    return PlanningInputSet.objects.select_for_update().filter(label=label).first()


def _conflict(report: ImportReport, label: str) -> None:
    """Raise :class:`ImportConflict`: another upload created ``label`` meanwhile."""
    report.errors.append(
        ImportIssue(
            file="-",
            column="label",
            code=ImportConflict.code,
            message=(
                f"Input set '{label}' was created by another upload while this one was being "
                "read; nothing was written. Send it again to replace that draft's data."
            ),
            value=label,
        )
    )
    report.status, report.action = "error", "rejected"
    metrics.input_set_imports_total.labels(result="rejected", source=report.source).inc()
    raise ImportConflict(report)


def _reject_if_errors(report: ImportReport) -> None:
    """Every rejection passes here: it is counted once, then raised."""
    if report.errors:
        report.status = "error"
        report.action = "rejected"
        metrics.input_set_imports_total.labels(result="rejected", source=report.source).inc()
        raise ImportRejected(report)


def _accepted(report: ImportReport) -> ImportReport:
    metrics.input_set_imports_total.labels(result=report.action, source=report.source).inc()
    return report


def _resolve_config_version(config_version_id, create, validate_only, report):
    exists = CanonicalConfigVersion.objects.filter(pk=config_version_id).exists()
    if create and exists:
        error = ConfigVersionExists(f"Config version {config_version_id} already exists.")
    elif not create and not exists:
        error = ConfigVersionNotFound(
            f"Config version {config_version_id} does not exist "
            "(use --new-version-id to create it)."
        )
    else:
        error = None
    if error:
        report.errors.append(
            ImportIssue(file="-", column="config_version_id", code=error.code, message=str(error))
        )
        _reject_if_errors(report)
    if create and not validate_only:
        config = CanonicalConfigVersion.objects.create(
            pk=config_version_id, name=f"config-{config_version_id}"
        )
        _reset_sequence(CanonicalConfigVersion)
        return config
    return None


def _reset_sequence(model) -> None:
    """After inserting an explicit id, move PostgreSQL's sequence past it."""
    sql = connection.ops.sequence_reset_sql(_no_style(), [model])
    if sql:
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)


def _no_style():
    from django.core.management.color import no_style

    return no_style()


def _check_target(existing, config_version_id, label, report) -> None:
    if existing is None:
        return
    if existing.status != InputSetStatus.DRAFT:
        report.errors.append(
            ImportIssue(
                file="-",
                column="label",
                code="input_set_immutable",
                message=(
                    f"Input set '{label}' is {existing.status} and cannot change; "
                    "revert it to draft first or import under a new label."
                ),
                value=label,
            )
        )
    elif existing.config_version_id != config_version_id:
        report.errors.append(
            ImportIssue(
                file="-",
                column="config_version_id",
                code="label_in_other_config_version",
                message=(
                    f"Input set '{label}' belongs to config version "
                    f"{existing.config_version_id}, not {config_version_id}."
                ),
                value=str(config_version_id),
            )
        )


def _final_content(existing, parsed: ParsedBundle, apply_mode: str):
    """The frames, calendar and params the set will hold after the import."""
    frames: dict[str, pd.DataFrame] = {}
    merging = existing is not None and apply_mode == ApplyMode.MERGE
    for section in SECTIONS:
        incoming = parsed.frames.get(section.name)
        if not merging:
            frames[section.name] = (
                empty_frame(section) if incoming is None else canonical_frame(section, incoming)
            )
            continue
        current = load_section(existing.pk, section)
        if incoming is None:
            frames[section.name] = current
            continue
        # Upsert: incoming rows win over current rows with the same natural key.
        combined = pd.concat([current, incoming], ignore_index=True)
        key = list(section.key)
        keep = ~combined[key].astype(str).duplicated(keep="last")
        frames[section.name] = canonical_frame(section, combined.loc[keep])
    if merging:
        calendar = parsed.calendar if parsed.calendar_given else existing.calendar_spec
        params = {**(existing.planning_params or {}), **(parsed.params or {})}
    else:
        calendar = parsed.calendar
        params = parsed.params or {}
    if not params and calendar and isinstance(calendar.get("planning_params"), dict):
        params = dict(calendar["planning_params"])
    return frames, calendar, params


def _check_set(parsed: ParsedBundle, frames, calendar, report: ImportReport) -> None:
    """Rules that need the whole set: calendar membership (errors) and consistency warnings."""
    periods, weeks = calendar_keys(calendar)
    for name in ("family_demand", "capacity", "period_metric"):
        if name in parsed.frames and calendar:
            frame, source = parsed.frames[name], parsed.sources[name]
            bad = ~frame["period"].isin(periods)
            _row_issues(
                report.errors,
                source,
                frame["period"],
                bad,
                "period",
                "unknown_period",
                f"Period is not defined in {CALENDAR_FILE}.",
            )
    if "inbound" in parsed.frames:
        frame, source = parsed.frames["inbound"], parsed.sources["inbound"]
        due = frame["due_date"].astype(str)
        is_date = (
            due.str.match(_ISO_DATE)
            & pd.to_datetime(due, format="%Y-%m-%d", errors="coerce").notna()
        )
        is_month = due.str.match(_MONTH)
        is_week = due.isin(weeks) | (due.str.match(_ISO_WEEK) if not calendar else False)
        if calendar:
            bad_period = is_month & ~due.isin(periods)
            _row_issues(
                report.errors,
                source,
                due,
                bad_period,
                "due",
                "unknown_period",
                f"Period is not defined in {CALENDAR_FILE}.",
            )
            is_month &= ~bad_period
        bad = ~(is_date | is_month | is_week) & ~due.isin(periods)
        _row_issues(
            report.errors,
            source,
            due,
            bad,
            "due",
            "invalid_date",
            "Not a date (YYYY-MM-DD), a period (YYYY-MM) or a week of the calendar.",
        )
    _warn_share_sums(frames["mix_share"], report.warnings)
    _warn_families_without_mix(frames["family_demand"], frames["mix_share"], report.warnings)
    _warn_unknown_items(frames, report.warnings)


def _row_issues(target, source, values, mask, column, code, message) -> None:
    for n, idx in enumerate(mask[mask].index):
        if n >= MAX_ISSUES_PER_CODE:
            target.append(
                ImportIssue(
                    file=str(source.at[idx, "file"]),
                    code="too_many_issues",
                    message=f"{int(mask.sum()) - n} more '{code}' issues not listed.",
                )
            )
            break
        target.append(
            ImportIssue(
                file=str(source.at[idx, "file"]),
                line=int(source.at[idx, "line"]),
                column=column,
                code=code,
                message=message,
                value=str(values.at[idx]),
            )
        )


def _warn_list(target, file, code, message, values) -> None:
    values = sorted(values)
    for value in values[:MAX_ISSUES_PER_CODE]:
        target.append(ImportIssue(file=file, code=code, message=message, value=str(value)))
    if len(values) > MAX_ISSUES_PER_CODE:
        target.append(
            ImportIssue(
                file=file,
                code="too_many_issues",
                message=f"{len(values) - MAX_ISSUES_PER_CODE} more '{code}' warnings.",
            )
        )


def _warn_share_sums(mix: pd.DataFrame, warnings) -> None:
    if mix.empty:
        return
    sums = mix.groupby(["family_code", mix["effective_from"].fillna("")])["share"].sum()
    off = sums[(sums - 1.0).abs() > SHARE_TOLERANCE]
    _warn_list(
        warnings,
        "mix_share.csv",
        "share_sum",
        "Shares of this family do not sum to 1 (they are normalised when planning).",
        [f"{fam} (sum {total:.6g})" for (fam, _), total in off.items()],
    )


def _warn_families_without_mix(demand: pd.DataFrame, mix: pd.DataFrame, warnings) -> None:
    missing = set(demand["family_code"]) - set(mix["family_code"])
    _warn_list(
        warnings,
        "mix_share.csv",
        "family_without_mix",
        "Family has demand but no mix shares; planning treats it as one SKU.",
        missing,
    )


def _warn_unknown_items(frames, warnings) -> None:
    items = frames["item"]
    if items.empty:
        return
    known = set(items["item_code"])
    bom = frames["bom"]
    bom_items = set(bom["parent_item"]) | set(bom["child_item"])
    _warn_list(warnings, "bom.csv", "unknown_item", "Item is not in item.csv.", bom_items - known)
    _warn_list(
        warnings,
        "open_po.csv",
        "unknown_item",
        "Item is not in item.csv.",
        set(frames["inbound"]["item_code"]) - known,
    )


def _write(existing, parsed, frames, calendar, params, label, config, source, user, progress):
    if existing is None:
        input_set = PlanningInputSet.objects.create(
            config_version=config,
            label=label,
            status=InputSetStatus.DRAFT,
            source=source,
            created_by=user,
            calendar_spec=calendar,
            planning_params=params,
            metadata=_metadata(parsed),
        )
    else:
        input_set = existing
        input_set.calendar_spec = calendar
        input_set.planning_params = params
        input_set.metadata = {**(existing.metadata or {}), **_metadata(parsed)}
        input_set.save(update_fields=["calendar_spec", "planning_params", "metadata", "updated_at"])
    total = sum(len(f) for f in frames.values())
    written = 0

    def step(n: int) -> None:
        nonlocal written
        written += n
        if progress:
            progress("write", written, total)

    for section in SECTIONS:
        if existing is not None:
            delete_section(input_set.pk, section)
        insert_section(input_set.pk, section, frames[section.name], progress=step)
    return input_set


def _metadata(parsed: ParsedBundle) -> dict:
    meta = dict(parsed.meta or {})
    # input_set_meta.json describes the set it was exported from; keep only free-form keys.
    for key in (
        "id",
        "label",
        "status",
        "config_version_id",
        "source",
        "created_at",
        "updated_at",
        "content_hash",
        "approved_by",
        "approved_at",
    ):
        meta.pop(key, None)
    inner = meta.pop("metadata", None)
    if isinstance(inner, dict):
        meta = {**inner, **meta}
    return meta


def _summary(input_set, label, config_version_id, digest) -> dict:
    return {
        "id": input_set.pk if input_set else None,
        "label": label,
        "status": input_set.status if input_set else InputSetStatus.DRAFT.value,
        "config_version_id": config_version_id,
        "content_hash": digest,
    }
