"""Meine Aufgaben: each role sees exactly its own tasks, in its own scope, and each
task leads straight to its action."""

import datetime as dt

import pytest
from django.urls import reverse

from rathausmobil.access.models import AccessKind, GatewayProduct, VpnGateway
from rathausmobil.access.services import grant_request
from rathausmobil.agreements import services
from rathausmobil.agreements.models import (
    Agreement,
    AgreementStatus,
    ChecklistVersion,
    PandemicPeriod,
)
from rathausmobil.core.models import ImportStatus, ImportUpload
from rathausmobil.core.todos import (
    Todo,
    Urgency,
    forget_todos,
    last_seen,
    mark_seen,
    todo_providers,
    todos_for,
)
from rathausmobil.eligibility.services import assessment_create
from rathausmobil.home.tests.conftest import TODAY
from rathausmobil.organisation.models import Employee, Role, RoleAssignment
from rathausmobil.organisation.scoping import forget_scope
from rathausmobil.organisation.selectors import supervisor_of
from rathausmobil.presence.models import WeekPlan, Wish, WishKind

pytestmark = pytest.mark.django_db

JUSTIFICATION = "Die Akten liegen nur in Papier vor und dürfen das Haus nicht verlassen."


def keys(user, prefix="", today=TODAY):
    forget_scope(user)
    return {t.key for t in todos_for(user, today=today) if t.key.startswith(prefix)}


def task(user, key, today=TODAY):
    forget_scope(user)
    return next(t for t in todos_for(user, today=today) if t.key == key)


def person(user):
    return Employee.objects.select_related("unit").get(user=user)


# --------------------------------------------------------------------------- employee


def test_it_asks_the_employee_to_agree_and_pledge_and_nobody_else(
    client, employee, colleague, supervisor, outsider, checklist, make_agreement
):
    agreement = make_agreement("pending")

    assert keys(employee, "agreements.") == {
        f"agreements.consent.{agreement.pk}",
        "agreements.pledge",
    }
    consent = task(employee, f"agreements.consent.{agreement.pk}")
    assert consent.url == reverse("agreements:agreement_detail", args=[agreement.pk])
    assert consent.action == "Zustimmen"
    assert consent.urgency == Urgency.DUE
    pledge = task(employee, "agreements.pledge")
    assert (pledge.url, pledge.action) == (reverse("agreements:pledge"), "Erklärung abgeben")
    for other in (colleague, supervisor, outsider):
        assert not keys(other, "agreements.consent") | keys(other, "agreements.pledge")

    client.force_login(employee)
    page = client.get("/").content.decode()
    assert f'href="{consent.url}"' in page and ">Zustimmen</a>" in page
    assert f'href="{pledge.url}"' in page and ">Erklärung abgeben</a>" in page


def test_it_drops_the_tasks_once_the_employee_has_agreed_and_pledged(
    employee, checklist, sign, make_agreement
):
    agreement = make_agreement("pending")
    services.agreement_accept(agreement=agreement, by=employee, today=TODAY)
    assert keys(employee, "agreements.") == {"agreements.pledge"}
    sign(employee)
    assert keys(employee, "agreements.") == set()


def test_it_asks_the_employee_to_answer_an_offer(employee, colleague, make_offer):
    offer = make_offer()
    todo = task(employee, f"agreements.offer.{offer.pk}")
    assert (todo.action, todo.url) == (
        "Angebot beantworten",
        reverse("agreements:offer_detail", args=[offer.pk]),
    )
    assert not keys(colleague, "agreements.offer")


# --------------------------------------------------------------------------- heads


def test_it_gives_the_head_the_requests_of_their_own_unit_to_decide(
    employee, supervisor, amt_head, outsider, make_request
):
    request = make_request("submitted")
    todo = task(supervisor, f"agreements.decide.{request.pk}")
    assert todo.action == "Entscheiden"
    assert todo.url == reverse("agreements:request_detail", args=[request.pk])
    assert todo.urgency == Urgency.DUE
    assert todo.due == request.due_date
    # Not the outsider head, not the head above (A1 decides), not the person asking.
    assert not keys(outsider, "agreements.decide")
    assert not keys(amt_head, "agreements.decide")
    assert not keys(employee, "agreements.decide")


def test_it_marks_a_request_beyond_its_deadline_overdue(supervisor, make_request):
    request = make_request("submitted")
    late = request.due_date + dt.timedelta(days=1)
    todo = task(supervisor, f"agreements.decide.{request.pk}", today=late)
    assert todo.urgency == Urgency.OVERDUE
    assert todos_for(supervisor, today=late)[0].key == todo.key  # most urgent first


