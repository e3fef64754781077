"""Plan parameters for people: a translated label per ``PlanParams`` field and a readable
value (choice names, yes/no, "—" for unset), in the order the pipeline declares them."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .forms import LT_UNITS, ROUND_MODES

LABELS = {
    "round_mode": gettext_lazy("Round mode"),
    "lt_unit": gettext_lazy("Lead time unit"),
    "week_days": gettext_lazy("Days per planning week"),
    "fallback_weeks": gettext_lazy("Weeks per period without a calendar"),
    "cutover_date": gettext_lazy("Cutover date"),
    "recon_window_days": gettext_lazy("Reconciliation window (days)"),
    "anchor_policy": gettext_lazy("Anchor policy"),
    "blend_split_next": gettext_lazy("Blend: share sent to the next period"),
    "blend_weight_mode": gettext_lazy("Blend weight mode"),
    "max_adjust_ratio": gettext_lazy("Largest adjustment ratio"),
    "carryover_mode": gettext_lazy("Carry-over mode"),
    "carryover_split": gettext_lazy("Carry-over share to the next period"),
    "tolerance_abs": gettext_lazy("Absolute tolerance"),
    "tolerance_rel": gettext_lazy("Relative tolerance"),
    "apply_adjusted": gettext_lazy("Re-run MRP on the adjusted plan"),
    "headroom_weight_capacity": gettext_lazy("Headroom weight: capacity"),
    "headroom_weight_inbound": gettext_lazy("Headroom weight: inbound"),
    "headroom_weight_score": gettext_lazy("Headroom weight: score"),
    "headroom_weight_cost": gettext_lazy("Headroom weight: cost"),
    "version_id": gettext_lazy("Version label in the reconciliation log"),
}
CHOICES = {"round_mode": dict(ROUND_MODES), "lt_unit": dict(LT_UNITS)}


def display_value(name: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name in CHOICES and value in CHOICES[name]:
        return str(CHOICES[name][value])
    return str(value)


def parameter_rows(parameters: dict | None) -> list[dict]:
    """``[{name, label, value}]``: known fields first (pipeline order), then any others under
    their own name."""
    parameters = parameters or {}
    names = [n for n in LABELS if n in parameters] + [n for n in parameters if n not in LABELS]
    return [
        {"name": n, "label": str(LABELS.get(n, n)), "value": display_value(n, parameters[n])}
        for n in names
    ]
