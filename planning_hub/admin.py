"""Admin for API tokens: create (the key is shown once), list, revoke."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import ApiToken
from .services import api_token_create, api_token_revoke


class ApiTokenCreateForm(forms.ModelForm):
    expires_days = forms.IntegerField(label=_("Expires in days"), required=False, min_value=1)

    class Meta:
        model = ApiToken
        fields = ["user", "name"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "prefix",
        "user",
        "name",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "name", "prefix")
    list_select_related = ("user",)
    actions = ("revoke",)
    readonly_fields = (
        "prefix",
        "user",
        "name",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):
        return ["user", "name", "expires_days"] if obj is None else list(self.readonly_fields)

    def save_model(self, request, obj, form, change):
        if change:
            return
        token, key = api_token_create(
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            expires_days=form.cleaned_data.get("expires_days"),
        )
        obj.pk = token.pk
        self.message_user(
            request,
            _("Token created. Copy it now, it will not be shown again: %(key)s") % {"key": key},
            messages.WARNING,
        )

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token)
