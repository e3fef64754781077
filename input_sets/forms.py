"""Forms for input sets."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ReviewForm(forms.Form):
    """Comment for an approve/revert/archive action (runbook §3: ``JIRA-123 approve by …``)."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )
