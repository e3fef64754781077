"""PlanParams validation and planning_params defaults (Q2)."""

import pytest

from plans.pipeline.params import PlanParams

SAMPLE_PARAMS = {
    "default_anchor_policy": "DET_near",
    "tolerance_abs": 1e-06,
    "tolerance_rel": 1e-06,
    "carryover_mode": "auto",
    "carryover_split": 0.8,
    "lt_unit": "day",
    "recon_window_days": 14,
}


def test_defaults_match_spec_table():
    p = PlanParams()
    assert (p.round_mode, p.lt_unit, p.week_days, p.fallback_weeks) == ("int", "day", 7, 4)
    assert p.anchor_policy is None and p.cutover_date is None and not p.anchor_active
    assert (p.tolerance_abs, p.tolerance_rel, p.carryover_mode) == (1e-6, 1e-6, "none")


def test_from_planning_params_uses_input_set_defaults():
    p = PlanParams.from_planning_params(SAMPLE_PARAMS)
    assert p.anchor_policy == "DET_near"
    assert p.carryover_mode == "auto" and p.carryover_split == 0.8
    assert p.recon_window_days == 14
    assert not p.anchor_active  # no cutover date yet


def test_overrides_win_and_none_means_not_given():
    p = PlanParams.from_planning_params(
        SAMPLE_PARAMS,
        anchor_policy="AGG_far",
        cutover_date="2025-06-15",
        round_mode="dec1",
        recon_window_days=None,
    )
    assert p.anchor_policy == "AGG_far" and p.round_mode == "dec1"
    assert p.recon_window_days == 14 and p.anchor_active
    cleared = PlanParams.from_planning_params(SAMPLE_PARAMS, anchor_policy="none")
    assert cleared.anchor_policy is None


def test_policy_spellings_are_normalised():
    assert PlanParams(anchor_policy="det-near").anchor_policy == "DET_near"
    assert PlanParams(anchor_policy="AGG-far").anchor_policy == "AGG_far"
    assert PlanParams(anchor_policy="BLEND").anchor_policy == "blend"
    assert PlanParams(round_mode="INT").round_mode == "int"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"round_mode": "dec3"}, "round_mode"),
        ({"lt_unit": "month"}, "lt_unit"),
        ({"anchor_policy": "nearest"}, "anchor_policy"),
        ({"tolerance_abs": -1}, "tolerance_abs"),
        ({"tolerance_rel": "x"}, "tolerance_rel"),
        ({"carryover_split": 1.5}, "carryover_split"),
        ({"blend_split_next": -0.1}, "blend_split_next"),
        ({"carryover_mode": "sideways"}, "carryover_mode"),
        ({"cutover_date": "15/06/2025"}, "cutover_date"),
        ({"recon_window_days": -7}, "recon_window_days"),
        ({"week_days": 0}, "week_days"),
        ({"max_adjust_ratio": -1}, "max_adjust_ratio"),
    ],
)
def test_invalid_values_raise_value_error(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        PlanParams(**kwargs)
    with pytest.raises(ValueError, match=fragment):
        PlanParams.from_planning_params({}, **kwargs)


def test_invalid_planning_params_and_unknown_override():
    with pytest.raises(ValueError, match="lt_unit"):
        PlanParams.from_planning_params({"lt_unit": "hour"})
    with pytest.raises(ValueError, match="unknown planning parameter"):
        PlanParams.from_planning_params({}, colour="red")
    # unknown keys inside planning_params are ignored (they may serve other features)
    assert PlanParams.from_planning_params({"something_else": 1}).round_mode == "int"
