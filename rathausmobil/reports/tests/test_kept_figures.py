"""The figures are read, not recomputed on every page view (core/figures.py `kept`), yet a
figure read after a write equals the figure computed from the records: every kind of
write that changes a figure starts a new generation, when its transaction commits.

Each test runs inside a transaction of its own (pytest-django), so the writes are made
inside `committed()`, which runs what waits for the commit, as the commit would."""

import datetime as dt
import io
import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from rathausmobil.access.models import VpnGateway
from rathausmobil.agreements import services as agreements
from rathausmobil.core import figures
from rathausmobil.equipment import services as equipment
from rathausmobil.equipment.models import Device, DeviceKind, DeviceModel, DeviceStatus
from rathausmobil.organisation.importing import employees_import
from rathausmobil.organisation.models import Employee
from rathausmobil.reports import kpis as kpis_module
from rathausmobil.reports.kpis import compute_kpis, kept_kpis
from rathausmobil.usage.importing import import_lines


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def counted(monkeypatch):
    """How often the figures were computed."""
    calls = {"n": 0}
    compute = kpis_module.compute_kpis

    def counting(**kwargs):
        calls["n"] += 1
        return compute(**kwargs)

    monkeypatch.setattr(kpis_module, "compute_kpis", counting)
    return calls


def test_it_computes_the_figures_once_and_then_reads_them(org, employee, counted):
    first = kept_kpis()
    second = kept_kpis()
    assert counted["n"] == 1
    assert second.values == first.values == compute_kpis()
    assert second.as_of == first.as_of


def test_each_scope_keeps_its_own_figures(org, employee, hr, staff_council, counted):
    kept_kpis(viewer=hr)
    kept_kpis(viewer=staff_council)
    kept_kpis(viewer=hr)
    kept_kpis()
    assert counted["n"] == 3
    assert kpis_module.figure_scope(hr) != kpis_module.figure_scope(staff_council)
    assert kpis_module.figure_scope(None) == "published"


def test_a_rolled_back_write_keeps_the_figures(org, employee, counted):
    kept_kpis()
    generation = figures.generation()
    with pytest.raises(RuntimeError), transaction.atomic():
        agreements.request_create(
            by=employee,
            values={"kind": "alternating", "weekdays": [0], "start_date": _in(days=10)},
        )
        raise RuntimeError
    assert figures.generation() == generation
    kept_kpis()
    assert counted["n"] == 1


def test_a_transaction_starts_one_new_generation(org, employee, supervisor, committed):
    generation = figures.generation()
    with committed(), transaction.atomic():
        request = agreements.request_create(
            by=employee,
            values={"kind": "alternating", "weekdays": [0], "start_date": _in(days=10)},
        )
        agreements.request_submit(request=request, by=employee)
        assert figures.generation() == generation  # not before the commit
    assert figures.generation() == generation + 1


def test_a_transaction_reads_its_own_writes_and_keeps_nothing_of_them(
    org, employee, supervisor, counted, committed
):
    before = kept_kpis().values
    with committed(), transaction.atomic():
        request = agreements.request_create(
            by=employee,
            values={"kind": "alternating", "weekdays": [0], "start_date": _in(days=10)},
        )
        agreements.request_submit(request=request, by=employee)
        inside = kept_kpis().values  # computed: the kept figures do not hold this write
        assert inside == compute_kpis()
        assert inside != before
        kept_kpis()
        assert counted["n"] == 3  # and nothing computed inside was kept
    assert kept_kpis().values == inside
    assert counted["n"] == 4


def test_a_lost_generation_never_meets_old_figures(org, employee):
    from django.core.cache import cache

    before = figures.generation()
    cache.delete(figures.GENERATION_KEY)
    assert figures.generation() > before


def _in(*, days: int) -> dt.date:
    return dt.date.today() + dt.timedelta(days=days)


