"""The shipped groups and their permissions (admins just assign users to a group).

- viewer: read everything (API GETs, hub pages, admin views).
- planner: viewer + upload input sets, create plans and move their state, retry/cancel jobs,
  annotate runs. Deleting plans stays with superusers (or users given the permission).
- reviewer: viewer + approve/revert/archive input sets, approve/baseline/archive runs.
"""

VIEW = [
    "input_sets.view_canonicalconfigversion",
    "input_sets.view_planninginputset",
    "input_sets.view_familydemand",
    "input_sets.view_capacitybucket",
    "input_sets.view_mixshare",
    "input_sets.view_inventorysnapshot",
    "input_sets.view_inboundorder",
    "input_sets.view_periodmetric",
    "input_sets.view_item",
    "input_sets.view_bomline",
    "audit.view_inputsetevent",
    "plans.view_planversion",
    "jobs.view_job",
    "plans.view_planartifact",
    "plans.view_planseries",
    "plans.view_plankpi",
    "runs.view_run",
]
GROUPS: dict[str, list[str]] = {
    "viewer": VIEW,
    "planner": [
        *VIEW,
        "input_sets.add_planninginputset",
        "plans.add_planversion",
        "plans.change_planversion",
        "jobs.change_job",
        "runs.change_run",
    ],
    "reviewer": [*VIEW, "input_sets.review_planninginputset", "runs.change_run"],
}


def ensure_groups(group_model, permission_model, *, strict: bool = True) -> None:
    """Create or update the groups with exactly their permissions (the migrations call this
    with historical models; tests call it after a flush). ``strict=False`` skips permissions
    whose model does not exist yet (an early migration on a fresh database; a later one
    grants them); otherwise a missing permission raises ``DoesNotExist``."""
    for name, perms in GROUPS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            found = permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if found is None and strict:
                raise permission_model.DoesNotExist(f"Permission {perm} does not exist.")
            if found is not None:
                wanted.append(found)
        group.permissions.set(wanted)
