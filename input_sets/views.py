"""Hub pages for input sets (runbook URLs under /ui/plans/input_sets).

Every page needs login and the matching model permission; every write goes through the
services. Filters and pagination run in SQL, so totals and pages are right.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from . import selectors
from .choices import InputSetSource
from .exceptions import ImportRejected, InputSetNotFound
from .forms import InputSetFilterForm, UploadForm
from .io.bundle import BundleError, InputBundle
from .io.encoding import AUTO
from .models import DiffStatus, InputSetDiffRow
from .sections import SECTIONS, SECTIONS_BY_NAME
from .services import input_set_diff_request, input_set_export_zip, input_set_import
from .services.upload_jobs import input_set_import_enqueue, upload_is_large

VIEW = "input_sets.view_planninginputset"
PAGE_SIZE = 25


def _get(label: str):
    try:
        return selectors.input_set_get(label=label)
    except InputSetNotFound:
        raise Http404(_("Input set not found.")) from None


@login_required
@permission_required(VIEW, raise_exception=True)
def input_set_list(request):
    form = InputSetFilterForm(request.GET or None)
    status = config_version = query = None
    if form.is_valid():
        status = form.cleaned_data["status"] or None
        config_version = form.cleaned_data["config_version"]
        query = form.cleaned_data["q"]
    sets = selectors.input_set_list(
        status=status or "all", config_version_id=config_version.pk if config_version else None
    ).select_related("config_version")
    if query:
        sets = sets.filter(label__icontains=query)
    page = Paginator(sets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "input_sets/list.html", {"form": form, "page_obj": page})


@login_required
@permission_required("input_sets.add_planninginputset", raise_exception=True)
def input_set_upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    errors, warnings = [], []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        uploads = request.FILES.getlist("files")
        options = {
            "label": data["label"],
            "config_version_id": data["config_version"].pk,
            "source": InputSetSource.UI,
            "actor": request.user.get_username(),
            "user": request.user,
            "comment": data["comment"],
            "encoding": data["encoding"] or AUTO,
        }
        if upload_is_large(uploads):
            job = input_set_import_enqueue(uploads=uploads, trigger="ui", **options)
            messages.info(
                request,
                _("The upload of %(label)s is large; a worker is reading it.")
                % {"label": data["label"]},
            )
            return redirect("jobs:detail", job_id=job.pk)
        try:
            bundle = InputBundle.from_uploads(uploads, name=data["label"])
            report = input_set_import(bundle=bundle, **options)
        except BundleError as exc:
            errors = [exc.issue]
        except ImportRejected as exc:
            errors, warnings = exc.report.errors, exc.report.warnings
        else:
            done = (
                pgettext("import outcome", "created")
                if report.action == "created"
                else pgettext("import outcome", "updated")
            )
            messages.success(
                request,
                _("Input set %(label)s stored as a draft (%(action)s).")
                % {"label": data["label"], "action": done},
            )
            for issue in report.warnings:
                if issue.code == "encoding_guessed":
                    messages.warning(
                        request,
                        _(
                            "%(file)s is neither UTF-8 nor Shift_JIS/CP932; its encoding was "
                            "guessed as %(encoding)s. Check the imported text."
                        )
                        % {"file": issue.file, "encoding": issue.value},
                    )
            return redirect("input_sets:detail", label=data["label"])
    status = 400 if errors else 200
    return render(
        request,
        "input_sets/upload.html",
        {"form": form, "errors": errors, "warnings": warnings},
        status=status,
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def input_set_detail(request, label):
    input_set = _get(label)
    section = SECTIONS_BY_NAME.get(request.GET.get("section", "family_demand"))
    if section is None:
        raise Http404(_("Unknown section."))
    rows = section.model.objects.filter(input_set=input_set).order_by(*section.key)
    filters = {
        f: request.GET.get(f, "").strip()
        for f in (*section.filters, "period")
        if f in section.fields
    }
    for field, value in filters.items():
        if value:
            rows = rows.filter(**{field: value})
    page = Paginator(rows.values_list(*section.fields), 50).get_page(request.GET.get("page"))
    context = {
        "input_set": input_set,
        "counts": selectors.input_set_section_counts(input_set=input_set),
        "sections": SECTIONS,
        "section": section,
        "filters": filters,
        "page_obj": page,
        "events": selectors.input_set_events(input_set=input_set, limit=100),
        **_plans_and_runs(input_set),
        "can_review": request.user.has_perm("input_sets.review_planninginputset"),
    }
    return render(request, "input_sets/detail.html", context)


@login_required
@permission_required(VIEW, raise_exception=True)
def input_set_export(request, label):
    input_set = _get(label)
    response = HttpResponse(
        input_set_export_zip(input_set=input_set, include_meta=True), content_type="application/zip"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="planning_input_set_{input_set.label}.zip"'
    )
    return response


def _plans_and_runs(input_set) -> dict:
    """The 20 newest plans of the set and their runs (newest first), through the reverse
    relations, so input sets need not import the apps built on them."""
    plans = list(
        input_set.planversions.order_by("-created_at", "-id").prefetch_related("runs__plan_job")[
            :20
        ]
    )
    runs = sorted(
        (run for plan in plans for run in plan.runs.all()),
        key=lambda run: (run.created_at, run.pk),
        reverse=True,
    )
    return {"plans": plans, "runs": runs[:20]}


def _diff_target(request, input_set):
    label = request.GET.get("against") or request.POST.get("against")
    if label:
        return _get(label)
    return selectors.input_set_newest_ready(
        config_version_id=input_set.config_version_id, exclude_id=input_set.pk
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def input_set_diff(request, label):
    """First visit starts the diff job; the page polls its status, then shows the result."""
    input_set = _get(label)
    against = _diff_target(request, input_set)
    context = {"input_set": input_set, "against": against}
    if against is None:
        return render(request, "input_sets/diff.html", context)
    diff = input_set_diff_request(input_set=input_set, against=against)
    context["diff"] = diff
    if diff.status == DiffStatus.SUCCEEDED:
        section = SECTIONS_BY_NAME.get(request.GET.get("section", "family_demand")) or SECTIONS[0]
        kind = request.GET.get("kind", "changed")
        rows = InputSetDiffRow.objects.filter(diff=diff, section=section.name, kind=kind).order_by(
            "id"
        )
        page = Paginator(rows, 50).get_page(request.GET.get("page"))
        context.update(
            {
                "sections": SECTIONS,
                "section": section,
                "kind": kind,
                "page_obj": page,
                "table": _diff_table(section, kind, page.object_list),
            }
        )
    return render(request, "input_sets/diff.html", context)


def _diff_table(section, kind, rows) -> list[list[dict]]:
    """Cells for the template: ``[{value, previous, changed}]`` per row, section field order."""
    table = []
    for row in rows:
        values = row.previous if kind == "removed" else row.current
        cells = []
        for field in section.fields:
            changed = field in row.columns
            cells.append(
                {
                    "value": values.get(field),
                    "previous": row.previous.get(field) if changed else None,
                    "changed": changed,
                }
            )
        table.append(cells)
    return table


@login_required
@permission_required(VIEW, raise_exception=True)
def input_set_diff_status(request, label):
    """JSON for the diff page's polling: ``{status, progress, step}`` (no HTML built in JS)."""
    input_set = _get(label)
    against = _diff_target(request, input_set)
    if against is None:
        raise Http404
    diff = (
        input_set.diffs.filter(
            content_hash=input_set.content_hash,
            against=against,
            against_content_hash=against.content_hash,
        )
        .select_related("job")
        .first()
    )
    if diff is None:
        raise Http404
    return JsonResponse(
        {"status": diff.status, "progress": diff.progress, "step": diff.current_step}
    )


@require_POST
@login_required
@permission_required(VIEW, raise_exception=True)
def input_set_diff_regenerate(request, label):
    input_set = _get(label)
    against = _diff_target(request, input_set)
    if against is not None:
        input_set_diff_request(input_set=input_set, against=against, force=True)
    url = reverse("input_sets:diff", args=[input_set.label])
    return redirect(f"{url}?against={against.label}" if against else url)
