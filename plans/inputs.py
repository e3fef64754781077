"""Building the pipeline's inputs from an input set, and the input snapshot artifact."""

import pandas as pd

from input_sets.io.frames import load_section
from input_sets.models import PlanningInputSet
from input_sets.sections import SECTIONS_BY_NAME
from plans.pipeline.inputs import INPUT_COLUMNS, PipelineInputs

# pipeline table → input-set section
TABLE_SECTIONS = {
    "family_demand": "family_demand",
    "capacity": "capacity",
    "mix_share": "mix_share",
    "inventory": "inventory",
    "inbound": "inbound",
    "period_metrics": "period_metric",
    "items": "item",
    "bom": "bom",
}


def frames_to_inputs(frames: dict[str, pd.DataFrame], calendar: dict | None) -> PipelineInputs:
    """``PipelineInputs`` from section frames (section name → canonical frame)."""
    tables = {}
    for table, section in TABLE_SECTIONS.items():
        columns = list(INPUT_COLUMNS[table])
        frame = frames.get(section)
        tables[table] = (
            pd.DataFrame({c: [] for c in columns}) if frame is None else frame[columns].copy()
        )
    return PipelineInputs(**tables, calendar=calendar)


def input_set_frames(input_set: PlanningInputSet) -> dict[str, pd.DataFrame]:
    """Every section of a stored set as canonical frames."""
    return {
        name: load_section(input_set.pk, SECTIONS_BY_NAME[name]) for name in TABLE_SECTIONS.values()
    }


def inputs_snapshot(frames: dict[str, pd.DataFrame], calendar, params, input_set=None) -> dict:
    """The ``planning_inputs.json`` artifact: the exact inputs of a run, column-oriented:
    ``{input_set: {id, label, content_hash} | null, counts: {section: rows}, calendar,
    planning_params, tables: {section: {columns: [...], rows: [[...]]}}}``."""
    tables = {}
    for name, frame in frames.items():
        clean = frame.astype(object).where(frame.notna(), None)
        tables[name] = {"columns": list(frame.columns), "rows": clean.to_numpy().tolist()}
    return {
        "input_set": None
        if input_set is None
        else {"id": input_set.pk, "label": input_set.label, "content_hash": input_set.content_hash},
        "counts": {name: len(frame) for name, frame in frames.items()},
        "calendar": calendar,
        "planning_params": params,
        "tables": tables,
    }


def snapshot_frames(snapshot: dict) -> dict[str, pd.DataFrame]:
    """Inverse of :func:`inputs_snapshot` for its tables."""
    return {
        name: pd.DataFrame(table["rows"], columns=table["columns"])
        for name, table in snapshot["tables"].items()
    }
