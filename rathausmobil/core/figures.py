"""Small groups suppressed where figures are made: the rule of 5 (DOMAIN.md).

A figure about people's conduct (refusals by reason, VPN usage) that rests on fewer than
`settings.MIN_GROUP_SIZE` people (default 5, env `MIN_GROUP_SIZE`) is not shown as a
number: a count of 1 to 4 becomes "< 5". Every figure provider applies it before a figure
leaves it (each app's `kpis()`, the usage figures behind the VPN pages), so `kpis --json`,
the dashboard, exports and the API all show the same. Which figures count as conduct, and
who may see them exact, is in docs/roles.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings


def min_group_size() -> int:
    """The smallest group whose figures may be shown."""
    return settings.MIN_GROUP_SIZE


def is_small(count: int) -> bool:
    """A group of at least one person but fewer than the minimum (nobody is no group)."""
    return 0 < count < min_group_size()


def hidden_label() -> str:
    """What stands in for a suppressed figure: "< 5"."""
    return f"< {min_group_size()}"


def suppress_count(count: int, *, exact: bool = False) -> int | str:
    """`count`, or "< 5" when it is a small group; `exact` for a viewer who may read the
    records behind the figure anyway."""
    return hidden_label() if not exact and is_small(count) else count


def suppress_breakdown(counts: Mapping[str, int], *, exact: bool = False) -> dict[str, int | str]:
    """A breakdown ({reason: count}) with every small group suppressed."""
    return {key: suppress_count(count, exact=exact) for key, count in counts.items()}