def test_it_counts_many_requests_in_one_line_linking_to_the_inbox(
    supervisor, make_person, make_request
):
    for n in range(7):
        make_request("submitted", user=make_person(f"person{n}"))
    decide = [
        t for t in todos_for(supervisor, today=TODAY) if t.key.startswith("agreements.decide")
    ]
    assert len(decide) == 1
    assert decide[0].count == 7
    assert decide[0].url == reverse("agreements:inbox")
    assert decide[0].title == "7 Anträge zu entscheiden"


def test_it_reminds_the_head_of_agreements_that_run_out(
    employee, supervisor, outsider, make_agreement
):
    agreement = make_agreement("active")
    # It has begun (started long ago: it ends within the reminder period).
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.ACTIVE)
    soon = agreement.end_date - dt.timedelta(days=10)
    todo = task(supervisor, f"agreements.expiring.{agreement.pk}", today=soon)
    assert todo.url == reverse("agreements:agreement_detail", args=[agreement.pk])
    assert not keys(supervisor, "agreements.expiring", today=TODAY)  # years ahead
    assert not keys(outsider, "agreements.expiring", today=soon)
    assert not keys(employee, "agreements.expiring", today=soon)


def test_it_asks_heads_to_assess_the_positions_of_their_units_but_not_their_own(
    employee, supervisor, outsider, stranger
):
    own = person(supervisor).position
    staff = person(employee).position
    assert keys(supervisor, "eligibility.assess") == {f"eligibility.assess.{staff.pk}"}
    assert keys(outsider, "eligibility.assess") == {
        f"eligibility.assess.{person(stranger).position.pk}"
    }
    assert f"eligibility.assess.{own.pk}" not in keys(supervisor) | keys(outsider)
    assert not keys(employee, "eligibility.")

    assessment_create(
        position=staff,
        by=supervisor,
        shares={"E1": 10},
        reasons="Etwas Publikumsverkehr, sonst Aktenarbeit am Rechner.",
        review_date=TODAY + dt.timedelta(days=30),
        today=TODAY,
    )
    assert not keys(supervisor, "eligibility.assess")
    review = task(supervisor, f"eligibility.review.{staff.pk}", today=TODAY + dt.timedelta(days=31))
    assert review.urgency == Urgency.OVERDUE
    assert review.url == reverse("eligibility:position_detail", args=[staff.pk])


# --------------------------------------------------------------------------- HR, staff council, DPO, IT


def test_it_shows_hr_the_missing_pledges_and_the_pandemic_gaps(
    hr, supervisor, employee, checklist, make_agreement
):
    make_agreement("pending")
    missing = task(hr, "agreements.pledges_missing")
    assert missing.count == 1
    assert not keys(supervisor, "agreements.pledges_missing")

    assessment_create(
        position=person(employee).position,
        by=supervisor,
        shares={"E1": 0},
        reasons="Reine Sachbearbeitung am Rechner.",
        today=TODAY,
    )
    PandemicPeriod.objects.create(start_date=TODAY)
    assert not keys(hr, "agreements.pandemic_gaps")  # the employee has an agreement
    gap_holder = person(supervisor)
    assessment_create(
        position=gap_holder.position,
        by=None,
        system=True,
        assessor_name="Test",
        shares={"E1": 0},
        reasons="Reine Sachbearbeitung am Rechner.",
        today=TODAY,
    )
    gaps = task(hr, "agreements.pandemic_gaps")
    assert gaps.count == 1
    assert gaps.url == reverse("agreements:pandemic") + "?offen=1"


def test_it_shows_the_staff_council_the_refusals_since_its_last_visit(
    staff_council, employee, supervisor, make_request
):
    make_request("rejected")
    first = task(staff_council, "agreements.refusals")
    assert (first.count, first.action, first.url) == (1, "Ansehen", reverse("agreements:refusals"))
    mark_seen(staff_council, "agreements.refusals")
    assert not keys(staff_council, "agreements.refusals")
    for user in (employee, supervisor):
        assert not keys(user, "agreements.refusals")


