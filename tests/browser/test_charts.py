"""A chart as a person meets it (templates/includes/chart.html, core/charts.py): the rollout
page's chart is an image with its name and legend, its data table folded under "Daten als
Tabelle" on screen, opened by a click, and printed without a click."""

import datetime as dt

import pytest

from rathausmobil.equipment.models import RolloutCampaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_the_rollout_chart_with_its_table_on_screen_and_in_print(
    browser, live_server, sign_in, it, axe_check
):
    RolloutCampaign.objects.create(
        name="Mobile Arbeitsplätze 2022",
        start_date=dt.date(2020, 5, 1),
        target_date=dt.date(2022, 12, 31),
    )
    page = sign_in(it)
    page.goto(f"{live_server.url}/geraete/rollout/")

    chart = page.get_by_role("img", name="Rollout-Fortschritt gegen die Soll-Linie")
    assert chart.is_visible()
    assert "Soll bis zum Zieltermin" in chart.inner_html()  # the legend inside the drawing
    table = page.get_by_role("table", name="Geräte im Einsatz, je Stichtag")
    assert not table.is_visible()
    axe_check(page)

    page.get_by_text("Daten als Tabelle").click()
    assert table.is_visible()
    axe_check(page)

    page.reload()
    page.emulate_media(media="print")
    assert table.is_visible()
