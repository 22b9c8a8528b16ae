"""The outcome of a whole-file import (HR data, device inventory): either the
problems (then nothing was written) or what changed, for the preview and the
command's summary line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.utils.translation import gettext as _

from rathausmobil.core.tabular import Problem

DETAIL_LIMIT = 500  # how many created/changed records a preview lists by name


@dataclass(frozen=True)
class ExtraList:
    """A further list a kind of import reports besides new/changed/unchanged.

    `count` is the German phrase in the summary (`%(count)s deaktiviert`), `heading`
    the heading of the list on the preview page.
    """

    count: str
    heading: str


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    applied: bool = False

    # Further lists a kind of import reports: attribute name -> how they are shown.
    EXTRA_LISTS: ClassVar[dict[str, ExtraList]] = {}

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        counts = {
            "created": len(self.created),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
        }
        counts.update({name: len(getattr(self, name)) for name in self.EXTRA_LISTS})
        return counts

    def summary_line(self) -> str:
        c = self.counts()
        parts = [
            _("%(count)s neu") % {"count": c["created"]},
            _("%(count)s geändert") % {"count": c["changed"]},
            _("%(count)s unverändert") % {"count": c["unchanged"]},
        ]
        parts += [str(extra.count) % {"count": c[name]} for name, extra in self.EXTRA_LISTS.items()]
        return ", ".join(parts) + "."

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "problems": [str(p) for p in self.problems],
            "warnings": [str(p) for p in self.warnings],
            "created": self.created[:DETAIL_LIMIT],
            "changed": self.changed[:DETAIL_LIMIT],
            **{name: getattr(self, name)[:DETAIL_LIMIT] for name in self.EXTRA_LISTS},
            "applied": self.applied,
        }
