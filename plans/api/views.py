"""Plan and job API. Writes go through ``plans.services``."""

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from input_sets.models import PlanningInputSet
from input_sets.sections import SECTIONS
from planning_hub.api.errors import ApiError
from planning_hub.api.serializers import ERROR_RESPONSES
from planning_hub.jobs.models import Job

from ..exporting import plan_export_zip
from ..models import SeriesLevel, Trigger
from ..selectors import SeriesRows, plan_summary, plans_with_summary
from ..services import plan_create_and_execute, plan_delete
from .filtersets import PlanFilterSet, SeriesFilterForm
from .serializers import (
    CreatedPlanSerializer,
    CreatePlanSerializer,
    KPISerializer,
    PlanDetailSerializer,
    PlanSerializer,
    SeriesSerializer,
)


@extend_schema_view(
    list=extend_schema(responses={200: PlanSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: PlanDetailSerializer, **ERROR_RESPONSES}),
    destroy=extend_schema(responses={204: None, **ERROR_RESPONSES}),
)
class PlanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Plan versions with summary KPIs; creation runs the pipeline on a worker."""

    lookup_field = "version_id"
    lookup_value_regex = "[^/]+"
    filterset_class = PlanFilterSet
    ordering_fields = ["created_at", "version_id", "state"]
    required_perms = {"create_and_execute": ["plans.add_planversion"]}

    def get_queryset(self):
        qs = plans_with_summary().select_related("created_by")
        if self.action == "retrieve":
            qs = qs.prefetch_related(
                "kpis",
                "artifacts",
                Prefetch("jobs", queryset=Job.objects.select_related("run")),
            )
        return qs

    def get_serializer_class(self):
        if self.action == "retrieve":
            return PlanDetailSerializer
        if self.action == "series":
            return SeriesSerializer
        return PlanSerializer

    def perform_destroy(self, instance):
        plan_delete(plan=instance)

    @extend_schema(
        request=CreatePlanSerializer,
        parameters=[
            OpenApiParameter(
                "sync", OpenApiTypes.BOOL, description="Run inline (small sets only) and answer 201"
            )
        ],
        responses={202: CreatedPlanSerializer, 201: CreatedPlanSerializer, **ERROR_RESPONSES},
    )
    @action(detail=False, methods=["post"])
    def create_and_execute(self, request):
        """Create a plan from a ready input set. 202 + ``Location`` of the job (a worker runs it),
        or 201 with the results when ``?sync=true``."""
        body = CreatePlanSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        sync = request.query_params.get("sync", "").lower() in ("1", "true", "yes")
        if sync:
            self._check_sync_size(data["input_set_label"])
        job = plan_create_and_execute(
            config_version_id=data["config_version_id"],
            input_set_label=data["input_set_label"],
            params=body.params(),
            user=request.user,
            trigger=Trigger.API,
            sync=sync,
            note=data.get("note", ""),
        )
        payload = plan_summary(job=job)
        if sync:
            return Response(payload, status=status.HTTP_201_CREATED)
        location = reverse("api:job-detail", args=[job.pk])
        return Response(payload, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

    def _check_sync_size(self, label: str) -> None:
        input_set = PlanningInputSet.objects.filter(label=label).first()
        if input_set is None:
            return  # the service reports the unknown label
        rows = sum(s.model.objects.filter(input_set=input_set).count() for s in SECTIONS)
        if rows > settings.PLANS_SYNC_MAX_INPUT_ROWS:
            raise ApiError(
                f"Input set has {rows} rows; sync runs are limited to {settings.PLANS_SYNC_MAX_INPUT_ROWS}. "
                "Omit ?sync=true and follow the job.",
                "sync_too_large",
                400,
            )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "level",
                OpenApiTypes.STR,
                enum=["aggregate", "det", "mrp", "mrp_final", "weekly_summary"],
            ),
            OpenApiParameter("item", OpenApiTypes.STR),
            OpenApiParameter("bucket_from", OpenApiTypes.STR),
            OpenApiParameter("bucket_to", OpenApiTypes.STR),
        ],
        responses={200: SeriesSerializer(many=True), **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def series(self, request, version_id=None):
        """Paginated plan series, filtered by level, item and bucket range; ordered by level,
        then item, then bucket (the columnar store's order)."""
        plan = self.get_object()
        form = SeriesFilterForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        data = form.cleaned_data
        rows = SeriesRows(
            plan=plan,
            levels=[data["level"]] if data.get("level") else SeriesLevel.values,
            items=[data["item"]] if data.get("item") else None,
            bucket_from=data.get("bucket_from") or None,
            bucket_to=data.get("bucket_to") or None,
        )
        return self.get_paginated_response(self.paginate_queryset(rows))

    @extend_schema(responses={200: KPISerializer(many=True), **ERROR_RESPONSES})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def kpis(self, request, version_id=None):
        """Every KPI of the plan (total, per month, per week)."""
        plan = self.get_object()
        return Response(
            KPISerializer(plan.kpis.order_by("metric", "bucket_type", "bucket_key"), many=True).data
        )

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY, **ERROR_RESPONSES})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def export(self, request, version_id=None):
        """aggregate.json, sku_week.json, mrp.json, plan_final.json and report.csv as a zip."""
        plan = self.get_object()
        response = HttpResponse(plan_export_zip(plan=plan), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="plan_{plan.version_id}.zip"'
        return response
