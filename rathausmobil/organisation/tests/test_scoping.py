"""Who sees which employee: selectors, pages and API, with guessed ids."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from rathausmobil.organisation.models import Employee
from rathausmobil.organisation.selectors import employees_visible_to
from rathausmobil.organisation.tests.factories import EmployeeFactory, OrgUnitFactory


def names(user):
    return {e.user.username for e in employees_visible_to(user).select_related("user") if e.user}


@pytest.fixture
def everyone(
    employee,
    colleague,
    supervisor,
    amt_head,
    outsider,
    stranger,
    hr,
    it,
    staff_council,
    dpo,
    leadership,
):
    return locals()


def test_it_shows_an_employee_only_their_own_record(everyone, employee):
    assert names(employee) == {"employee"}


def test_it_shows_a_supervisor_their_unit(everyone, supervisor):
    assert names(supervisor) == {"employee", "colleague", "supervisor"}


def test_it_shows_a_head_of_office_every_unit_below(everyone, amt_head):
    assert names(amt_head) == {"employee", "colleague", "supervisor", "amthead", "hr"}


def test_it_shows_the_outsider_nothing_of_another_unit(everyone, outsider):
    assert names(outsider) == {"outsider", "stranger"}


def test_it_shows_hr_and_it_everyone(everyone, hr, it):
    assert employees_visible_to(hr).count() == Employee.objects.count()
    assert employees_visible_to(it).count() == Employee.objects.count()


@pytest.mark.parametrize("role", ["staff_council", "dpo", "leadership"])
def test_it_gives_aggregate_roles_no_list_of_people(everyone, role):
    assert names(everyone[role]) == {everyone[role].username}


def test_it_covers_a_deputy_by_role_assignment(everyone, org, stranger):
    from rathausmobil.organisation.models import Role, RoleAssignment

    RoleAssignment.objects.create(user=stranger, role=Role.SUPERVISOR, unit=org["A"])
    assert "employee" in names(stranger)


def test_it_reads_a_scope_in_one_query_with_roles_person_and_units_headed(
    everyone, org, amt_head, django_assert_num_queries
):
    from rathausmobil.organisation.models import Role, RoleAssignment
    from rathausmobil.organisation.scoping import forget_scope, scope_for

    RoleAssignment.objects.create(user=amt_head, role=Role.SUPERVISOR, unit=org["B"])
    RoleAssignment.objects.create(user=amt_head, role=Role.HR, unit=None)
    forget_scope(amt_head)
    with django_assert_num_queries(1):
        scope = scope_for(amt_head)
    person = Employee.objects.filter(user=amt_head).get()
    headed = {u.pk for u in org.values() if u.head_id == person.pk}
    assert scope.employee_id == person.pk
    assert scope.roles == {Role.SUPERVISOR, Role.HR}
    assert scope.direct_unit_ids == headed | {org["B"].pk}
    assert headed and org["B"].pk not in headed


def test_it_shows_a_left_head_nothing(everyone, supervisor):
    Employee.objects.filter(user=supervisor).update(is_active=False)
    from rathausmobil.organisation.scoping import forget_scope

    forget_scope(supervisor)
    assert names(supervisor) == set()


@pytest.mark.parametrize(
    "viewer,target,status",
    [
        ("employee", "colleague", 404),
        ("employee", "employee", 200),
        ("supervisor", "employee", 200),
        ("outsider", "employee", 404),
        ("staff_council", "employee", 404),
        ("dpo", "employee", 404),
        ("leadership", "employee", 404),
        ("hr", "stranger", 200),
        ("it", "stranger", 200),
    ],
)
def test_it_answers_guessed_ids_with_404_on_pages(client, everyone, viewer, target, status):
    client.force_login(everyone[viewer])
    pk = Employee.objects.get(user=everyone[target]).pk
    response = client.get(reverse("organisation:employee_detail", args=[pk]))
    assert response.status_code == status
    if status == 404:
        assert everyone[target].username.capitalize() not in response.content.decode()


def test_it_answers_a_nonexistent_id_with_404(client, everyone):
    client.force_login(everyone["hr"])
    assert client.get(reverse("organisation:employee_detail", args=[999999])).status_code == 404


def _api(client, user):
    token = Token.objects.create(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


@pytest.mark.parametrize(
    "viewer,target,status",
    [
        ("employee", "colleague", 404),
        ("outsider", "employee", 404),
        ("supervisor", "employee", 200),
        ("staff_council", "employee", 404),
        ("hr", "stranger", 200),
    ],
)
def test_it_answers_guessed_ids_with_404_in_the_api(client, everyone, viewer, target, status):
    api = _api(client, everyone[viewer])
    pk = Employee.objects.get(user=everyone[target]).pk
    response = api.get(f"/api/v1/employees/{pk}/")
    assert response.status_code == status
    if status == 404:
        assert response.json() == {"detail": "Nicht gefunden."}


def test_it_lists_in_the_api_only_what_the_page_shows(client, everyone):
    api = _api(client, everyone["outsider"])
    data = api.get("/api/v1/employees/").json()
    assert {row["last_name"] for row in data["results"]} == {"Outsider", "Stranger"}


def test_it_refuses_the_api_without_token_in_german(client, everyone):
    response = client.get("/api/v1/employees/")
    assert response.status_code in (401, 403)
    assert response.json()["detail"] == "Anmeldedaten fehlen."


def test_it_refuses_a_wrong_token_in_german(client, everyone):
    client.defaults["HTTP_AUTHORIZATION"] = "Token falsch"
    response = client.get("/api/v1/employees/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Ungültiges Token"


def test_it_answers_unknown_api_paths_in_json(client, everyone):
    api = _api(client, everyone["hr"])
    response = api.get("/api/v1/gibt-es-nicht/")
    assert response.status_code == 404
    assert response.json()["detail"] == "Nicht gefunden."


def test_it_scopes_the_csv_export(client, everyone):
    client.force_login(everyone["outsider"])
    response = client.get(reverse("organisation:employee_export"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Stranger" in body
    assert "Employee" not in body and "Colleague" not in body


def test_it_neutralises_formulas_in_the_csv_export(client, everyone, org):
    EmployeeFactory(unit=org["A1"], last_name='=HYPERLINK("x")')
    client.force_login(everyone["hr"])
    body = b"".join(client.get(reverse("organisation:employee_export")).streaming_content).decode(
        "utf-8-sig"
    )
    assert '"\'=HYPERLINK(""x"")"' in body


@pytest.mark.parametrize("viewer", ["hr", "amt_head"])
def test_it_keeps_query_count_flat_as_the_employee_list_grows(
    client, everyone, org, viewer, django_assert_max_num_queries
):
    """10 or 200 people in view, first page or a later one: the same queries. (A list of
    one page needs no count; beyond that it is one query however long the list.)"""
    client.force_login(everyone[viewer])
    url = reverse("organisation:employee_list")
    unit = OrgUnitFactory(parent=org["A1"])
    EmployeeFactory.create_batch(10, unit=unit)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    EmployeeFactory.create_batch(190, unit=unit)
    with django_assert_max_num_queries(len(small.captured_queries) + 1) as first:
        page = client.get(url).context["page"]
    with django_assert_max_num_queries(len(first.captured_queries)):
        later = client.get(url, {"nach": page.next})
    assert later.status_code == 200 and later.context["page"].start == 50
