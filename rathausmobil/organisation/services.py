"""Writes to the organisation that are not the file import (see importing.py)."""

from __future__ import annotations

from rathausmobil.organisation.models import OrgUnit


def org_units_rebuild_paths() -> int:
    """Recompute the materialised paths of the whole tree; returns how many changed.

    Thousands of units at most, so the tree is walked in memory and only changed
    rows are written.
    """
    units = list(OrgUnit.objects.only("pk", "parent_id", "path", "depth"))
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    changed: list[OrgUnit] = []
    stack = [(unit, "/", 0) for unit in children.get(None, [])]
    while stack:
        unit, prefix, depth = stack.pop()
        path = f"{prefix}{unit.pk}/"
        if unit.path != path or unit.depth != depth:
            unit.path, unit.depth = path, depth
            changed.append(unit)
        stack.extend((child, path, depth + 1) for child in children.get(unit.pk, []))
    OrgUnit.objects.bulk_update(changed, ["path", "depth"], batch_size=1000)
    return len(changed)
