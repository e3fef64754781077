"""Forms for input sets."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import InputSetStatus
from .models import CanonicalConfigVersion, label_validator


class ReviewForm(forms.Form):
    """Comment for an approve/revert/archive action (runbook §3: ``JIRA-123 approve by …``)."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


class InputSetFilterForm(forms.Form):
    """Server-side filters of the input-set list."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + list(InputSetStatus.choices)
    )
    config_version = forms.ModelChoiceField(
        label=_("Config version"),
        required=False,
        queryset=CanonicalConfigVersion.objects.order_by("-id"),
        empty_label=_("All"),
    )
    q = forms.CharField(label=_("Label contains"), required=False, max_length=100)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    """Upload of CSV/JSON files or one zip as a draft input set."""

    config_version = forms.ModelChoiceField(
        label=_("Config version"), queryset=CanonicalConfigVersion.objects.order_by("-id")
    )
    label = forms.CharField(label=_("Label"), max_length=100, validators=[label_validator])
    files = MultipleFileField(
        label=_("Files (CSV/JSON, or one zip)"),
        widget=MultipleFileInput(attrs={"accept": ".csv,.json,.zip"}),
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)
