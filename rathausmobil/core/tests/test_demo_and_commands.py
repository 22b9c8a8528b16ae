import json
from io import StringIO

import pytest
from django.core.management import call_command

from rathausmobil.core.models import AuditEvent
from rathausmobil.organisation.models import Employee, OrgUnit


def kpis():
    out = StringIO()
    call_command("kpis", "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_it_seeds_offenbach_with_1200_active_staff_idempotently():
    call_command("seed_demo", "--scenario", "offenbach", "--quiet")
    figures = kpis()
    assert figures["staff_total"] == 1200
    assert figures["org_units_total"] == OrgUnit.objects.count() > 50
    assert Employee.objects.filter(is_active=False).exists()  # leavers come from exit dates
    for name in (
        "Bürgerbüro",
        "Stadtpolizei",
        "Ausländeramt",
        "Kämmerei",
        "Bauaufsicht",
        "Standesamt",
    ):
        assert OrgUnit.objects.filter(name__contains=name).exists(), name
    assert OrgUnit.objects.filter(name__startswith="Kita").count() >= 3
    assert not OrgUnit.objects.filter(head__isnull=True).exists()

    events = AuditEvent.objects.count()
    names = list(Employee.objects.order_by("personnel_number").values_list("last_name", flat=True))
    call_command("seed_demo", "--scenario", "offenbach", "--quiet")
    assert AuditEvent.objects.count() == events  # nothing changed the second time
    assert (
        list(Employee.objects.order_by("personnel_number").values_list("last_name", flat=True))
        == names
    )
    assert kpis()["staff_total"] == 1200


@pytest.mark.django_db
def test_it_seeds_halver_and_refuses_to_mix_scenarios():
    call_command("seed_demo", "--scenario", "halver", "--quiet")
    assert 100 <= kpis()["staff_total"] <= 150
    with pytest.raises(SystemExit) as exit_info:
        call_command("seed_demo", "--scenario", "offenbach", "--quiet", stderr=StringIO())
    assert exit_info.value.code == 1


@pytest.mark.django_db
def test_it_gives_every_demo_login_its_role():
    from django.test import Client

    call_command("seed_demo", "--scenario", "offenbach", "--quiet")
    client = Client()
    assert client.login(username="personalamt", password="demo")
    assert client.get("/organisation/import/").status_code == 200
    assert client.login(username="beschaeftigte", password="demo")
    assert client.get("/organisation/import/").status_code == 403
    assert client.login(username="verwaltungsspitze", password="demo")
    assert 'data-kpi="staff_total">1.200<' in client.get("/berichte/").content.decode()


def test_it_prints_an_api_token_that_works(client, hr):
    out = StringIO()
    call_command("create_api_token", "hr", stdout=out)
    token = out.getvalue().strip()
    response = client.get("/api/v1/org-units/", headers={"Authorization": f"Token {token}"})
    assert response.status_code == 200
    assert {row["code"] for row in response.json()["results"]} >= {"A", "A1", "B"}


def test_it_refuses_a_token_for_an_unknown_user(db):
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("create_api_token", "niemand", stderr=err)
    assert "gibt es nicht" in err.getvalue()
