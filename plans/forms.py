"""Forms of the plan pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from input_sets.models import CanonicalConfigVersion, PlanningInputSet

from .models import PlanState

ROUND_MODES = [
    ("int", _("Integer")),
    ("none", _("None (6 decimals)")),
    ("dec1", _("1 decimal")),
    ("dec2", _("2 decimals")),
]
LT_UNITS = [("day", _("Days")), ("week", _("Weeks"))]
ANCHOR_POLICIES = [
    ("", _("None")),
    ("DET_near", "DET_near"),
    ("AGG_far", "AGG_far"),
    ("blend", "blend"),
]


class PlanSelectForm(forms.Form):
    """Step 1 (GET): config version, then one of *its ready* input sets."""

    config_version = forms.ModelChoiceField(
        label=_("Config version"),
        queryset=CanonicalConfigVersion.objects.order_by("-id"),
        required=False,
    )
    input_set = forms.ChoiceField(label=_("Input set (ready)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        version = str(self.data.get("config_version") or "")
        sets = (
            PlanningInputSet.objects.filter(status="ready", config_version_id=int(version))
            if version.isdigit()
            else PlanningInputSet.objects.none()
        )
        self.fields["input_set"].choices = [("", "—")] + [
            (s.label, s.label) for s in sets.order_by("-approved_at")
        ]


class PlanParamsForm(forms.Form):
    """Step 2 (POST): pipeline parameters; initial values come from the set's planning_params."""

    config_version = forms.IntegerField(widget=forms.HiddenInput)
    input_set = forms.CharField(widget=forms.HiddenInput)
    lt_unit = forms.ChoiceField(label=_("Lead time unit"), choices=LT_UNITS)
    round_mode = forms.ChoiceField(label=_("Round mode"), choices=ROUND_MODES)
    cutover_date = forms.DateField(
        label=_("Cutover date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    recon_window_days = forms.IntegerField(
        label=_("Reconciliation window (days)"), required=False, min_value=0
    )
    anchor_policy = forms.ChoiceField(
        label=_("Anchor policy"), choices=ANCHOR_POLICIES, required=False
    )
    tol_abs = forms.FloatField(label=_("Absolute tolerance"), min_value=0)
    tol_rel = forms.FloatField(label=_("Relative tolerance"), min_value=0)
    apply_adjusted = forms.BooleanField(label=_("Re-run MRP on the adjusted plan"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    PARAMS = (
        "lt_unit",
        "round_mode",
        "cutover_date",
        "recon_window_days",
        "anchor_policy",
        "tol_abs",
        "tol_rel",
        "apply_adjusted",
    )

    @classmethod
    def initial_from(cls, planning_params: dict) -> dict:
        """Form defaults from a set's planning_params (spec §14 Q2)."""
        p = planning_params or {}
        return {
            "lt_unit": p.get("lt_unit", "day"),
            "round_mode": p.get("round_mode", "int"),
            "cutover_date": p.get("cutover_date"),
            "recon_window_days": p.get("recon_window_days"),
            "anchor_policy": p.get("default_anchor_policy") or p.get("anchor_policy") or "",
            "tol_abs": p.get("tolerance_abs", p.get("tol_abs", 1e-6)),
            "tol_rel": p.get("tolerance_rel", p.get("tol_rel", 1e-6)),
            "apply_adjusted": bool(p.get("apply_adjusted", False)),
        }

    def params(self) -> dict:
        data = {
            k: self.cleaned_data[k]
            for k in self.PARAMS
            if self.cleaned_data.get(k) not in (None, "")
        }
        if "cutover_date" in data:
            data["cutover_date"] = data["cutover_date"].isoformat()
        return data


class PlanFilterForm(forms.Form):
    input_set_label = forms.CharField(label=_("Input set"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + list(PlanState.choices)
    )
