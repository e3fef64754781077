"""Read-mostly admin for plans (with their jobs), linked to runs and input sets."""

from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from planning_hub.admin_links import admin_link
from planning_hub.jobs.models import Job

from .models import PlanArtifact, PlanKPI, PlanVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class KPIInline(admin.TabularInline):
    model = PlanKPI
    fields = ("metric", "bucket_type", "bucket_key", "value", "unit")
    readonly_fields = fields
    extra = max_num = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(bucket_type="total")


class JobInline(GenericTabularInline):
    model = Job
    ct_field, ct_fk_field = "object_type", "object_id"
    fields = ("job_link", "status", "progress", "current_step", "submitted_at", "duration_ms")
    readonly_fields = fields
    extra = max_num = 0
    can_delete = False

    @admin.display(description=_("job"))
    def job_link(self, obj):
        return admin_link(obj)


@admin.register(PlanVersion)
class PlanVersionAdmin(ReadOnlyAdmin):
    list_display = (
        "version_id",
        "state",
        "config_version",
        "input_set_link",
        "created_by",
        "created_at",
    )
    list_filter = ("state", "config_version")
    search_fields = ("version_id", "input_set_label")
    list_select_related = ("config_version", "input_set", "created_by")
    readonly_fields = (
        "version_id",
        "state",
        "config_version",
        "input_set_link",
        "input_set_label",
        "input_set_content_hash",
        "runs_links",
        "parameters",
        "invalid_steps",
        "parent_version",
        "note",
        "created_by",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields
    inlines = (KPIInline, JobInline)

    @admin.display(description=_("input set"))
    def input_set_link(self, obj):
        if obj.is_legacy:
            return _("Legacy mode (no input set)")
        return admin_link(obj.input_set, obj.input_set_label)

    @admin.display(description=_("runs"))
    def runs_links(self, obj):
        return format_html(
            "{}",
            format_html(", ".join(str(admin_link(r)) for r in obj.runs.all()[:20])) or "-",
        )


@admin.register(PlanArtifact)
class PlanArtifactAdmin(ReadOnlyAdmin):
    list_display = ("plan", "name", "created_at")
    search_fields = ("plan__version_id", "name")
    list_select_related = ("plan",)
    readonly_fields = ("plan", "name", "created_at")
    exclude = ("payload",)
