"""The register of processing activities (Art. 30 DSGVO), made from the apps' own
declarations: every model holding personal data is covered, retention is read as
configured, and the DPO, HR and leadership read it."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse

from rathausmobil.agreements.models import RuleSettings
from rathausmobil.core.privacy import processing_activities, register_rows, register_text
from rathausmobil.organisation.models import Employee


def personal_models():
    """Every concrete model with a foreign key to a person or a user account, and those
    two themselves."""
    people = (Employee, get_user_model())
    found = set(people)
    for model in apps.get_models():
        if model._meta.proxy or model._meta.abstract:
            continue
        if any(f.is_relation and f.related_model in people for f in model._meta.concrete_fields):
            found.add(model)
    return found


def test_it_covers_every_model_holding_personal_data():
    covered = processing_activities.covered_models()
    missing = sorted(m._meta.label for m in personal_models() if m._meta.label_lower not in covered)
    assert not missing, f"In keiner Verarbeitungstätigkeit (privacy.py der App): {missing}"


def test_it_names_only_models_that_exist():
    for activity in processing_activities:
        for label in activity.models:
            assert apps.get_model(label), label


def test_it_reads_the_retention_as_configured_when_asked(db, settings):
    rows = {row["name"]: row for row in register_rows()}
    assert (
        "3 Jahre nach dem Jahr der Entscheidung"
        in rows["Anträge und Angebote auf mobiles Arbeiten"]["retention"]
    )
    rules = RuleSettings.current()
    rules.retention_refused_years = 5
    rules.save()
    settings.USAGE_RAW_RETENTION_DAYS = 30
    settings.DEVICE_HANDOVER_RETENTION_DAYS = 365
    rows = {row["name"]: row for row in register_rows()}
    assert "5 Jahre nach dem Jahr" in rows["Anträge und Angebote auf mobiles Arbeiten"]["retention"]
    assert "30 Tage" in rows["VPN-Sitzungen aus den Protokollen der Gateways"]["retention"]
    assert "365 Tage" in rows["Ausgabe mobiler Geräte"]["retention"]
    settings.DEVICE_HANDOVER_RETENTION_DAYS = 0
    rows = {row["name"]: row for row in register_rows()}
    assert "noch nicht automatisch gelöscht" in rows["Ausgabe mobiler Geräte"]["retention"]


def test_it_names_the_recipients_by_role(db):
    rows = {row["name"]: row for row in register_rows()}
    recipients = rows["Anträge und Angebote auf mobiles Arbeiten"]["recipients"]
    assert recipients == "die Person selbst, Vorgesetzte / Amtsleitung, Personalamt, Personalrat"


def test_it_gives_the_register_as_text_for_the_command_line(db):
    text = register_text()
    assert text.startswith("Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO)")
    assert "Rechtsgrundlage: " in text
    assert text.count("Löschfrist: ") == len(processing_activities)


@pytest.mark.parametrize("role", ["dpo", "hr", "leadership"])
def test_it_shows_the_register_to_dpo_hr_and_leadership(request, client, role):
    client.force_login(request.getfixturevalue(role))
    html = client.get(reverse("privacy:register")).content.decode()
    assert "Verzeichnis von Verarbeitungstätigkeiten" in html
    assert "Protokoll und Verlauf der Änderungen" in html
    assert 'class="table table-sm rm-stack"' in html
    response = client.get(reverse("privacy:register_export"))
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].startswith("Verarbeitungstätigkeit;Zweck;Rechtsgrundlage")
    assert len(body.splitlines()) == len(processing_activities) + 1


@pytest.mark.parametrize("role", ["employee", "supervisor", "it", "staff_council"])
def test_it_refuses_the_register_to_others(request, client, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("privacy:register")).status_code == 403
    assert client.get(reverse("privacy:register_export")).status_code == 403
