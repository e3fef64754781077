"""Input-set API serializers (shapes only; writes go through the services)."""

from django.urls import reverse
from rest_framework import serializers

from ..choices import ApplyMode
from ..io.encoding import AUTO, ENCODING_CHOICES
from ..models import CanonicalConfigVersion, PlanningInputSet
from ..sections import SECTIONS


class ConfigVersionSerializer(serializers.ModelSerializer):
    metadata = serializers.DictField(required=False, default=dict)

    class Meta:
        model = CanonicalConfigVersion
        fields = [
            "id",
            "name",
            "version_tag",
            "status",
            "description",
            "metadata",
            "parent",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class InputSetSerializer(serializers.ModelSerializer):
    config_version_id = serializers.IntegerField(read_only=True)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = PlanningInputSet
        fields = [
            "id",
            "label",
            "status",
            "source",
            "config_version_id",
            "content_hash",
            "created_by",
            "created_at",
            "updated_at",
            "approved_by",
            "approved_at",
            "review_comment",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, obj) -> str:
        return reverse("api:input-set-detail", args=[obj.label])


class InputSetDetailSerializer(InputSetSerializer):
    counts = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta(InputSetSerializer.Meta):
        fields = [
            *InputSetSerializer.Meta.fields,
            "metadata",
            "calendar_spec",
            "planning_params",
            "counts",
            "links",
        ]
        read_only_fields = fields

    def get_counts(self, obj) -> dict[str, int]:
        return self.context["counts"]

    def get_links(self, obj) -> dict:
        base = reverse("api:input-set-detail", args=[obj.label])
        return {
            "rows": {s.name: f"{base}rows/{s.name}/" for s in SECTIONS},
            "events": f"{base}events/",
            "export": f"{base}export/",
            "diff": f"{base}diff/",
        }


class UploadSerializer(serializers.Serializer):
    """Multipart upload: several CSV/JSON files, or one zip, in ``files``; ``encoding`` of
    the CSV files (default ``auto``)."""

    label = serializers.CharField(max_length=100)
    config_version = serializers.IntegerField()
    apply_mode = serializers.ChoiceField(choices=ApplyMode.values, default=ApplyMode.REPLACE)
    validate_only = serializers.BooleanField(default=False)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False)
    encoding = serializers.ChoiceField(
        choices=[AUTO, *dict(ENCODING_CHOICES)],
        default=AUTO,
        help_text="Text encoding of the CSV files: auto (UTF-8 with or without BOM, then "
        "CP932, then a guess reported as an encoding_guessed warning) or one used strictly "
        "(a file it does not decode is an encoding_error naming file and line).",
    )


class ImportReportSerializer(serializers.Serializer):
    status = serializers.CharField()
    action = serializers.CharField()
    apply_mode = serializers.CharField()
    input_set = serializers.DictField()
    counts = serializers.DictField(child=serializers.IntegerField())
    errors = serializers.ListField(child=serializers.DictField())
    warnings = serializers.ListField(child=serializers.DictField())
    files = serializers.ListField(child=serializers.DictField())


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.CharField()
    actor = serializers.CharField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()
    metadata = serializers.DictField()


class EventsPayloadSerializer(serializers.Serializer):
    """The runbook's payload: ``{input_set: {id, label, config_version_id, status}, events}``."""

    input_set = serializers.DictField()
    events = EventSerializer(many=True)


def row_serializer(section) -> type[serializers.ModelSerializer]:
    """A serializer for the rows of one section (its fields, in registry order)."""
    meta = type("Meta", (), {"model": section.model, "fields": section.fields})
    return type(
        f"{section.model.__name__}RowSerializer", (serializers.ModelSerializer,), {"Meta": meta}
    )


ROW_SERIALIZERS = {s.name: row_serializer(s) for s in SECTIONS}
