"""Forms for input sets."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import InputSetStatus
from .io.encoding import AUTO, ENCODING_CHOICES
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
    encoding = forms.ChoiceField(
        label=_("Text encoding of the CSV files"),
        choices=[(AUTO, _("Automatic (UTF-8, then Shift_JIS/CP932)")), *ENCODING_CHOICES],
        initial=AUTO,
        required=False,
        help_text=_(
            "Automatic reads UTF-8 (with or without BOM), then Shift_JIS/CP932, and warns if "
            "it has to guess. A chosen encoding is used strictly."
        ),
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)
