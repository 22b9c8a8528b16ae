"""The stock list pages by seek (core/pagination.py): every device once, the same
queries for 10 devices as for 200, on the first page and on later ones."""

import pytest
from django.urls import reverse

from rathausmobil.equipment.models import Device, DeviceStatus

URL = reverse("equipment:device_list")


def stock(model, n, *, start=0):
    return Device.objects.bulk_create(
        Device(
            inventory_number=f"S-{start + i:05d}",
            serial=f"X{start + i}",
            model=model,
            status=DeviceStatus.IN_STOCK,
        )
        for i in range(n)
    )


def test_it_lists_every_device_once_across_its_pages_while_devices_arrive(
    client, it, notebook_model
):
    made = {d.pk for d in stock(notebook_model, 120)}
    client.force_login(it)
    seen, page, delivered = [], client.get(URL).context["page"], 0
    while True:
        seen += [d.pk for d in page]
        delivered += 1
        stock(notebook_model, 3, start=1000 + 10 * delivered)  # a delivery while IT pages
        if not page.has_next:
            break
        page = client.get(URL, {"nach": page.next}).context["page"]
    assert len(seen) == len(set(seen)) and made <= set(seen)
    number_of = dict(Device.objects.values_list("pk", "inventory_number"))
    shown = [number_of[pk] for pk in seen]
    assert shown == sorted(shown)


@pytest.mark.parametrize("query", [{}, {"status": "in_stock"}, {"q": "S-0"}])
def test_it_keeps_the_queries_of_a_stock_page_flat(
    client, it, notebook_model, query, django_assert_max_num_queries
):
    stock(notebook_model, 10)
    client.force_login(it)
    client.get(URL)  # warm the session
    with django_assert_max_num_queries(10) as small:
        client.get(URL, query)
    stock(notebook_model, 190, start=10)
    # one more: a list of more than one page is counted
    with django_assert_max_num_queries(len(small.captured_queries) + 1) as first:
        page = client.get(URL, query).context["page"]
    with django_assert_max_num_queries(len(first.captured_queries)):
        later = client.get(URL, {**query, "nach": page.next})
    assert later.context["page"].start == 50 and len(later.context["page"]) == 50


def test_it_answers_a_tampered_cursor_with_the_first_page(client, it, notebook_model):
    stock(notebook_model, 60)
    client.force_login(it)
    response = client.get(URL, {"nach": "S-00042"})
    assert response.status_code == 200 and response.context["page"].start == 0
    assert "1–50 von 60" in response.content.decode()
