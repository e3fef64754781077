"""Django admin for reviewers: input sets (read-only data + Approve/Revert/Archive actions),
config versions, and paginated, read-only changelists of the child rows.

Data only changes through ``input_sets.services``; the admin never saves an input set itself.
"""

from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from audit.models import EventAction, InputSetEvent

from . import selectors
from .exceptions import InputSetError
from .forms import ReviewForm
from .models import CanonicalConfigVersion, PlanningInputSet
from .sections import SECTIONS
from .services import input_set_review
from .services.diff_jobs import input_set_diff_request


def _count_subquery(model):
    rows = (
        model.objects.filter(input_set=OuterRef("pk"))
        .order_by()
        .values("input_set")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


@admin.register(CanonicalConfigVersion)
class CanonicalConfigVersionAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "version_tag", "status", "input_set_count", "updated_at")
    list_filter = ("status",)
    search_fields = ("name", "version_tag")
    readonly_fields = ("created_at", "updated_at")
    raw_id_fields = ("parent",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_sets=Count("input_sets"))

    @admin.display(description=_("input sets"), ordering="_sets")
    def input_set_count(self, obj):
        return obj._sets


class EventInline(admin.TabularInline):
    model = InputSetEvent
    fields = ("created_at", "action", "actor", "comment", "metadata")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ("-created_at", "-id")
    verbose_name_plural = _("history (events)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PlanningInputSet)
class PlanningInputSetAdmin(admin.ModelAdmin):
    list_display = (
        "label",
        "status",
        "config_version",
        "source",
        "row_counts",
        "created_by",
        "approved_by",
        "updated_at",
    )
    list_filter = ("status", "config_version", "source")
    search_fields = ("label",)
    list_select_related = ("config_version", "created_by")
    list_per_page = 50
    actions = ("approve_sets", "revert_sets", "archive_sets")
    inlines = (EventInline,)
    fields = (
        "label",
        "status",
        "config_version",
        "source",
        "content_hash",
        "created_by",
        "created_at",
        "updated_at",
        "approved_by",
        "approved_at",
        "review_comment",
        "section_links",
        "metadata",
        "planning_params",
        "calendar_spec",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.annotate(**{f"_n_{s.name}": _count_subquery(s.model) for s in SECTIONS})

    # Data changes only through the services (import, review actions).
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_review_permission(self, request):
        return request.user.has_perm("input_sets.review_planninginputset")

    @admin.display(description=_("rows per section"))
    def row_counts(self, obj):
        return format_html_join(
            ", ",
            "{}={}",
            ((s.name, getattr(obj, f"_n_{s.name}", "?")) for s in SECTIONS),
        )

    @admin.display(description=_("sections"))
    def section_links(self, obj):
        counts = selectors.input_set_section_counts(input_set=obj)
        links = []
        for section in SECTIONS:
            opts = section.model._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            links.append(
                (
                    f"{url}?input_set__id__exact={obj.pk}",
                    section.model._meta.verbose_name_plural,
                    counts[section.name],
                )
            )
        return format_html(
            "<ul>{}</ul>", format_html_join("", '<li><a href="{}">{}</a>: {}</li>', links)
        )

    @admin.action(description=_("Approve selected input sets"), permissions=["review"])
    def approve_sets(self, request, queryset):
        return self._review(request, queryset, "approve")

    @admin.action(description=_("Revert selected input sets to draft"), permissions=["review"])
    def revert_sets(self, request, queryset):
        return self._review(request, queryset, "revert")

    @admin.action(description=_("Archive selected input sets"), permissions=["review"])
    def archive_sets(self, request, queryset):
        return self._review(request, queryset, "archive")

    def _review(self, request, queryset, action):
        """First call: show the confirmation page (comment, diff summary for approve).
        Second call (``post``): apply the transition to each set through the service."""
        form = ReviewForm(request.POST if "post" in request.POST else None)
        if "post" in request.POST and form.is_valid():
            reviewer = request.user.get_username()
            for input_set in queryset:
                try:
                    input_set_review(
                        label=input_set.label,
                        action=action,
                        reviewer=reviewer,
                        comment=form.cleaned_data["comment"],
                        metadata={"source": "admin"},
                    )
                except InputSetError as exc:
                    self.message_user(request, f"{input_set.label}: {exc}", messages.ERROR)
                else:
                    self.message_user(
                        request,
                        _("%(label)s: %(action)s done.")
                        % {"label": input_set.label, "action": action},
                        messages.SUCCESS,
                    )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Confirm review action"),
            "action": EventAction(action).label,
            "action_name": f"{action}_sets",
            "form": form,
            "queryset": queryset,
            "diffs": [self._diff_summary(s) for s in queryset] if action == "approve" else [],
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/input_sets/review_confirm.html", context)

    def _diff_summary(self, input_set):
        """Diff of a draft against the config version's current ready set (approve page)."""
        against = selectors.input_set_newest_ready(
            config_version_id=input_set.config_version_id, exclude_id=input_set.pk
        )
        if against is None:
            return {"input_set": input_set, "against": None, "summary": None}
        diff = input_set_diff_request(input_set=input_set, against=against, sync=True)
        return {
            "input_set": input_set,
            "against": against,
            "summary": diff.summary.get("sections"),
            "identical": diff.summary.get("identical"),
            "error": diff.error,
        }


class ChildRowAdmin(admin.ModelAdmin):
    """Read-only, paginated rows of one section, normally opened filtered by input set."""

    list_per_page = 100
    show_full_result_count = False
    list_select_related = ("input_set",)
    raw_id_fields = ("input_set",)

    def lookup_allowed(self, lookup, value, request=None):
        return lookup.startswith("input_set") or super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for _section in SECTIONS:
    admin.site.register(
        _section.model,
        type(
            f"{_section.model.__name__}Admin",
            (ChildRowAdmin,),
            {
                "list_display": ("input_set", *_section.fields),
                "search_fields": _section.filters,
                "ordering": ("input_set", *_section.key),
            },
        ),
    )
