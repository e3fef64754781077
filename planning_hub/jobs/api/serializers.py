"""Job API serializer: one shape for every kind (plan runs, input-set diffs, …)."""

from django.urls import reverse
from rest_framework import serializers

from ..models import Job
from ..selectors import job_describe


class JobSerializer(serializers.ModelSerializer):
    """A job. ``plan_version``/``run_id`` are set for plan runs; ``input_set_label`` and
    ``input_set_content_hash`` name the input set the job reads (null when it reads none)."""

    plan_version = serializers.SerializerMethodField()
    run_id = serializers.SerializerMethodField()
    input_set_label = serializers.SerializerMethodField()
    input_set_content_hash = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "plan_version",
            "run_id",
            "task_id",
            "input_set_label",
            "input_set_content_hash",
            "status",
            "progress",
            "current_step",
            "trigger",
            "submitted_at",
            "started_at",
            "finished_at",
            "duration_ms",
            "error",
            "url",
        ]
        read_only_fields = fields

    def _described(self, obj) -> dict:
        if not hasattr(obj, "_described"):
            obj._described = job_describe(obj)
        return obj._described

    def get_plan_version(self, obj) -> str | None:
        return self._described(obj).get("plan_version")

    def get_run_id(self, obj) -> str | None:
        return self._described(obj).get("run_id")

    def get_input_set_label(self, obj) -> str | None:
        return self._described(obj).get("input_set_label")

    def get_input_set_content_hash(self, obj) -> str | None:
        return self._described(obj).get("input_set_content_hash")

    def get_url(self, obj) -> str:
        return reverse("api:job-detail", args=[obj.pk])
