"""The demo's role changes (demo/organisation.py): HR gives the Bürgerbüro's head a deputy
role for the leave of the head above and takes it back, through the services, at the
story's dates; the DPO reads both, and a second seed adds nothing."""

import datetime as dt

from django.utils import timezone

from rathausmobil.core.models import AuditEvent
from rathausmobil.demo import organisation as demo
from rathausmobil.organisation.models import Role, RoleAssignment
from rathausmobil.organisation.tests.factories import EmployeeFactory, UserFactory


def test_it_tells_the_deputy_story_once(org):
    hr = UserFactory(username="personalamt")
    RoleAssignment.objects.create(user=hr, role=Role.HR)
    head = UserFactory(username="fremdvorgesetzte")
    org["B1"].head = EmployeeFactory(unit=org["B1"], user=head)
    org["B1"].save()

    demo.seed("halver")
    demo.seed("halver")

    events = AuditEvent.objects.filter(object_id=str(head.pk)).order_by("created_at")
    assert [(e.action, e.actor, e.changes.get("Einheit")) for e in events] == [
        ("Rolle vergeben", hr, ["", "B Amt B"]),
        ("Rolle entzogen", hr, ["B Amt B", ""]),
    ]
    assert [timezone.localdate(e.created_at) for e in events] == [
        dt.date(2020, 7, 20),
        dt.date(2020, 8, 7),
    ]
    assert not RoleAssignment.objects.filter(user=head).exists()
