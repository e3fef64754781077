"""Job API (``/api/jobs/``): every kind, with status, progress and current step; retry failed
and cancel queued jobs. Writes go through ``planning_hub.jobs.services``."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from planning_hub.api.serializers import ERROR_RESPONSES

from ..models import Job, JobStatus
from ..selectors import job_list
from ..services import job_cancel, job_retry
from .serializers import JobSerializer

CHANGE_JOB = ["jobs.change_job"]


class JobFilterSet(django_filters.FilterSet):
    """Filters of the job list (API query parameters and the hub page's form)."""

    status = django_filters.ChoiceFilter(choices=JobStatus.choices)
    kind = django_filters.CharFilter()
    plan_version = django_filters.CharFilter(field_name="plan__version_id")

    class Meta:
        model = Job
        fields = ["status", "kind", "plan_version"]


@extend_schema_view(
    list=extend_schema(responses={200: JobSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: JobSerializer, **ERROR_RESPONSES}),
)
class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Jobs of every kind: status, progress and current step; retry failed and cancel queued
    jobs."""

    serializer_class = JobSerializer
    filterset_class = JobFilterSet
    ordering_fields = ["submitted_at", "status"]
    required_perms = {"retry": CHANGE_JOB, "cancel": CHANGE_JOB}

    def get_queryset(self):
        return job_list()

    @extend_schema(request=None, responses={202: JobSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Queue a failed or canceled job again (as a new job of the same kind and object)."""
        job = job_retry(job_id=self.get_object().pk, user=request.user)
        return Response(
            JobSerializer(job_list().get(pk=job.pk)).data, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(request=None, responses={200: JobSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a queued job."""
        job = job_cancel(job_id=self.get_object().pk)
        return Response(JobSerializer(job_list().get(pk=job.pk)).data)
