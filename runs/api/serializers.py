"""Run registry API serializers."""

from django.urls import reverse
from rest_framework import serializers

from ..models import Run


class RunSerializer(serializers.ModelSerializer):
    plan_version = serializers.CharField(source="plan_version.version_id", read_only=True)
    plan_job_id = serializers.IntegerField(read_only=True, allow_null=True)
    config_version_id = serializers.IntegerField(read_only=True)
    input_set_id = serializers.IntegerField(read_only=True, allow_null=True)
    input_set_label = serializers.CharField(read_only=True)
    input_set_content_hash = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    started_at = serializers.DateTimeField(read_only=True, allow_null=True)
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)
    duration_ms = serializers.IntegerField(read_only=True, allow_null=True)
    trigger = serializers.CharField(read_only=True)
    kpis = serializers.DictField(child=serializers.FloatField(), read_only=True)
    parameters = serializers.DictField(read_only=True)
    legacy = serializers.BooleanField(source="is_legacy", read_only=True)
    missing = serializers.BooleanField(source="is_missing", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Run
        fields = [
            "run_id",
            "plan_version",
            "plan_job_id",
            "config_version_id",
            "input_set_id",
            "input_set_label",
            "input_set_content_hash",
            "legacy",
            "missing",
            "status",
            "started_at",
            "finished_at",
            "duration_ms",
            "trigger",
            "kpis",
            "parameters",
            "approved_by",
            "approved_at",
            "baseline",
            "archived",
            "note",
            "created_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return reverse("api:run-detail", args=[obj.run_id])


class CompareSerializer(serializers.Serializer):
    run_ids = serializers.ListField(child=serializers.CharField(), min_length=2, max_length=50)
    keys = serializers.ListField(child=serializers.CharField(), required=False)
    threshold = serializers.FloatField(required=False, min_value=0)


class CompareResultSerializer(serializers.Serializer):
    keys = serializers.ListField(child=serializers.CharField())
    threshold = serializers.FloatField(allow_null=True)
    base = serializers.CharField()
    metrics = serializers.ListField(child=serializers.DictField())
    diffs = serializers.ListField(child=serializers.DictField())


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, max_length=5000)


class ArchiveSerializer(serializers.Serializer):
    archived = serializers.BooleanField(default=True)
