"""A person's data export (Art. 15 DSGVO): everything of the person, nothing of anyone
else, other people by function, made by HR only and written to the audit trail."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rathausmobil.core.models import AuditEvent
from rathausmobil.presence.models import Absence, Wish
from rathausmobil.privacy.selectors import SECTIONS, personal_data
from rathausmobil.privacy.tests.records import MONDAY, records_of


@pytest.fixture
def people(employee, colleague, supervisor):
    mine = records_of(employee.employee, decider=supervisor, tag="a")
    theirs = records_of(colleague.employee, decider=supervisor, tag="b")
    return employee.employee, mine, colleague.employee, theirs


def ids_by_section(data):
    return {s["key"]: {r["id"] for r in s["records"]} for s in data["sections"]}


def test_it_contains_every_record_of_the_person(people):
    person, mine, _other, _theirs = people
    found = ids_by_section(personal_data(person))
    for key, ids in mine.items():
        assert set(ids) <= found[key], key
    # every section of the export has a record in this test, so none is left untested
    assert {s.key for s in SECTIONS} | {"status_history", "audit_events"} == set(mine)


def test_it_contains_nothing_of_another_person(people):
    person, _mine, other, theirs = people
    data = personal_data(person)
    found = ids_by_section(data)
    for key, ids in theirs.items():
        assert not set(ids) & found[key], key
    text = json.dumps(data, ensure_ascii=False)
    for word in (other.last_name, other.personnel_number, "vpn-b", "INV-b", "Verlauf b"):
        assert word not in text


def test_it_names_other_people_by_function_and_leaves_out_secrets(people, supervisor):
    person, _mine, _other, _theirs = people
    data = personal_data(person)
    text = json.dumps(data, ensure_ascii=False)
    assert supervisor.employee.last_name not in text
    assert supervisor.username not in text
    for secret in ("SECRET-a", "TOKEN-a", "pbkdf2", "md5$"):
        assert secret not in text
    sections = {s["key"]: s for s in data["sections"]}
    assert "password" not in sections["account"]["fields"]
    assert "private_key_encrypted" not in sections["wireguard_peers"]["fields"]
    assert sections["requests"]["records"][0]["decided_by"] == "Vorgesetzte / Amtsleitung"
    assert sections["audit_events"]["records"][0]["actor"] == "Vorgesetzte / Amtsleitung"
    assert sections["swap_requests"]["records"][0]["requested_by"] == "die Person selbst"


def test_it_reads_a_fixed_number_of_queries_however_many_records(people):
    person, _mine, _other, _theirs = people
    with CaptureQueriesContext(connection) as before:
        personal_data(person)
    for day in range(10):
        Wish.objects.create(employee=person, date=MONDAY.replace(day=1 + day), kind="office")
        Absence.objects.create(employee=person, start=MONDAY, end=MONDAY)
    with CaptureQueriesContext(connection) as after:
        personal_data(person)
    assert len(after) == len(before)
    assert len(before) <= len(SECTIONS) + 6


def test_it_lets_hr_find_the_person_and_see_what_will_be_exported(client, hr, people):
    person, _mine, _other, _theirs = people
    client.force_login(hr)
    page = client.get(reverse("privacy:access_request"), {"q": person.personnel_number})
    preview = reverse("privacy:access_preview", args=[person.pk])
    assert preview in page.content.decode()
    fragment = client.get(
        reverse("privacy:access_request"), {"q": person.last_name}, HTTP_HX_REQUEST="true"
    )
    assert fragment.content.decode().lstrip().startswith('<div id="found"')
    html = client.get(preview).content.decode()
    assert "Auskunft für" in html
    assert "Geräteausgaben" in html
    assert not AuditEvent.objects.filter(action__startswith="Auskunft").exists()


def test_it_gives_hr_the_json_and_writes_who_gave_whom_an_export(client, hr, people):
    person, mine, _other, _theirs = people
    client.force_login(hr)
    response = client.post(
        reverse("privacy:access_export", args=[person.pk]), {"reason": "Antrag vom 1.12."}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert f"auskunft-{person.personnel_number}-" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["person"]["personnel_number"] == person.personnel_number
    assert set(mine["requests"]) <= ids_by_section(data)["requests"]
    event = AuditEvent.objects.get(action="Auskunft nach Art. 15 DSGVO erteilt")
    assert event.actor == hr
    assert (event.object_type, event.object_id) == ("organisation.employee", str(person.pk))
    assert event.reason == "Antrag vom 1.12."


def test_it_answers_the_export_only_by_post(client, hr, people):
    person = people[0]
    client.force_login(hr)
    assert client.get(reverse("privacy:access_export", args=[person.pk])).status_code == 405


@pytest.mark.parametrize("role", ["employee", "supervisor", "it", "dpo", "leadership"])
def test_it_refuses_everyone_but_hr(request, client, role, people):
    person = people[0]
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("privacy:access_request")).status_code == 403
    assert client.get(reverse("privacy:access_preview", args=[person.pk])).status_code == 403
    assert client.post(reverse("privacy:access_export", args=[person.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="Auskunft").exists()


def test_it_answers_404_for_a_person_that_does_not_exist(client, hr):
    client.force_login(hr)
    assert client.get(reverse("privacy:access_preview", args=[999999])).status_code == 404


def test_it_gives_hr_a_tagged_pdf_to_hand_over_with_the_person_s_records(client, hr, people):
    from rathausmobil.core.tests.readback import pdf_info, pdf_text

    person, _mine, other, _theirs = people
    client.force_login(hr)
    response = client.post(
        reverse("privacy:access_export", args=[person.pk]), {"format": "pdf", "reason": ""}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('.pdf"')
    info = pdf_info(response.content)
    assert info["Tagged"] == "yes"
    assert info["Title"] == "Auskunft nach Art. 15 DSGVO"
    text = pdf_text(response.content)
    assert person.personnel_number in text
    assert "Statusverlauf dieser Datensätze" in text
    assert other.personnel_number not in text
    event = AuditEvent.objects.get(action="Auskunft nach Art. 15 DSGVO erteilt")
    assert event.changes["Format"] == ["", "PDF"]