def test_it_asks_the_dpo_to_publish_a_first_checklist(dpo, hr):
    todo = task(dpo, "agreements.checklist_publish")
    assert (todo.url, todo.action) == (
        reverse("agreements:checklist_edit"),
        "Checkliste veröffentlichen",
    )
    assert not keys(hr, "agreements.checklist")
    ChecklistVersion.objects.create(
        number=1, items=[{"key": "lock", "text": "Abschließen", "mandatory": True}]
    )
    assert not keys(dpo, "agreements.checklist")


def test_it_counts_the_pledges_missing_on_the_current_checklist_for_the_dpo(
    dpo, employee, make_agreement, supervisor
):
    make_agreement("pending")
    assert keys(dpo, "agreements.checklist") == {"agreements.checklist_missing"}
    assert task(dpo, "agreements.checklist_missing").count == 1
    assert not keys(supervisor, "agreements.checklist")


def test_it_gives_it_the_access_to_grant(it, hr, employee, supervisor):
    VpnGateway.objects.create(name="GW", product=GatewayProduct.WIREGUARD, capacity=5)
    grant = grant_request(
        employee=person(employee), kind=AccessKind.VPN, by=it, reason="Rufbereitschaft"
    )
    todo = task(it, f"access.grant.{grant.pk}")
    assert todo.url == reverse("access:grant_detail", args=[grant.pk])
    for user in (hr, employee, supervisor):
        assert not keys(user, "access.")


def test_it_gives_it_the_access_of_an_agreement_only_from_its_access_day(it, make_agreement):
    from rathausmobil.access.models import AccessGrant, GrantStatus
    from rathausmobil.access.selectors import access_day

    VpnGateway.objects.create(name="GW", product=GatewayProduct.WIREGUARD, capacity=5)
    agreement = make_agreement("agreed")
    grant = AccessGrant.objects.filter(agreement=agreement, status=GrantStatus.REQUESTED).first()
    if grant is None:
        grant = grant_request(
            employee=agreement.employee, kind=AccessKind.VPN, by=it, agreement=agreement
        )
    day = access_day(agreement)
    assert day > TODAY
    assert not keys(it, "access.", today=day - dt.timedelta(days=1))
    assert keys(it, "access.", today=day) == {f"access.grant.{grant.pk}"}


def test_it_reminds_the_uploader_of_an_import_waiting_for_confirmation(hr, it):
    upload = ImportUpload.objects.create(
        kind="employees", filename="personal.csv", content=b"", sha256="x", uploaded_by=hr
    )
    todo = task(hr, f"core.import.{upload.pk}")
    assert todo.url == reverse("organisation:import_preview", args=[upload.pk])
    assert not keys(it, "core.import")
    upload.status = ImportStatus.APPLIED
    upload.save()
    assert not keys(hr, "core.import")


# --------------------------------------------------------------------------- presence


def test_it_asks_for_next_weeks_wishes_before_the_deadline(
    employee, colleague, org, make_agreement
):
    agreement = make_agreement("active")
    # The week before the agreement's first week: wishes for its first week are asked.
    monday = agreement.start_date - dt.timedelta(days=agreement.start_date.weekday() + 7)
    WeekPlan.objects.create(unit=org["A1"], week_start=monday - dt.timedelta(days=7))
    next_monday = monday + dt.timedelta(days=7)
    (todo,) = [t for t in todos_for(employee, today=monday) if t.key.startswith("presence.wish")]
    assert todo.url == reverse("presence:my_week") + "#wuensche"
    assert todo.action == "Wünsche eintragen"
    assert todo.due == next_monday - dt.timedelta(days=5)
    assert not keys(colleague, "presence.wish", today=monday)  # no agreement

    Wish.objects.create(employee=person(employee), date=next_monday, kind=WishKind.HOME)
    assert not keys(employee, "presence.wish", today=monday)


def test_it_asks_the_head_to_publish_next_weeks_plan_after_the_wish_deadline(
    supervisor, outsider, employee, org
):
    monday = TODAY - dt.timedelta(days=TODAY.weekday())
    WeekPlan.objects.create(unit=org["A1"], week_start=monday)
    assert not keys(supervisor, "presence.plan", today=monday)  # wishes still open
    thursday = monday + dt.timedelta(days=3)
    (key,) = keys(supervisor, "presence.plan", today=thursday)
    assert not keys(outsider, "presence.plan", today=thursday)
    assert not keys(employee, "presence.plan", today=thursday)
    todo = task(supervisor, key, today=thursday)
    assert todo.action == "Plan berechnen"


# --------------------------------------------------------------------------- the page


