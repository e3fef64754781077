"""Run parameters of the planning pipeline (spec §1 "Run parameters and defaults", Q2, Q13).

:class:`PlanParams` is validated on construction; invalid values raise ``ValueError`` with a
message naming the parameter. :meth:`PlanParams.from_planning_params` turns an input set's
``planning_params`` into run defaults (Q2) with explicit overrides winning.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, fields
from typing import Any

from .calendar import parse_iso_date

ROUND_MODES = ("none", "int", "dec1", "dec2")
LT_UNITS = ("day", "week")
ANCHOR_POLICIES = ("DET_near", "AGG_far", "blend")
CARRYOVER_MODES = ("none", "prev", "next", "auto", "both")
BLEND_WEIGHT_MODES = ("tri", "lin", "quad")

#: planning_params key → PlanParams field (keys equal to a field name map to themselves).
PLANNING_PARAM_ALIASES = {
    "default_anchor_policy": "anchor_policy",
    "tol_abs": "tolerance_abs",
    "tol_rel": "tolerance_rel",
    "carryover": "carryover_mode",
    "weeks": "fallback_weeks",
    "round": "round_mode",
}

_POLICY_ALIASES = {
    "det_near": "DET_near",
    "det-near": "DET_near",
    "detnear": "DET_near",
    "agg_far": "AGG_far",
    "agg-far": "AGG_far",
    "aggfar": "AGG_far",
    "blend": "blend",
}


def normalise_anchor_policy(value: object) -> str | None:
    """``DET_near``/``AGG_far``/``blend`` in any case, with ``-`` or ``_``; ``None``, ``""``
    and ``"none"`` mean no policy. Anything else raises ``ValueError``."""
    if value is None:
        return None
    s = str(value).strip()
    if s == "" or s.lower() == "none":
        return None
    norm = _POLICY_ALIASES.get(s.lower())
    if norm is None:
        raise ValueError(
            f"anchor_policy must be one of {', '.join(ANCHOR_POLICIES)} or None, got {value!r}"
        )
    return norm


def _num(name: str, value: Any, *, minimum: float | None = None, maximum: float | None = None):
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a number, got {value!r}") from exc
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if minimum is not None and v < minimum:
        raise ValueError(f"{name} must be >= {minimum:g}, got {value!r}")
    if maximum is not None and v > maximum:
        raise ValueError(f"{name} must be <= {maximum:g}, got {value!r}")
    return v


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    s = str(value).strip() if value is not None else ""
    for c in choices:
        if s.lower() == c.lower():
            return c
    raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")


@dataclass(frozen=True)
class PlanParams:
    """Validated run parameters (spec §1). Units: days for ``recon_window_days``, lead times in
    ``lt_unit`` (``day`` → converted with ``week_days``), ratios in [0, 1].

    Fields:
        round_mode: ``none|int|dec1|dec2`` (aggregate, allocate, reconcile; default ``int``).
        lt_unit: ``day|week`` — unit of ``items.lead_time_days`` (MRP §7.3).
        week_days: days per planning week (7).
        fallback_weeks: weeks per period without a calendar (§3.2; default 4).
        cutover_date: ISO date ``YYYY-MM-DD`` or None (§8.4, §9, §10).
        recon_window_days: boundary window in days (>= 0) or None.
        anchor_policy: ``DET_near|AGG_far|blend`` or None (§8.4/§8.5, §10).
        blend_split_next: fixed share of boundary spill sent forward under ``blend`` (0..1).
        blend_weight_mode: ``tri|lin|quad`` (``lin`` = ``tri``) for the blend split (§8.5).
        max_adjust_ratio: anchor_adjust per-row limit (|value|·ratio) or None (§10.5).
        carryover_mode: ``none|prev|next|auto|both`` (§10.7).
        carryover_split: share sent to the next period for ``both`` (0..1) or None.
        tolerance_abs / tolerance_rel: reconcile_levels / anchor_adjust tolerances (>= 0).
        apply_adjusted: re-run mrp/reconcile on the anchor-adjusted DET (§1).
        headroom_weight_*: weights of the ``auto`` carryover scoring (capacity 0.5, others 0).
        version_id: label written into the reconciliation log.
    """

    round_mode: str = "int"
    lt_unit: str = "day"
    week_days: int = 7
    fallback_weeks: int = 4
    cutover_date: str | None = None
    recon_window_days: int | None = None
    anchor_policy: str | None = None
    blend_split_next: float | None = None
    blend_weight_mode: str = "tri"
    max_adjust_ratio: float | None = None
    carryover_mode: str = "none"
    carryover_split: float | None = None
    tolerance_abs: float = 1e-6
    tolerance_rel: float = 1e-6
    apply_adjusted: bool = False
    headroom_weight_capacity: float = 0.5
    headroom_weight_inbound: float = 0.0
    headroom_weight_score: float = 0.0
    headroom_weight_cost: float = 0.0
    version_id: str | None = None

    def __post_init__(self) -> None:
        s = object.__setattr__
        s(self, "round_mode", _choice("round_mode", self.round_mode, ROUND_MODES))
        s(self, "lt_unit", _choice("lt_unit", self.lt_unit, LT_UNITS))
        wd = _num("week_days", self.week_days, minimum=1)
        if wd != int(wd):
            raise ValueError(f"week_days must be a whole number, got {self.week_days!r}")
        s(self, "week_days", int(wd))
        fw = _num("fallback_weeks", self.fallback_weeks, minimum=1)
        if fw != int(fw):
            raise ValueError(f"fallback_weeks must be a whole number, got {self.fallback_weeks!r}")
        s(self, "fallback_weeks", int(fw))
        if self.cutover_date in ("", None):
            s(self, "cutover_date", None)
        else:
            if isinstance(self.cutover_date, dt.date | dt.datetime):
                s(self, "cutover_date", parse_iso_date(self.cutover_date).isoformat())
            d = parse_iso_date(str(self.cutover_date).strip())
            if d is None:
                raise ValueError(
                    f"cutover_date must be an ISO date YYYY-MM-DD, got {self.cutover_date!r}"
                )
            s(self, "cutover_date", d.isoformat())
        if self.recon_window_days in ("", None):
            s(self, "recon_window_days", None)
        else:
            v = _num("recon_window_days", self.recon_window_days, minimum=0)
            if v != int(v):
                raise ValueError(
                    f"recon_window_days must be a whole number of days, got "
                    f"{self.recon_window_days!r}"
                )
            s(self, "recon_window_days", int(v))
        s(self, "anchor_policy", normalise_anchor_policy(self.anchor_policy))
        for name in ("blend_split_next", "carryover_split"):
            val = getattr(self, name)
            if val in ("", None):
                s(self, name, None)
            else:
                s(self, name, _num(name, val, minimum=0.0, maximum=1.0))
        s(
            self,
            "blend_weight_mode",
            _choice("blend_weight_mode", self.blend_weight_mode, BLEND_WEIGHT_MODES),
        )
        if self.max_adjust_ratio in ("", None):
            s(self, "max_adjust_ratio", None)
        else:
            s(self, "max_adjust_ratio", _num("max_adjust_ratio", self.max_adjust_ratio, minimum=0))
        s(self, "carryover_mode", _choice("carryover_mode", self.carryover_mode, CARRYOVER_MODES))
        for name in ("tolerance_abs", "tolerance_rel"):
            s(self, name, _num(name, getattr(self, name), minimum=0.0))
        for name in (
            "headroom_weight_capacity",
            "headroom_weight_inbound",
            "headroom_weight_score",
            "headroom_weight_cost",
        ):
            s(self, name, _num(name, getattr(self, name), minimum=0.0))
        if not isinstance(self.apply_adjusted, bool):
            raise ValueError(f"apply_adjusted must be a bool, got {self.apply_adjusted!r}")
        if self.version_id is not None:
            s(self, "version_id", str(self.version_id))

    # ------------------------------------------------------------------
    @property
    def anchor_active(self) -> bool:
        """True when both a cutover date and an anchor policy are set (spec §1)."""
        return bool(self.cutover_date and self.anchor_policy)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """Names of all parameters."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_planning_params(
        cls, planning_params: dict | None = None, **overrides: Any
    ) -> PlanParams:
        """Build run parameters from an input set's ``planning_params`` (Q2).

        Recognised keys: every field name plus the aliases ``default_anchor_policy`` →
        ``anchor_policy``, ``tol_abs``/``tol_rel``, ``carryover`` → ``carryover_mode``,
        ``weeks`` → ``fallback_weeks``, ``round`` → ``round_mode``. Other keys in
        ``planning_params`` are ignored; ``None`` values there keep the default.
        ``overrides`` win over planning_params; an override of ``None`` means "not given"
        (use ``anchor_policy="none"`` / ``cutover_date=""`` to clear a default explicitly).
        Unknown override names raise ``ValueError``; invalid values raise ``ValueError``.
        """
        names = set(cls.field_names())
        values: dict[str, Any] = {}
        for key, val in (planning_params or {}).items():
            name = PLANNING_PARAM_ALIASES.get(key, key)
            if name in names and val is not None:
                values[name] = val
        for key, val in overrides.items():
            name = PLANNING_PARAM_ALIASES.get(key, key)
            if name not in names:
                raise ValueError(f"unknown planning parameter {key!r}")
            if val is not None:
                values[name] = val
        return cls(**values)

    def replace(self, **changes: Any) -> PlanParams:
        """Copy with some parameters changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Parameters as a JSON-serialisable dict."""
        return dataclasses.asdict(self)
