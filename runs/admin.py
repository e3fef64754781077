"""Read-mostly admin for the run registry (baseline/archived/note stay editable)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from planning_hub.admin_links import admin_link

from . import services
from .models import Run


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = (
        "run_id",
        "status",
        "plan_link",
        "input_set_link",
        "config_version",
        "baseline",
        "archived",
        "created_at",
    )
    list_filter = (
        ("plan_job__status", admin.AllValuesFieldListFilter),
        "baseline",
        "archived",
        ("plan_job__trigger", admin.AllValuesFieldListFilter),
        "plan_version__config_version",
    )
    search_fields = ("run_id", "plan_version__input_set_label", "plan_version__version_id")
    list_select_related = (
        "plan_version__input_set",
        "plan_version__config_version",
        "plan_job__created_by",
    )
    fields = (
        "run_id",
        "status",
        "plan_link",
        "job_link",
        "config_version",
        "input_set_link",
        "input_set_content_hash",
        "trigger",
        "started_at",
        "finished_at",
        "duration_ms",
        "kpis",
        "parameters",
        "approved_by",
        "approved_at",
        "baseline",
        "archived",
        "note",
        "created_by",
        "created_at",
    )
    readonly_fields = fields
    actions = ("promote_baseline", "archive_runs", "unarchive_runs")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Promote to baseline"), permissions=["change_flags"])
    def promote_baseline(self, request, queryset):
        for run in queryset:
            services.run_set_baseline(run_id=run.run_id)

    @admin.action(description=_("Archive"), permissions=["change_flags"])
    def archive_runs(self, request, queryset):
        for run in queryset:
            services.run_set_archived(run_id=run.run_id, archived=True)

    @admin.action(description=_("Unarchive"), permissions=["change_flags"])
    def unarchive_runs(self, request, queryset):
        for run in queryset:
            services.run_set_archived(run_id=run.run_id, archived=False)

    @admin.display(description=_("plan"))
    def plan_link(self, obj):
        return admin_link(obj.plan_version)

    @admin.display(description=_("job"))
    def job_link(self, obj):
        return admin_link(obj.plan_job)

    @admin.display(description=_("input set"))
    def input_set_link(self, obj):
        if obj.is_legacy:
            return _("Legacy mode (no input set)")
        return admin_link(obj.input_set, obj.input_set_label)

    def has_change_flags_permission(self, request):
        return request.user.has_perm("runs.change_run")
