"""Run registry API: list/retrieve with server-side filters, compare, review flags."""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from planning_hub.api.filters import IdFilter
from planning_hub.api.serializers import ERROR_RESPONSES
from planning_hub.jobs.models import JobStatus

from .. import services
from ..models import Run
from ..selectors import runs_with_plan_and_job
from .serializers import (
    ArchiveSerializer,
    CompareResultSerializer,
    CompareSerializer,
    NoteSerializer,
    RunSerializer,
)

CHANGE_RUN = ["runs.change_run"]


class RunFilterSet(django_filters.FilterSet):
    """Filters of the run list; what a run reads from its plan and job is filtered there."""

    input_set_label = django_filters.CharFilter(field_name="plan_version__input_set_label")
    plan_version = django_filters.CharFilter(field_name="plan_version__version_id")
    config_version = IdFilter(field_name="plan_version__config_version_id")
    status = django_filters.ChoiceFilter(field_name="plan_job__status", choices=JobStatus.choices)
    baseline = django_filters.BooleanFilter()
    archived = django_filters.BooleanFilter()

    class Meta:
        model = Run
        fields = ["baseline", "archived"]


class RunOrdering(OrderingFilter):
    """``?ordering=`` by ``created_at``, ``started_at`` or ``duration_ms`` (the last two are
    the job's)."""

    JOB_FIELDS = {"started_at", "duration_ms"}

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view) or []
        mapped = []
        for term in ordering:
            sign, name = ("-", term[1:]) if term.startswith("-") else ("", term)
            mapped.append(f"{sign}plan_job__{name}" if name in self.JOB_FIELDS else term)
        return mapped


@extend_schema_view(
    list=extend_schema(responses={200: RunSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: RunSerializer, **ERROR_RESPONSES}),
)
class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Runs (one per plan execution) with KPI summaries."""

    queryset = runs_with_plan_and_job()
    serializer_class = RunSerializer
    lookup_field = "run_id"
    lookup_value_regex = "[^/]+"
    filterset_class = RunFilterSet
    filter_backends = [DjangoFilterBackend, RunOrdering]
    ordering_fields = ["created_at", "started_at", "duration_ms"]
    required_perms = {
        "compare": ["runs.view_run"],
        "approve": CHANGE_RUN,
        "baseline": CHANGE_RUN,
        "archive": CHANGE_RUN,
        "note": CHANGE_RUN,
    }

    @extend_schema(
        request=CompareSerializer, responses={200: CompareResultSerializer, **ERROR_RESPONSES}
    )
    @action(detail=False, methods=["post"])
    def compare(self, request):
        """KPI deltas (absolute, percent, threshold flag) of each run against the first."""
        body = CompareSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(services.runs_compare(**body.validated_data))

    @extend_schema(request=None, responses={200: RunSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def approve(self, request, run_id=None):
        run = services.run_approve(
            run_id=self.get_object().run_id, approver=request.user.get_username()
        )
        return Response(RunSerializer(run).data)

    @extend_schema(request=None, responses={200: RunSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def baseline(self, request, run_id=None):
        """Make this run the baseline of its config version."""
        return Response(
            RunSerializer(services.run_set_baseline(run_id=self.get_object().run_id)).data
        )

    @extend_schema(request=ArchiveSerializer, responses={200: RunSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def archive(self, request, run_id=None):
        body = ArchiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = services.run_set_archived(
            run_id=self.get_object().run_id, archived=body.validated_data["archived"]
        )
        return Response(RunSerializer(run).data)

    @extend_schema(request=NoteSerializer, responses={200: RunSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def note(self, request, run_id=None):
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = services.run_set_note(
            run_id=self.get_object().run_id, note=body.validated_data["note"]
        )
        return Response(RunSerializer(run).data)
