import datetime as dt

from django.urls import reverse

from rathausmobil.agreements import services


def test_it_suppresses_small_refusal_counts_for_everyone_but_hr(
    client, employee, supervisor, hr, staff_council
):
    request = services.request_create(
        by=employee,
        values={
            "kind": "alternating",
            "weekdays": [0],
            "start_date": dt.date.today() + dt.timedelta(days=5),
        },
    )
    services.request_submit(request=request, by=employee)
    services.request_reject(
        request=request,
        by=supervisor,
        reason_codes=["R8"],
        justification="Dokumentierte Leistungsbedenken aus dem Mitarbeitergespräch.",
    )
    client.force_login(staff_council)
    body = client.get(reverse("reports:dashboard")).content.decode()
    assert (
        'R8 Dokumentierte Leistungsbedenken</th><td class="text-end text-nowrap">&lt; 5</td>'
        in body
    )
    client.force_login(hr)
    body = client.get(reverse("reports:dashboard")).content.decode()
    assert 'R8 Dokumentierte Leistungsbedenken</th><td class="text-end text-nowrap">1</td>' in body
