"""What the organisation announces to other apps, or asks them (see core/hooks.py).

Other apps connect in their `AppConfig.ready()`; organisation imports none of them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from rathausmobil.core.hooks import AFTER_COMMIT, IN_TRANSACTION, Hook

employees_left: Hook[[list[int]], None] = Hook(
    "employees_left",
    runs=AFTER_COMMIT,
    doc=(
        "After the commit of an HR import, with the ids of the employees it has just "
        "deactivated (exit date in the past), e.g. to revoke their access the same day."
    ),
)


@dataclass(frozen=True)
class Qualifications:
    """One listener's answer to `employee_qualifications`: the codes it knows, and
    the codes each person holds (by personnel number)."""

    known: frozenset[str] = frozenset()
    held: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def merged(cls, answers: Iterable[Qualifications]) -> Qualifications:
        known: set[str] = set()
        held: dict[str, set[str]] = {}
        for answer in answers:
            known |= answer.known
            for number, codes in answer.held.items():
                held.setdefault(number, set()).update(codes)
        return cls(frozenset(known), {n: frozenset(c) for n, c in held.items()})


employee_qualifications: Hook[[Collection[str]], Qualifications] = Hook(
    "employee_qualifications",
    runs=IN_TRANSACTION,
    doc=(
        "Asked while an HR import with the column Qualifikationen is checked, with the "
        "personnel numbers of the file: which qualification codes exist, and which of them "
        "each of these people holds. A code no listener knows refuses the file."
    ),
)

employee_qualifications_imported: Hook[[dict[str, list[str]], Any, str], None] = Hook(
    "employee_qualifications_imported",
    runs=IN_TRANSACTION,
    doc=(
        "Inside the transaction of an HR import that has the column Qualifikationen, with "
        "{personnel number: [codes]} for the rows whose cell says something (an empty cell "
        "is left out: it changes nothing), the user who confirmed and the audit source. "
        "The listener sets exactly these qualifications; an exception undoes the import."
    ),
)
