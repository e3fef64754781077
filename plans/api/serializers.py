"""Plan API serializers (a plan's jobs in the one job shape)."""

from django.urls import reverse
from rest_framework import serializers

from planning_hub.jobs.api.serializers import JobSerializer

from ..models import PlanKPI, PlanVersion


class PlanSerializer(serializers.ModelSerializer):
    config_version_id = serializers.IntegerField(read_only=True)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    legacy = serializers.BooleanField(source="is_legacy", read_only=True)
    missing = serializers.BooleanField(source="is_missing", read_only=True)
    fill_rate = serializers.FloatField(read_only=True, allow_null=True)
    backlog_total = serializers.FloatField(read_only=True, allow_null=True)
    last_job_id = serializers.IntegerField(read_only=True, allow_null=True)
    last_job_status = serializers.CharField(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = PlanVersion
        fields = [
            "version_id",
            "state",
            "config_version_id",
            "input_set_id",
            "input_set_label",
            "input_set_content_hash",
            "legacy",
            "missing",
            "fill_rate",
            "backlog_total",
            "last_job_id",
            "last_job_status",
            "created_by",
            "created_at",
            "updated_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return reverse("api:plan-detail", args=[obj.version_id])


class PlanDetailSerializer(PlanSerializer):
    kpis = serializers.SerializerMethodField()
    jobs = JobSerializer(many=True, read_only=True)
    artifacts = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    series_sha256 = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text="sha256 of the stored series per level; equal for equal inputs and parameters",
    )

    class Meta(PlanSerializer.Meta):
        fields = [
            *PlanSerializer.Meta.fields,
            "parameters",
            "invalid_steps",
            "note",
            "series_sha256",
            "kpis",
            "jobs",
            "artifacts",
        ]
        read_only_fields = fields

    def get_kpis(self, obj) -> dict[str, float]:
        return {k.metric: k.value for k in obj.kpis.all() if k.bucket_type == "total"}


class CreatePlanSerializer(serializers.Serializer):
    """Body of ``create_and_execute``. ``input_set_label`` needs ``config_version_id`` (seed 000,
    Phase 1 §1); parameters default to the set's planning_params."""

    config_version_id = serializers.IntegerField(required=False)
    input_set_label = serializers.CharField(max_length=100)
    lt_unit = serializers.ChoiceField(["day", "week"], required=False)
    round_mode = serializers.ChoiceField(["none", "int", "dec1", "dec2"], required=False)
    cutover_date = serializers.DateField(required=False)
    recon_window_days = serializers.IntegerField(required=False, min_value=0)
    anchor_policy = serializers.ChoiceField(["DET_near", "AGG_far", "blend"], required=False)
    tol_abs = serializers.FloatField(required=False, min_value=0)
    tol_rel = serializers.FloatField(required=False, min_value=0)
    apply_adjusted = serializers.BooleanField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def validate(self, attrs):
        if "config_version_id" not in attrs:
            raise serializers.ValidationError(
                {"config_version_id": "config_version_id is required with input_set_label."},
                code="config_version_required",
            )
        return attrs

    def params(self) -> dict:
        data = dict(self.validated_data)
        for key in ("config_version_id", "input_set_label", "note"):
            data.pop(key, None)
        if "cutover_date" in data:
            data["cutover_date"] = data["cutover_date"].isoformat()
        return data


class CreatedPlanSerializer(serializers.Serializer):
    plan_version = serializers.CharField()
    run_id = serializers.CharField(allow_null=True)
    job = serializers.DictField()
    status = serializers.CharField()
    input_set = serializers.DictField()
    legacy = serializers.BooleanField()
    kpis = serializers.DictField(child=serializers.FloatField())


class SeriesSerializer(serializers.Serializer):
    """One series row in the §12.2 row shape (the schema of ``series/``; rows are read from
    the columnar store by ``plans.selectors.plan_series_read``). Quantities in pieces."""

    level = serializers.CharField()
    time_bucket_type = serializers.CharField(help_text="month or week")
    time_bucket_key = serializers.CharField(help_text="period (YYYY-MM) or week (YYYY-Www) key")
    item_key = serializers.CharField(help_text="family, SKU or item code; 'summary'")
    location_key = serializers.CharField()
    demand = serializers.FloatField()
    supply = serializers.FloatField()
    backlog = serializers.FloatField()
    inventory_open = serializers.FloatField()
    inventory_close = serializers.FloatField()
    capacity_used = serializers.FloatField()
    spill_in = serializers.FloatField(allow_null=True)
    spill_out = serializers.FloatField(allow_null=True)
    boundary_zone = serializers.CharField(allow_blank=True)
    extra = serializers.DictField(help_text="the level's other measures")


class KPISerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanKPI
        fields = ["metric", "bucket_type", "bucket_key", "value", "unit"]