def _fresh_equals_kept(key: str, before: dict) -> None:
    after = kept_kpis().values
    assert after == compute_kpis(), "kept figures differ from the records"
    assert after[key] != before[key], f"{key} did not change"


def test_a_new_request_and_agreement_renew_the_figures(org, employee, supervisor, committed):
    before = kept_kpis().values
    with committed():
        request = agreements.request_create(
            by=employee,
            values={"kind": "alternating", "weekdays": [0], "start_date": _in(days=10)},
        )
        agreements.request_submit(request=request, by=employee)
    _fresh_equals_kept("requests_open", before)

    before = kept_kpis().values
    with committed():
        agreements.request_reject(
            request=request,
            by=supervisor,
            reason_codes=["R8"],
            justification="Dokumentierte Leistungsbedenken aus dem Mitarbeitergespräch.",
        )
    _fresh_equals_kept("requests_open", before)


def test_a_hand_over_renews_the_figures(org, employee, it, committed):
    model = DeviceModel.objects.create(name="T14", manufacturer="Lenovo", kind=DeviceKind.NOTEBOOK)
    device = Device.objects.create(
        inventory_number="K-1", serial="SN1", model=model, status=DeviceStatus.IN_STOCK
    )
    before = kept_kpis().values
    with committed():
        equipment.assignment_hand_over(
            device=device, employee=Employee.objects.get(user=employee), by=it
        )
    _fresh_equals_kept("devices_mobile_in_use", before)


def test_an_hr_import_renews_the_figures(org, employee, hr, committed):
    before = kept_kpis().values
    header = "Personalnummer;Nachname;Vorname;Organisationseinheit;Wochenstunden;Eintritt\n"
    rows = "".join(f"N{i:03d};Neu;Person {i};A1;39;01.02.2024\n" for i in range(3))
    with committed():
        result = employees_import(data=(header + rows).encode(), filename="neu.csv", by=hr)
    assert result.ok, result.problems
    _fresh_equals_kept("staff_total", before)


def test_a_vpn_import_renews_the_figures(org, employee, settings, committed):
    settings.MIN_GROUP_SIZE = 1
    gateway = VpnGateway.objects.create(name="GW", product="other", capacity=3, is_default=True)
    before = kept_kpis().values
    monday = dt.date.today() - dt.timedelta(days=7 + dt.date.today().weekday())
    text = f"a;{monday}T07:00:00;{monday}T18:00:00\nb;{monday}T07:00:00;{monday}T08:00:00\n"
    with committed():
        import_lines(io.StringIO(text), name="t.csv", fmt="csv", gateway=gateway)
    _fresh_equals_kept("vpn_concurrent_peak", before)


def test_the_command_and_the_dashboard_read_the_same_kept_figures(client, org, employee, hr):
    out = StringIO()
    call_command("kpis", "--json", stdout=out)
    assert json.loads(out.getvalue()) == json.loads(json.dumps(compute_kpis(), default=str))
    client.force_login(hr)
    body = client.get(reverse("reports:dashboard")).content.decode()
    assert "Stand: " in body
    assert "Nach jeder Änderung werden sie neu berechnet, sonst spätestens nach 5 Minuten." in body


def test_the_dashboard_shows_a_change_at_once(client, org, employee, supervisor, hr, committed):
    client.force_login(hr)
    url = reverse("reports:dashboard")
    tile = '<p class="figure-value mb-1" data-kpi="requests_open">%d</p>'
    assert tile % 0 in client.get(url).content.decode()
    with committed():
        request = agreements.request_create(
            by=employee,
            values={"kind": "alternating", "weekdays": [0], "start_date": _in(days=10)},
        )
        agreements.request_submit(request=request, by=employee)
    body = client.get(url).content.decode()
    assert tile % 1 in body
    # The tiles are kept per language as well.
    client.cookies["django_language"] = "en"
    try:
        assert "Alternating mobile work" in client.get(url).content.decode()
    finally:
        translation.activate(settings.LANGUAGE_CODE)  # the request left English active
