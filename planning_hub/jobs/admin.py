"""Read-only admin of jobs of every kind."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from planning_hub.admin_links import admin_link

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "object_link",
        "status",
        "progress",
        "current_step",
        "submitted_at",
        "duration_ms",
    )
    list_filter = ("kind", "status", "trigger")
    search_fields = ("id", "task_id", "worker")
    readonly_fields = ["object_link", *(f.name for f in Job._meta.fields)]
    fields = readonly_fields
    list_select_related = ("object_type",)

    @admin.display(description=_("object"))
    def object_link(self, obj):
        return admin_link(obj.object)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
