"""The audit log for the data-protection officer: filters, seek paging, fragment, CSV,
and a query count that does not grow with the rows."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from rathausmobil.core.audit import audit_event
from rathausmobil.core.models import AuditEvent


def entries(actor, obj, n, *, action="geändert", reason=""):
    return [audit_event(actor=actor, action=action, obj=obj, reason=reason) for _ in range(n)]


def test_it_shows_the_dpo_who_did_what_to_which_record(client, dpo, hr, employee):
    person = employee.employee
    audit_event(
        actor=hr,
        action="Wochenstunden geändert",
        obj=person,
        changes={"Wochenstunden": ["39", "30"]},
        reason="Teilzeit",
    )
    client.force_login(dpo)
    html = client.get(reverse("privacy:audit_log")).content.decode()
    assert "Wochenstunden geändert" in html
    assert "Wochenstunden: 39 → 30" in html
    assert "Teilzeit" in html
    assert "Hr Test (hr)" in html
    assert f"Beschäftigte/r {person.pk}" in html
    assert 'class="table table-sm align-middle rm-stack"' in html
    assert 'data-label="Änderungen"' in html


def test_it_filters_by_actor_action_type_record_and_period(client, dpo, hr, it, employee):
    person = employee.employee
    audit_event(actor=hr, action="Stammdaten geändert", obj=person)
    audit_event(actor=it, action="Rolle vergeben", obj=it, label="Konto it")
    old = audit_event(actor=hr, action="Stammdaten geändert", obj=hr, label="Altes Konto")
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    client.force_login(dpo)

    def listed(**query):
        html = client.get(reverse("privacy:audit_log"), query).content.decode()
        return {label for label in (str(person), "Konto it", "Altes Konto") if label in html}

    assert listed() == {str(person), "Konto it", "Altes Konto"}
    assert listed(person="hr") == {str(person), "Altes Konto"}
    assert listed(aktion="rolle") == {"Konto it"}
    assert listed(art="organisation.employee") == {str(person)}
    assert listed(q=person.last_name) == {str(person)}
    since = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    assert listed(von=since) == {str(person), "Konto it"}
    until = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    assert listed(bis=until) == {"Altes Konto"}
    assert listed(art="kein.typ") == {str(person), "Konto it", "Altes Konto"}


def test_it_pages_by_seek_and_answers_the_results_as_a_fragment(client, dpo, hr, employee):
    entries(hr, employee.employee, 55)
    client.force_login(dpo)
    first = client.get(reverse("privacy:audit_log"), HTTP_HX_REQUEST="true")
    html = first.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "55 Einträge" in html
    assert "1–50 von 55" in html
    cursor = first.context["page"].next
    second = client.get(reverse("privacy:audit_log"), {"nach": cursor})
    assert len(second.context["page"].rows) == 5
    shown = {e.pk for e in first.context["page"].rows} | {e.pk for e in second.context["page"].rows}
    assert len(shown) == 55


def test_it_reads_a_page_in_queries_that_do_not_grow_with_the_rows(
    client, dpo, hr, employee, django_assert_max_num_queries
):
    entries(hr, employee.employee, 3)
    client.force_login(dpo)
    client.get(reverse("privacy:audit_log"))
    with django_assert_max_num_queries(7):
        client.get(reverse("privacy:audit_log"), {"person": "hr"})
    entries(hr, employee.employee, 120)
    with django_assert_max_num_queries(7):
        client.get(reverse("privacy:audit_log"), {"person": "hr"})


def test_it_exports_the_filtered_list_as_csv_without_formulas(client, dpo, hr, it, employee):
    audit_event(actor=hr, action="=HYPERLINK(1)", obj=employee.employee, reason="+1")
    audit_event(actor=it, action="Rolle vergeben", obj=it)
    client.force_login(dpo)
    response = client.get(reverse("privacy:audit_export"), {"person": "hr"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.splitlines()
    assert lines[0].startswith("Zeitpunkt;durch;Aktion;Objekttyp")
    assert len(lines) == 2
    assert "'=HYPERLINK(1)" in lines[1]
    assert ";'+1;" in lines[1]


def test_it_shows_the_log_to_a_superuser(client, db):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@stadt.example", "pw")
    client.force_login(admin)
    assert client.get(reverse("privacy:audit_log")).status_code == 200


@pytest.mark.parametrize(
    "role", ["employee", "supervisor", "hr", "it", "staff_council", "leadership"]
)
def test_it_refuses_the_log_to_everyone_but_the_dpo(request, client, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("privacy:audit_log")).status_code == 403
    assert client.get(reverse("privacy:audit_export")).status_code == 403
