"""Roles and heads of units are given in the application (issue 14): who may give which
role, the audit event of every change, self-grants and double clicks refused, the page's
list with a query count that does not grow with the rows."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.core.models import AuditEvent
from rathausmobil.organisation.models import Role, RoleAssignment
from rathausmobil.organisation.scoping import forget_scope, scope_for
from rathausmobil.organisation.services import org_unit_set_head, role_grant, role_revoke
from rathausmobil.organisation.tests.factories import EmployeeFactory, UserFactory

ADMIN_ONLY = [Role.HR, Role.IT, Role.STAFF_COUNCIL, Role.DPO]


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", first_name="Ada", last_name="Admin", is_superuser=True)


def role_events():
    return AuditEvent.objects.filter(action__startswith="Rolle")


# --------------------------------------------------------------------------- giving roles


def test_it_lets_hr_give_a_deputy_role_and_writes_who_what_whom(hr, colleague, org):
    assignment = role_grant(
        user=colleague, role=Role.SUPERVISOR, unit=org["A1"], by=hr, reason="Vertretung ab 1.12."
    )
    assert assignment.unit == org["A1"]
    event = role_events().get()
    assert event.actor == hr
    assert event.action == "Rolle vergeben"
    assert (event.object_type, event.object_id) == ("auth.user", str(colleague.pk))
    assert event.object_label == "Colleague Test (colleague)"
    assert event.changes == {
        "Rolle": ["", "Vorgesetzte / Amtsleitung"],
        "Einheit": ["", "A1 Abteilung A1"],
    }
    assert event.reason == "Vertretung ab 1.12."
    assert event.source == "Rollenverwaltung"
    forget_scope(colleague)
    assert scope_for(colleague).covers(org["A1"].path)


def test_it_lets_hr_give_leadership(hr, employee):
    role_grant(user=employee, role=Role.LEADERSHIP, by=hr, reason="Dezernentin")
    assert RoleAssignment.objects.filter(user=employee, role=Role.LEADERSHIP).exists()


@pytest.mark.parametrize("role", ADMIN_ONLY)
def test_it_refuses_hr_the_roles_only_the_system_administration_gives(hr, employee, role):
    with pytest.raises(NotAllowed, match="nur die Systemadministration"):
        role_grant(user=employee, role=role, by=hr, reason="bitte")
    assert not RoleAssignment.objects.filter(user=employee).exists()
    assert not role_events().exists()


@pytest.mark.parametrize("role", ADMIN_ONLY)
def test_it_lets_a_superuser_give_every_role(admin, employee, role):
    role_grant(user=employee, role=role, by=admin, reason="Antrag vom 01.12.")
    assert role_events().get().actor == admin


@pytest.mark.parametrize(
    "giver", ["employee", "supervisor", "it", "staff_council", "dpo", "leadership"]
)
def test_it_refuses_everyone_else_any_role(request, giver, colleague):
    by = request.getfixturevalue(giver)
    with pytest.raises(NotAllowed):
        role_grant(user=colleague, role=Role.LEADERSHIP, by=by, reason="bitte")
    assert not role_events().exists()


@pytest.mark.parametrize("who", ["hr", "admin"])
def test_it_refuses_to_give_a_role_to_oneself(request, who, org):
    by = request.getfixturevalue(who)
    with pytest.raises(NotAllowed, match="Vier-Augen-Prinzip"):
        role_grant(user=by, role=Role.SUPERVISOR, unit=org["A"], by=by, reason="selbst")
    assert not RoleAssignment.objects.filter(user=by, role=Role.SUPERVISOR).exists()


def test_it_refuses_a_second_grant_of_the_same_role(hr, colleague, org):
    role_grant(user=colleague, role=Role.LEADERSHIP, by=hr, reason="eins")
    with pytest.raises(DomainError, match="bereits"):
        role_grant(user=colleague, role=Role.LEADERSHIP, by=hr, reason="zwei")
    role_grant(user=colleague, role=Role.SUPERVISOR, unit=org["A1"], by=hr, reason="drei")
    with pytest.raises(DomainError, match="bereits"):
        role_grant(user=colleague, role=Role.SUPERVISOR, unit=org["A1"], by=hr, reason="vier")
    assert RoleAssignment.objects.filter(user=colleague).count() == 2
    assert role_events().count() == 2


def test_the_database_holds_a_role_without_unit_once(hr):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=hr, role=Role.HR)


def test_it_asks_for_the_unit_of_a_deputy_and_no_unit_for_other_roles(hr, colleague, org):
    with pytest.raises(DomainError, match="Organisationseinheit an"):
        role_grant(user=colleague, role=Role.SUPERVISOR, by=hr, reason="x")
    with pytest.raises(DomainError, match="Einheit leer"):
        role_grant(user=colleague, role=Role.LEADERSHIP, unit=org["A"], by=hr, reason="x")


def test_it_asks_for_a_reason_and_refuses_a_locked_account(hr, colleague):
    with pytest.raises(DomainError, match="Grund"):
        role_grant(user=colleague, role=Role.LEADERSHIP, by=hr, reason="  ")
    colleague.is_active = False
    colleague.save()
    with pytest.raises(DomainError, match="gesperrt"):
        role_grant(user=colleague, role=Role.LEADERSHIP, by=hr, reason="x")


# --------------------------------------------------------------------------- taking roles


def test_it_lets_hr_take_a_role_it_gives_and_writes_the_event(hr, colleague, org):
    assignment = role_grant(
        user=colleague, role=Role.SUPERVISOR, unit=org["A1"], by=hr, reason="Urlaub"
    )
    role_revoke(assignment=assignment, by=hr, reason="Urlaub vorbei")
    assert not RoleAssignment.objects.filter(user=colleague).exists()
    event = role_events().get(action="Rolle entzogen")
    assert event.actor == hr
    assert event.object_id == str(colleague.pk)
    assert event.changes == {
        "Rolle": ["Vorgesetzte / Amtsleitung", ""],
        "Einheit": ["A1 Abteilung A1", ""],
    }
    with pytest.raises(DomainError, match="bereits entzogen"):
        role_revoke(assignment=assignment, by=hr, reason="noch einmal")
    assert role_events().count() == 2


def test_it_refuses_hr_to_take_the_dpo_or_its_own_role(hr, dpo):
    with pytest.raises(NotAllowed):
        role_revoke(assignment=dpo.role_assignments.get(), by=hr, reason="stört")
    with pytest.raises(NotAllowed):
        role_revoke(assignment=hr.role_assignments.get(), by=hr, reason="weg")
    assert RoleAssignment.objects.filter(user__in=[hr, dpo]).count() == 2
    assert not role_events().exists()


# --------------------------------------------------------------------------- heads of units


def test_it_lets_hr_set_and_clear_the_head_of_a_unit(hr, supervisor, colleague, org):
    unit = org["A1"]
    person = colleague.employee
    org_unit_set_head(unit=unit, head=person, by=hr, reason="Neue Leitung ab 1.1.")
    unit.refresh_from_db()
    assert unit.head == person
    assert unit.head_personnel_number == person.personnel_number
    event = AuditEvent.objects.get(action="Leitung gesetzt")
    assert (event.actor, event.object_type, event.object_id) == (
        hr,
        "organisation.orgunit",
        str(unit.pk),
    )
    assert event.changes == {"Leitung": [str(supervisor.employee), str(person)]}
    forget_scope(supervisor)
    forget_scope(colleague)
    assert not scope_for(supervisor).is_supervisor
    assert scope_for(colleague).covers(unit.path)

    with pytest.raises(DomainError, match="leitet die Einheit bereits"):
        org_unit_set_head(unit=unit, head=person, by=hr, reason="noch einmal")
    org_unit_set_head(unit=unit, head=None, by=hr, reason="Stelle unbesetzt")
    unit.refresh_from_db()
    assert (unit.head, unit.head_personnel_number) == (None, "")
    assert AuditEvent.objects.get(action="Leitung entfernt").changes == {
        "Leitung": [str(person), ""]
    }
    with pytest.raises(DomainError, match="bereits keine Leitung"):
        org_unit_set_head(unit=unit, head=None, by=hr, reason="noch einmal")


def test_it_refuses_heads_to_others_and_ones_own_headship(hr, it, amt_head, org):
    with pytest.raises(NotAllowed):
        org_unit_set_head(unit=org["B"], head=amt_head.employee, by=it, reason="x")
    with pytest.raises(NotAllowed, match="Vier-Augen-Prinzip"):
        org_unit_set_head(unit=org["B"], head=hr.employee, by=hr, reason="selbst")
    org["A"].refresh_from_db()
    with pytest.raises(NotAllowed, match="Personalamt"):
        org_unit_set_head(unit=org["A"], head=None, by=amt_head, reason="selbst")  # no HR
    with pytest.raises(NotAllowed, match="Vier-Augen-Prinzip"):
        org_unit_set_head(unit=org["A"], head=None, by=_hr_heading(org["A"]), reason="selbst")
    assert not AuditEvent.objects.filter(action__startswith="Leitung").exists()


def _hr_heading(unit):
    user = UserFactory(username="hrhead")
    person = EmployeeFactory(unit=unit, user=user)
    RoleAssignment.objects.create(user=user, role=Role.HR)
    unit.head = person
    unit.save(update_fields=["head"])
    return user


def test_it_refuses_a_head_who_has_left(hr, org):
    gone = EmployeeFactory(unit=org["B"], is_active=False)
    with pytest.raises(DomainError, match="ausgeschieden"):
        org_unit_set_head(unit=org["B"], head=gone, by=hr, reason="x")


# --------------------------------------------------------------------------- the pages


OTHERS = ["employee", "supervisor", "it", "staff_council", "dpo", "leadership"]


@pytest.mark.parametrize("role", OTHERS)
@pytest.mark.parametrize("page", ["organisation:role_list", "organisation:unit_head_list"])
def test_it_keeps_the_pages_for_hr_and_admins(client, request, role, page):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse(page))
    assert response.status_code == 403
    assert "Keine Berechtigung" in response.content.decode()


@pytest.mark.parametrize("role", OTHERS)
def test_it_refuses_a_post_from_anyone_else(client, request, role, colleague):
    client.force_login(request.getfixturevalue(role))
    response = client.post(
        reverse("organisation:role_list"),
        {"vergeben-person": "colleague", "vergeben-role": "leadership", "vergeben-reason": "x"},
    )
    assert response.status_code == 403
    assert not RoleAssignment.objects.filter(user=colleague).exists()


def test_it_offers_hr_only_the_roles_it_gives(client, hr):
    client.force_login(hr)
    response = client.get(reverse("organisation:role_list"))
    assert response.status_code == 200
    choices = [value for value, _label in response.context["form"].fields["role"].choices]
    assert choices == ["", "supervisor", "leadership"]
    html = response.content.decode()
    assert "vergibt nur die Systemadministration" in html
    # every field has its label, the unit field its suggestions
    for name in ("person", "role", "unit", "reason"):
        assert f'for="id_vergeben-{name}"' in html
        assert f'id="id_vergeben-{name}"' in html
    assert 'list="rolle-einheit-vorschlaege"' in html
    assert '<datalist id="rolle-einheit-vorschlaege">' in html


def test_it_offers_a_superuser_every_role(client, admin):
    client.force_login(admin)
    response = client.get(reverse("organisation:role_list"))
    choices = [value for value, _label in response.context["form"].fields["role"].choices]
    assert choices == ["", *Role.values]


def test_it_gives_a_role_on_the_page_and_a_double_click_adds_nothing(client, hr, colleague):
    client.force_login(hr)
    data = {
        "vergeben-person": colleague.employee.personnel_number,
        "vergeben-role": "leadership",
        "vergeben-reason": "Verfügung 11/2026",
    }
    first = client.post(reverse("organisation:role_list"), data)
    assert first.status_code == 302
    assert first.url == reverse("organisation:role_list") + "?q=colleague"
    page = client.get(first.url).content.decode()
    assert "hat jetzt die Rolle „Verwaltungsspitze“" in page
    assert "Protokoll der Änderungen" in page
    second = client.post(reverse("organisation:role_list"), data)
    assert second.status_code == 200
    assert "hat die Rolle „Verwaltungsspitze“ bereits" in second.content.decode()
    assert RoleAssignment.objects.filter(user=colleague).count() == 1
    assert role_events().count() == 1


def test_it_refuses_on_the_page_a_role_hr_does_not_give(client, hr, colleague):
    client.force_login(hr)
    response = client.post(
        reverse("organisation:role_list"),
        {"vergeben-person": "colleague", "vergeben-role": "it", "vergeben-reason": "x"},
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not RoleAssignment.objects.filter(user=colleague).exists()


def test_it_refuses_on_the_page_a_role_for_oneself(client, hr):
    client.force_login(hr)
    response = client.post(
        reverse("organisation:role_list"),
        {"vergeben-person": "hr", "vergeben-role": "leadership", "vergeben-reason": "x"},
    )
    assert response.status_code == 403
    assert "Vier-Augen-Prinzip" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=hr, role=Role.LEADERSHIP).exists()


def test_it_says_when_no_account_or_unit_matches(client, hr):
    client.force_login(hr)
    response = client.post(
        reverse("organisation:role_list"),
        {
            "vergeben-person": "niemand",
            "vergeben-role": "supervisor",
            "vergeben-unit": "ZZ",
            "vergeben-reason": "x",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Kein Benutzerkonto mit diesem Benutzernamen oder dieser Personalnummer." in html
    assert "Keine Organisationseinheit mit der Kennung „ZZ“." in html


def test_it_filters_the_list_and_answers_a_fragment(client, hr, it, dpo, colleague, org):
    role_grant(user=colleague, role=Role.SUPERVISOR, unit=org["A1"], by=hr, reason="x")
    client.force_login(hr)

    def listed(**query):
        response = client.get(reverse("organisation:role_list"), query)
        return {(a.user.username, a.role) for a in response.context["page"].rows}

    assert listed() == {
        ("hr", "hr"),
        ("it", "it"),
        ("dpo", "dpo"),
        ("colleague", "supervisor"),
    }
    assert listed(rolle="it") == {("it", "it")}
    assert listed(q="Colleague") == {("colleague", "supervisor")}
    assert listed(q=dpo.employee.personnel_number) == {("dpo", "dpo")}
    assert listed(einheit="A") == {("colleague", "supervisor")}
    fragment = client.get(
        reverse("organisation:role_list"), {"rolle": "it"}, HTTP_HX_REQUEST="true"
    )
    assert fragment.content.decode().lstrip().startswith('<div id="results"')


def test_it_marks_which_rows_hr_may_change(client, hr, dpo, colleague):
    role_grant(user=colleague, role=Role.LEADERSHIP, by=hr, reason="x")
    client.force_login(hr)
    rows = {
        a.user.username: a
        for a in client.get(reverse("organisation:role_list")).context["page"].rows
    }
    assert rows["colleague"].may_change
    assert not rows["dpo"].may_change
    assert not rows["hr"].may_change


def test_it_reads_the_list_in_queries_that_do_not_grow_with_the_rows(
    client, hr, org, django_assert_max_num_queries
):
    def add(n):
        start = RoleAssignment.objects.count()
        for i in range(start, start + n):
            user = UserFactory(username=f"lead{i:03d}", last_name=f"Lead{i:03d}")
            EmployeeFactory(unit=org["B1"], user=user)
            RoleAssignment.objects.create(user=user, role=Role.LEADERSHIP)

    client.force_login(hr)
    add(3)
    with django_assert_max_num_queries(9):
        small = client.get(reverse("organisation:role_list"))
    add(40)
    with django_assert_max_num_queries(9):
        large = client.get(reverse("organisation:role_list"))
    assert len(small.context["page"].rows) == 4
    assert len(large.context["page"].rows) == 44


def test_it_takes_a_role_on_its_page_and_a_second_click_finds_it_gone(client, hr, colleague):
    assignment = role_grant(user=colleague, role=Role.LEADERSHIP, by=hr, reason="x")
    url = reverse("organisation:role_revoke", args=[assignment.pk])
    client.force_login(hr)
    page = client.get(url)
    assert page.status_code == 200
    assert 'for="id_entziehen-reason"' in page.content.decode()
    first = client.post(url, {"entziehen-reason": "Amtszeit beendet"})
    assert first.status_code == 302
    assert not RoleAssignment.objects.filter(user=colleague).exists()
    second = client.post(url, {"entziehen-reason": "Amtszeit beendet"}, follow=True)
    assert "Diese Rolle ist bereits entzogen." in second.content.decode()
    assert role_events().filter(action="Rolle entzogen").count() == 1


def test_it_answers_a_guessed_id_with_404_and_a_foreign_role_with_403(client, hr, dpo):
    client.force_login(hr)
    assert client.get(reverse("organisation:role_revoke", args=[99999])).status_code == 404
    url = reverse("organisation:role_revoke", args=[dpo.role_assignments.get().pk])
    page = client.get(url)
    assert page.status_code == 403
    assert "nur die Systemadministration" in page.content.decode()
    assert client.post(url, {"entziehen-reason": "x"}).status_code == 403
    assert dpo.role_assignments.exists()


def test_it_keeps_the_revoke_page_from_others(client, it, hr):
    client.force_login(it)
    url = reverse("organisation:role_revoke", args=[hr.role_assignments.get().pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"entziehen-reason": "x"}).status_code == 403


def test_it_sets_a_head_on_its_page(client, hr, supervisor, colleague, org):
    client.force_login(hr)
    listing = client.get(reverse("organisation:unit_head_list"), {"q": "A1"})
    assert [u.code for u in listing.context["page"].rows] == ["A1"]
    url = reverse("organisation:unit_head", args=[org["A1"].pk])
    page = client.get(url).content.decode()
    assert 'for="id_leitung-head"' in page and 'for="id_entfernen-reason"' in page
    data = {
        "action": "set",
        "leitung-head": colleague.employee.personnel_number,
        "leitung-reason": "Verfügung",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assert "leitet jetzt" in client.get(response.url).content.decode()
    org["A1"].refresh_from_db()
    assert org["A1"].head == colleague.employee
    again = client.post(url, data)
    assert again.status_code == 200
    assert "leitet die Einheit bereits" in again.content.decode()
    assert AuditEvent.objects.filter(action="Leitung gesetzt").count() == 1


def test_it_refuses_a_head_page_for_oneself_and_guessed_units(client, hr, org):
    client.force_login(hr)
    assert client.get(reverse("organisation:unit_head", args=[99999])).status_code == 404
    response = client.post(
        reverse("organisation:unit_head", args=[org["B"].pk]),
        {"action": "set", "leitung-head": hr.employee.personnel_number, "leitung-reason": "x"},
    )
    assert response.status_code == 403
    assert "Vier-Augen-Prinzip" in response.content.decode()
    org["B"].refresh_from_db()
    assert org["B"].head is None


def test_the_list_of_heads_reads_a_fixed_number_of_queries(
    client, hr, org, django_assert_max_num_queries
):
    client.force_login(hr)
    with django_assert_max_num_queries(8):
        small = client.get(reverse("organisation:unit_head_list"))
    for i in range(30):
        unit = org["B"].__class__.objects.create(code=f"X{i}", name="X", kind="amt")
        unit.head = EmployeeFactory(unit=org["B"])
        unit.save()
    with django_assert_max_num_queries(8):
        large = client.get(reverse("organisation:unit_head_list"))
    assert len(large.context["page"].rows) > len(small.context["page"].rows)


# --------------------------------------------------------------------------- the audit log


def test_the_dpo_reads_and_filters_the_role_changes(client, hr, dpo, colleague, org):
    role_grant(user=colleague, role=Role.LEADERSHIP, by=hr, reason="Verfügung 11/2026")
    org_unit_set_head(unit=org["B"], head=colleague.employee, by=hr, reason="kommissarisch")
    client.force_login(dpo)
    html = client.get(reverse("privacy:audit_log"), {"aktion": "Rolle"}).content.decode()
    assert "Rolle vergeben" in html and "Colleague Test (colleague)" in html
    assert "Rolle: – → Verwaltungsspitze" in html
    assert "Hr Test (hr)" in html and "Verfügung 11/2026" in html
    assert "Leitung gesetzt" not in html
    by_type = client.get(reverse("privacy:audit_log"), {"art": "organisation.orgunit"})
    assert [e.action for e in by_type.context["page"].rows] == ["Leitung gesetzt"]
    by_user = client.get(reverse("privacy:audit_log"), {"art": "auth.user", "person": "hr"})
    assert [e.action for e in by_user.context["page"].rows] == ["Rolle vergeben"]


def test_it_filters_the_units_without_a_head_and_links_from_the_org_chart(
    client, hr, supervisor, org
):
    client.force_login(hr)
    listed = client.get(reverse("organisation:unit_head_list"), {"ohne_leitung": "true"})
    assert {u.code for u in listed.context["page"].rows} == {"D", "A", "B", "B1"}
    chart = client.get(reverse("organisation:org_unit_list")).content.decode()
    assert reverse("organisation:unit_head_list") in chart


def test_it_does_not_link_others_from_the_org_chart(client, employee):
    client.force_login(employee)
    chart = client.get(reverse("organisation:org_unit_list")).content.decode()
    assert reverse("organisation:unit_head_list") not in chart
