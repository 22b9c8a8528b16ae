"""What presence does when the organisation asks or tells (see organisation/hooks.py).

Connected in `apps.py`. The HR import's column `Qualifikationen` is checked against
the qualifications kept here (`employee_qualifications`) and, once the file is
confirmed, sets them inside the import's transaction
(`employee_qualifications_imported`): a few queries however long the file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from django.utils.translation import gettext as _

from rathausmobil.core.audit import audit_event, audit_events_bulk
from rathausmobil.core.errors import DomainError
from rathausmobil.organisation.hooks import Qualifications
from rathausmobil.organisation.models import Employee
from rathausmobil.presence.models import EmployeeQualification, Qualification

BATCH = 2000


def qualifications_for_import(personnel_numbers: Collection[str]) -> Qualifications:
    """The codes that exist and what the people with these numbers hold.

    Every grant is read at once and sifted here: grants are far fewer than people,
    and a file of 50,000 numbers would otherwise be one very long IN list."""
    numbers = set(personnel_numbers)
    held: dict[str, set[str]] = defaultdict(set)
    for number, code in EmployeeQualification.objects.values_list(
        "employee__personnel_number", "qualification__code"
    ):
        if number in numbers:
            held[number].add(code)
    return Qualifications(
        known=frozenset(Qualification.objects.values_list("code", flat=True)),
        held={number: frozenset(codes) for number, codes in held.items()},
    )


def qualifications_imported(wanted: dict[str, list[str]], by, source: str) -> None:
    """Each named person holds exactly the given qualifications afterwards; one audit
    entry per person whose qualifications changed."""
    if not wanted:
        return
    qualifications = dict(Qualification.objects.values_list("code", "pk"))
    unknown = {code for codes in wanted.values() for code in codes} - qualifications.keys()
    if unknown:  # checked before; only a qualification deleted meanwhile gets here
        raise DomainError(
            _("Unbekannte Qualifikation: %(codes)s. Nichts wurde gespeichert.")
            % {"codes": ", ".join(f"„{code}“" for code in sorted(unknown))}
        )
    code_of = {pk: code for code, pk in qualifications.items()}
    people = {
        e.personnel_number: e
        for e in Employee.objects.filter(personnel_number__in=list(wanted)).only(
            "pk", "personnel_number", "first_name", "last_name"
        )
    }
    ids = {e.pk for e in people.values()}
    held: dict[int, dict[int, int]] = defaultdict(dict)  # employee -> qualification -> row
    for pk, employee_id, qualification_id in EmployeeQualification.objects.values_list(
        "pk", "employee_id", "qualification_id"
    ):
        if employee_id in ids:
            held[employee_id][qualification_id] = pk

    new_rows, gone, events = [], [], []
    for number, codes in wanted.items():
        employee = people.get(number)
        if employee is None:
            continue
        now = held.get(employee.pk, {})
        then = {qualifications[code] for code in codes}
        if then == now.keys():
            continue
        new_rows += [
            EmployeeQualification(employee_id=employee.pk, qualification_id=q)
            for q in sorted(then - now.keys())
        ]
        gone += [now[q] for q in now.keys() - then]
        events.append(
            audit_event(
                actor=by,
                action="Qualifikationen geändert",
                obj=employee,
                changes={"Qualifikationen": [_text(now, code_of), _text(then, code_of)]},
                source=source,
                save=False,
            )
        )
    for start in range(0, len(gone), BATCH):
        EmployeeQualification.objects.filter(pk__in=gone[start : start + BATCH]).delete()
    EmployeeQualification.objects.bulk_create(new_rows, batch_size=BATCH)
    audit_events_bulk(events)


def _text(qualification_ids, code_of: dict[int, str]) -> str:
    return ", ".join(sorted(code_of[q] for q in qualification_ids)) or "–"
