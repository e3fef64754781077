"""Input-set API: list/retrieve/upload, rows per section, events, export, diff, review.

Views only translate HTTP to service calls; domain errors become JSON in
``planning_hub.api.errors``.
"""

import re

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from planning_hub.api.errors import ApiError
from planning_hub.api.serializers import ERROR_RESPONSES, CommentSerializer, ErrorSerializer

from .. import selectors
from ..choices import InputSetSource
from ..io.bundle import BundleError
from ..models import LABEL_PATTERN, CanonicalConfigVersion, PlanningInputSet
from ..sections import SECTIONS_BY_NAME
from ..services import (
    input_set_diff_request,
    input_set_export_zip,
    input_set_review,
)
from ..services.upload_jobs import (
    input_set_import_enqueue,
    input_set_import_uploads,
    upload_is_large,
)
from .filtersets import InputSetFilterSet
from .serializers import (
    ROW_SERIALIZERS,
    ConfigVersionSerializer,
    EventsPayloadSerializer,
    ImportReportSerializer,
    InputSetDetailSerializer,
    InputSetSerializer,
    UploadSerializer,
)

# short query names accepted for row filters, besides the field names themselves
ROW_FILTER_ALIASES = {
    "family": "family_code",
    "sku": "sku_code",
    "item": "item_code",
    "resource": "resource_code",
    "node": "node_code",
    "metric": "metric_code",
    "parent": "parent_item",
    "child": "child_item",
}
REVIEW_PERM = ["input_sets.review_planninginputset"]


def get_input_set(label: str) -> PlanningInputSet:
    """The set for a URL label: 400 ``invalid_input_set_label`` for a malformed one, 404 for an
    unknown one."""
    if not re.match(LABEL_PATTERN, label):
        raise ApiError(
            "Labels are 1–100 letters, digits, '.', '_' or '-'.", "invalid_input_set_label", 400
        )
    return selectors.input_set_get(label=label)


class ConfigVersionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Canonical config versions that input sets and plans attach to."""

    queryset = CanonicalConfigVersion.objects.order_by("-id")
    serializer_class = ConfigVersionSerializer
    filterset_fields = ["status"]
    ordering_fields = ["id", "created_at", "name"]


@extend_schema_view(
    list=extend_schema(responses={200: InputSetSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: InputSetDetailSerializer, **ERROR_RESPONSES}),
)
class InputSetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Input sets, looked up by label. Ready and archived sets are immutable; data changes
    only through upload (drafts) and the review actions."""

    queryset = PlanningInputSet.objects.select_related("created_by").order_by("-updated_at", "-id")
    lookup_field = "label"
    lookup_value_regex = "[^/]+"
    filterset_class = InputSetFilterSet
    ordering_fields = ["label", "created_at", "updated_at", "status", "approved_at"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    required_perms = {
        "approve": REVIEW_PERM,
        "revert": REVIEW_PERM,
        "archive": REVIEW_PERM,
    }

    def get_serializer_class(self):
        return InputSetDetailSerializer if self.action == "retrieve" else InputSetSerializer

    def get_object(self):
        input_set = get_input_set(self.kwargs["label"])
        self.check_object_permissions(self.request, input_set)
        return input_set

    def retrieve(self, request, *args, **kwargs):
        input_set = self.get_object()
        counts = selectors.input_set_section_counts(input_set=input_set)
        return Response(InputSetDetailSerializer(input_set, context={"counts": counts}).data)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={
            201: ImportReportSerializer,
            200: ImportReportSerializer,
            **ERROR_RESPONSES,
            503: ErrorSerializer,
        },
        description=(
            "Upload CSV/JSON files (or one zip) as a draft; 400 lists every row error and nothing "
            "is written; 409 input_set_conflict when another upload created the label meanwhile; "
            "503 database_busy (with Retry-After) when SQLite stayed locked."
        ),
    )
    def create(self, request, *args, **kwargs):
        form = UploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        options = {
            "label": data["label"],
            "config_version_id": data["config_version"],
            "apply_mode": data["apply_mode"],
            "validate_only": data["validate_only"],
            "source": InputSetSource.API,
            "actor": request.user.get_username(),
            "user": request.user,
            "comment": data["comment"],
            "encoding": data["encoding"],
        }
        if upload_is_large(data["files"]):
            return self._accepted(
                input_set_import_enqueue(uploads=data["files"], trigger="api", **options)
            )
        try:
            report = input_set_import_uploads(uploads=data["files"], **options)
        except BundleError as exc:
            raise ApiError(exc.issue.message, exc.issue.code, 400, [exc.issue.as_dict()]) from exc
        code = status.HTTP_201_CREATED if report.action == "created" else status.HTTP_200_OK
        return Response(report.as_dict(), status=code)

    def _accepted(self, job) -> Response:
        """202 for an upload parsed in a job: ``{job: {id, type, status, progress, url}, label}``
        and ``Location`` of the job, whose ``result`` becomes the import report."""
        url = reverse("api:job-detail", args=[job.pk])
        payload = {
            "job": {
                "id": job.pk,
                "type": job.kind,
                "status": job.status,
                "progress": job.progress,
                "url": url,
            },
            "label": job.params["label"],
        }
        return Response(payload, status=status.HTTP_202_ACCEPTED, headers={"Location": url})

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "section", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(SECTIONS_BY_NAME)
            ),
            *[
                OpenApiParameter(name, OpenApiTypes.STR)
                for name in ("family", "sku", "item", "period", "resource", "node", "metric")
            ],
        ],
        responses={200: OpenApiTypes.OBJECT, **ERROR_RESPONSES},
        description="Paginated rows of one section; exact-match filters by code or period.",
    )
    @action(detail=True, methods=["get"], url_path=r"rows/(?P<section>[a-z_]+)")
    def rows(self, request, label=None, section=None):
        input_set = self.get_object()
        spec = SECTIONS_BY_NAME.get(section)
        if spec is None:
            raise ApiError(f"Unknown section '{section}'.", "unknown_section", 404)
        qs = spec.model.objects.filter(input_set=input_set).order_by(*spec.key)
        for name, value in request.query_params.items():
            field = ROW_FILTER_ALIASES.get(name, name)
            if field in spec.fields and field in (*spec.filters, "period"):
                qs = qs.filter(**{field: value})
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ROW_SERIALIZERS[section](page, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("limit", OpenApiTypes.INT, description="1–500, default 100")],
        responses={200: EventsPayloadSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request, label=None):
        """The audit trail, newest first (runbook §4)."""
        input_set = self.get_object()
        limit = _int_param(request, "limit", 100, 1, 500)
        return Response(selectors.input_set_events_payload(input_set=input_set, limit=limit))

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY, **ERROR_RESPONSES})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def export(self, request, label=None):
        """The set as a zip in the import layout (lossless)."""
        input_set = self.get_object()
        data = input_set_export_zip(input_set=input_set, include_meta=True)
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = (
            f'attachment; filename="planning_input_set_{input_set.label}.zip"'
        )
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "against",
                OpenApiTypes.STR,
                description="Label to compare with (default: newest other ready set of the config version)",
            ),
            OpenApiParameter(
                "regenerate",
                OpenApiTypes.BOOL,
                description="Recompute even if a fresh result is cached",
            ),
            OpenApiParameter(
                "section",
                OpenApiTypes.STR,
                enum=list(SECTIONS_BY_NAME),
                description="Page through this section's rows",
            ),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=["added", "removed", "changed"]),
            OpenApiParameter("page", OpenApiTypes.INT),
        ],
        responses={200: OpenApiTypes.OBJECT, 202: OpenApiTypes.OBJECT, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def diff(self, request, label=None):
        """The cached diff against another set (200), or 202 with the job while a worker
        computes it (poll the same URL). With ``section`` (and ``kind``): paginated rows."""
        input_set = self.get_object()
        against = self._diff_target(request, input_set)
        regenerate = request.query_params.get("regenerate", "").lower() in ("1", "true", "yes")
        diff = input_set_diff_request(input_set=input_set, against=against, force=regenerate)
        payload = {
            "job": {
                "id": diff.pk,
                "type": "diff",
                "status": diff.status,
                "progress": diff.progress,
                "error": diff.error or None,
            },
            "input_set": input_set.label,
            "against": against.label,
        }
        if diff.status in ("queued", "running"):
            location = f"{request.path}?against={against.label}"
            return Response(
                payload, status=status.HTTP_202_ACCEPTED, headers={"Location": location}
            )
        payload["generated_at"] = diff.finished_at
        payload["summary"] = diff.summary
        section = request.query_params.get("section")
        if section is None:
            return Response(payload)
        if section not in SECTIONS_BY_NAME:
            raise ApiError(f"Unknown section '{section}'.", "unknown_section", 400)
        rows = diff.rows.filter(section=section).order_by("id")
        kind = request.query_params.get("kind")
        if kind:
            rows = rows.filter(kind=kind)
        page = self.paginate_queryset(rows.values("kind", "key", "columns", "current", "previous"))
        return self.get_paginated_response(list(page))

    def _diff_target(self, request, input_set):
        against_label = request.query_params.get("against")
        if against_label:
            return get_input_set(against_label)
        against = selectors.input_set_newest_ready(
            config_version_id=input_set.config_version_id, exclude_id=input_set.pk
        )
        if against is None:
            raise ApiError("No other ready input set to compare with.", "no_diff_target", 404)
        return against

    def _review(self, request, label, action_name):
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        input_set = input_set_review(
            label=get_input_set(label).label,
            action=action_name,
            reviewer=request.user.get_username(),
            comment=body.validated_data["comment"],
            metadata={"source": "api"},
        )
        return Response(InputSetSerializer(input_set).data)

    @extend_schema(
        request=CommentSerializer, responses={200: InputSetSerializer, **ERROR_RESPONSES}
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, label=None):
        """draft → ready (needs input_sets.review_planninginputset)."""
        return self._review(request, label, "approve")

    @extend_schema(
        request=CommentSerializer, responses={200: InputSetSerializer, **ERROR_RESPONSES}
    )
    @action(detail=True, methods=["post"])
    def revert(self, request, label=None):
        """ready → draft."""
        return self._review(request, label, "revert")

    @extend_schema(
        request=CommentSerializer, responses={200: InputSetSerializer, **ERROR_RESPONSES}
    )
    @action(detail=True, methods=["post"])
    def archive(self, request, label=None):
        """draft or ready → archived."""
        return self._review(request, label, "archive")


def _int_param(request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ApiError(
            f"'{name}' must be an integer from {low} to {high}.", "invalid_parameter", 400
        )
    return value
