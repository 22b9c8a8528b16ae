"""Roles in the demo's story (docs/demo.md), given through the services of the page
"Rollen und Leitungen", so the data-protection officer reads them in the audit log.

- 04.05.2020: the system administration sets up the demo logins' roles (`seed_demo`).
- 20.07.–07.08.2020: the head of the Amt above the Bürgerbüro (Halver: the unit above the
  citizens' office) is on leave; HR gives the head of the Bürgerbüro (the login
  `fremdvorgesetzte`) the deputy role for that Amt and takes it back when the leave ends.
  Today the demo's people hold the roles they held before: only the history shows it.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from rathausmobil.core.audit import history_of
from rathausmobil.demo.clock import story_moment
from rathausmobil.organisation.models import OrgUnit, Role, RoleAssignment
from rathausmobil.organisation.services import role_grant, role_revoke

DEPUTY_LEAVE = (dt.date(2020, 7, 20), dt.date(2020, 8, 7))


def seed(scenario: str) -> None:
    User = get_user_model()
    hr = User.objects.filter(username="personalamt").first()
    deputy = User.objects.filter(username="fremdvorgesetzte").first()
    if hr is None or deputy is None or history_of(deputy).filter(action="Rolle entzogen").exists():
        return  # told already (seed_demo runs again)
    unit = OrgUnit.objects.filter(head__user=deputy).select_related("parent").first()
    if unit is None or unit.parent is None:
        return
    first, last = DEPUTY_LEAVE
    with story_moment(first, 9):
        assignment = role_grant(
            user=deputy,
            role=Role.SUPERVISOR,
            unit=unit.parent,
            by=hr,
            reason="Vertretung der Amtsleitung während ihres Urlaubs (Verfügung der Amtsleitung)",
        )
    with story_moment(last, 16):
        role_revoke(
            assignment=RoleAssignment.objects.get(pk=assignment.pk),
            by=hr,
            reason="Urlaub der Amtsleitung beendet",
        )