def test_it_says_kindly_when_nothing_waits(client, leadership):
    client.force_login(leadership)
    response = client.get("/")
    assert response.status_code == 200
    assert "Im Moment wartet nichts auf Sie." in response.content.decode()
    assert client.get("/aufgaben/").status_code == 200


def test_it_answers_the_menus_count(client, employee, checklist, make_agreement, leadership):
    client.force_login(leadership)
    assert client.get(reverse("home:todo_count")).content.decode().strip() == ""
    make_agreement("pending")
    client.force_login(employee)
    badge = client.get(reverse("home:todo_count")).content.decode()
    assert '>2<span class="visually-hidden"> Aufgaben</span>' in badge


def test_it_keeps_the_list_and_a_write_renews_it_at_once(
    client, employee, checklist, make_agreement, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with django_capture_on_commit_callbacks(execute=True):
        agreement = make_agreement("pending")
    client.force_login(employee)
    url = reverse("home:todo_count")
    with CaptureQueriesContext(connection) as asking:
        assert ">2<" in client.get(url).content.decode()
    with CaptureQueriesContext(connection) as kept:
        assert ">2<" in client.get(url).content.decode()
    assert len(kept.captured_queries) < len(asking.captured_queries) - 3  # no app was asked
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_decline(agreement=agreement, by=employee)  # audited: a new generation
    assert client.get(url).content.decode().strip() == ""
    assert "Im Moment wartet nichts auf Sie." in client.get("/").content.decode()


def test_a_marker_of_ones_own_renews_ones_own_list(employee):
    def since_last_visit(user, today):
        if last_seen(user, "test.marker"):
            return []
        return [Todo(key="test.new", title="Neu", url="/", action="Ansehen")]

    todo_providers.connect(since_last_visit, label="Test")
    try:
        assert [t.key for t in todos_for(employee) if t.key == "test.new"] == ["test.new"]
        mark_seen(employee, "test.marker")  # no audit event: the person's own list is forgotten
        seen = [t.key for t in todos_for(employee) if t.key == "test.new"]
    finally:
        todo_providers.disconnect(since_last_visit)
    assert seen == []


def test_it_reads_a_fixed_number_of_queries_however_many_requests(
    client, supervisor, make_person, make_request, django_assert_max_num_queries
):
    # Beyond five a line counts (one more query); from there on nothing grows.
    for n in range(6):
        make_request("submitted", user=make_person(f"first{n}"))
    client.force_login(supervisor)
    client.get("/")  # warm caches (content types, rules)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    forget_todos(supervisor)  # the apps are asked (the list is kept after a view)
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    for n in range(20):
        make_request("submitted", user=make_person(f"more{n}"))
    forget_todos(supervisor)  # the factories write beside the services, without an audit event
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get("/")
    assert "26 Anträge" in response.content.decode()


# --------------------------------------------------------------------------- the supervisor


def test_it_names_the_next_head_up_as_a_heads_supervisor(
    client, employee, supervisor, amt_head, org
):
    assert supervisor_of(person(employee)) == person(supervisor)
    assert supervisor_of(person(supervisor)) == person(amt_head)
    assert supervisor_of(person(amt_head)) is None  # the Dezernat has no head

    client.force_login(supervisor)
    page = client.get("/").content.decode()
    assert '<dd id="my-supervisor">Amthead Test</dd>' in page or "Amthead" in page


def test_it_names_the_head_as_a_deputys_supervisor(employee, supervisor, colleague, org):
    RoleAssignment.objects.create(user=colleague, role=Role.SUPERVISOR, unit=org["A1"])
    assert supervisor_of(person(colleague)) == person(supervisor)


def test_it_never_shows_another_units_work(
    employee,
    supervisor,
    amt_head,
    colleague,
    stranger,
    outsider,
    make_agreement,
    make_person,
    make_request,
):
    """B1's people and their head act; nobody in A sees any of it."""
    make_agreement("pending", user=stranger, decider=outsider)
    other = make_request("submitted", user=make_person("bperson", "B1"), decider=outsider)
    assert f"agreements.decide.{other.pk}" in keys(outsider)
    names = {person(stranger).full_name, "Bperson"}
    for user in (employee, colleague, supervisor, amt_head):
        forget_scope(user)
        for todo in todos_for(user, today=TODAY):
            text = f"{todo.title} {todo.detail}"
            assert not any(name in text for name in names), (user, todo)
            assert todo.key != f"agreements.decide.{other.pk}"
