"""Read-only admin for audit events: nobody may add, change or delete them."""

from django.contrib import admin

from .models import InputSetEvent


@admin.register(InputSetEvent)
class InputSetEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "input_set", "action", "actor", "comment")
    list_filter = ("action",)
    search_fields = ("input_set__label", "actor", "comment")
    list_select_related = ("input_set",)
    readonly_fields = ("input_set", "action", "actor", "comment", "metadata", "created_at")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
