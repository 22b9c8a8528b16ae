import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rathausmobil.core.models import AuditEvent, ImportStatus, ImportUpload
from rathausmobil.organisation.models import Employee

EMPLOYEES_CSV = (
    "Personalnummer;Nachname;Vorname;E-Mail;Organisationseinheit;Stellennummer;"
    "Stellenbezeichnung;Wochenstunden;Eintritt;Austritt\r\n"
    "700001;Weiß;Jürgen;j.weiss@stadt.example;A1;A1-001;Sachbearbeitung;19,5;01.04.2019;\r\n"
    "700002;Özdemir;Ayşe;;B1;;;39;2020-02-01;\r\n"
).encode()


def upload(client, data=EMPLOYEES_CSV, kind="employees", name="personal.csv"):
    return client.post(
        reverse("organisation:import_upload"),
        {"kind": kind, "file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def test_it_redirects_anonymous_visitors_to_the_login(client, db):
    response = client.get(reverse("organisation:employee_list"))
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_it_renders_the_login_page_in_german(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    assert '<html lang="de">' in response.content.decode()
    assert "Anmelden" in response.content.decode()


@pytest.mark.parametrize(
    "role", ["employee", "supervisor", "outsider", "it", "staff_council", "dpo", "leadership"]
)
def test_it_keeps_the_import_page_for_hr(client, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("organisation:import_upload")).status_code == 403


def test_it_shows_hr_a_preview_and_writes_nothing_before_confirmation(client, hr):
    client.force_login(hr)
    before = Employee.objects.count()
    response = upload(client)
    batch = ImportUpload.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("organisation:import_preview", args=[batch.pk])
    preview = client.get(response.url).content.decode()
    assert "2 neu" in preview and "Weiß, Jürgen (700001)" in preview
    assert Employee.objects.count() == before

    client.post(reverse("organisation:import_apply", args=[batch.pk]))
    assert Employee.objects.count() == before + 2
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED


def test_it_applies_a_batch_once_on_a_double_click(client, hr):
    client.force_login(hr)
    upload(client)
    batch = ImportUpload.objects.get()
    url = reverse("organisation:import_apply", args=[batch.pk])
    client.post(url)
    events = AuditEvent.objects.count()
    response = client.post(url, follow=True)
    assert "bereits übernommen" in response.content.decode()
    assert AuditEvent.objects.count() == events
    assert Employee.objects.filter(personnel_number__startswith="7000").count() == 2


def test_it_shows_every_problem_and_keeps_nothing_of_a_broken_file(client, hr):
    client.force_login(hr)
    broken = EMPLOYEES_CSV.replace(b"01.04.2019", b"31.02.2019").replace(b";B1;", b";XX;")
    response = upload(client, broken)
    body = response.content.decode()
    assert response.status_code == 422
    assert "Zeile 2, Spalte Eintritt:" in body
    assert "Zeile 3, Spalte Organisationseinheit:" in body
    assert not ImportUpload.objects.exists()


def test_it_refuses_an_hr_workbook_that_is_a_zip_bomb_and_keeps_nothing(client, hr, monkeypatch):
    import openpyxl

    from rathausmobil.core.tests.test_import_limits import zip_bomb

    opened = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **kw: opened.append(a))
    before = (Employee.objects.count(), AuditEvent.objects.count())
    client.force_login(hr)

    response = upload(client, zip_bomb(), name="personal.xlsx")

    assert response.status_code == 422
    assert "Die Datei ist entpackt größer als 250 MB" in response.content.decode()
    assert opened == [] and not ImportUpload.objects.exists()
    assert (Employee.objects.count(), AuditEvent.objects.count()) == before


def test_it_hides_another_persons_import_batch(client, hr, org):
    from rathausmobil.organisation.models import Role, RoleAssignment
    from rathausmobil.organisation.tests.factories import UserFactory

    client.force_login(hr)
    upload(client)
    batch = ImportUpload.objects.get()
    other_hr = UserFactory(username="hr2")
    RoleAssignment.objects.create(user=other_hr, role=Role.HR)
    client.force_login(other_hr)
    assert client.get(reverse("organisation:import_preview", args=[batch.pk])).status_code == 404
    assert client.post(reverse("organisation:import_apply", args=[batch.pk])).status_code == 404


def test_it_discards_a_preview(client, hr):
    client.force_login(hr)
    upload(client)
    batch = ImportUpload.objects.get()
    client.post(reverse("organisation:import_discard", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DISCARDED
    assert client.post(reverse("organisation:import_apply", args=[batch.pk])).status_code == 302
    assert not Employee.objects.filter(personnel_number="700001").exists()


def test_it_renders_the_table_fragment_for_htmx(client, hr, employee):
    client.force_login(hr)
    url = reverse("organisation:employee_list")
    page = client.get(url).content.decode()
    fragment = client.get(url, {"q": "Employee"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" in page
    assert "<html" not in fragment and 'id="results"' in fragment
    assert "Employee" in fragment


def test_it_filters_by_unit_including_units_below(client, hr, employee, stranger):
    client.force_login(hr)
    body = client.get(reverse("organisation:employee_list"), {"unit": "A"}).content.decode()
    assert "Employee, Erika" in body
    assert "Stranger" not in body


def test_it_shows_an_employee_their_history(client, employee):
    from rathausmobil.core.audit import audit_event

    record = Employee.objects.get(user=employee)
    audit_event(
        actor=None, action="geändert", obj=record, changes={"Organisationseinheit": ["B1", "A1"]}
    )
    client.force_login(employee)
    body = client.get(reverse("organisation:employee_detail", args=[record.pk])).content.decode()
    assert "Organisationseinheit: B1 → A1" in body


@pytest.mark.parametrize(
    "role,status",
    [
        ("hr", 200),
        ("leadership", 200),
        ("staff_council", 200),
        ("dpo", 200),
        ("employee", 403),
        ("supervisor", 403),
    ],
)
def test_it_shows_the_dashboard_to_aggregate_roles(client, request, role, status):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == status
    if status == 200:
        assert 'data-kpi="staff_total"' in response.content.decode()


def test_it_serves_the_api_schema_and_docs_to_signed_in_users(client, employee):
    # Without a sign-in: tests/test_security.py
    client.force_login(employee)
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower()


@pytest.mark.django_db(transaction=True)
def test_a_large_hr_file_is_checked_and_applied_by_the_worker(client, hr, settings):
    """A city's HR file (here 3,000 people, above IMPORT_BACKGROUND_BYTES) never runs in
    the request: the real worker checks it, and applies it after the confirmation."""
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.IMPORT_BACKGROUND_BYTES = 64 * 1024
    header = EMPLOYEES_CSV.split(b"\r\n", 1)[0].decode()
    lines = [f"{800000 + n};Muster{n};Erika;;A1;;;39;01.01.2020;" for n in range(3000)]
    data = "\r\n".join([header, *lines, ""]).encode()
    assert len(data) > settings.IMPORT_BACKGROUND_BYTES
    client.force_login(hr)
    before = Employee.objects.count()

    response = upload(client, data)
    batch = ImportUpload.objects.get()
    assert batch.status == ImportStatus.CHECKING
    assert "wird im Hintergrund geprüft" in client.get(response.url).content.decode()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    preview = client.get(response.url).content.decode()
    assert "3.000 neu" in preview and Employee.objects.count() == before

    client.post(reverse("organisation:import_apply", args=[batch.pk]))
    assert Employee.objects.count() == before
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED and Employee.objects.count() == before + 3000
    assert AuditEvent.objects.filter(actor=hr, source="Hintergrunddienst").count() == 2
