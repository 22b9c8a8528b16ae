"""The data-protection officer's checklist editor: items in a form (text, mandatory or
recommended, order), a draft, the preview of what the employee signs, the differences
in words, publishing with a confirmation, and the list of versions."""

import pytest
from django.urls import reverse

from rathausmobil.agreements import services
from rathausmobil.agreements.checklist import differences, with_keys
from rathausmobil.agreements.jobs import request_pledge_renewals
from rathausmobil.agreements.models import (
    ChecklistDraft,
    ChecklistVersion,
    Pledge,
    PledgeRenewalRequest,
)
from rathausmobil.agreements.tests.conftest import CHECKLIST_ITEMS, TODAY, all_yes
from rathausmobil.core.errors import DomainError, NotAllowed
from rathausmobil.core.models import AuditEvent

DRAFT = reverse("agreements:checklist_draft")
HOME = reverse("agreements:checklist_edit")
PREVIEW = reverse("agreements:checklist_preview")
CHANGES = reverse("agreements:checklist_changes")
PUBLISH = reverse("agreements:checklist_publish")


def post_items(items, **buttons) -> dict:
    """The editor's form as the browser sends it: one block per item, in order."""
    data = {
        "punkte-TOTAL_FORMS": str(len(items)),
        "punkte-INITIAL_FORMS": str(len(items)),
        "punkte-MIN_NUM_FORMS": "0",
        "punkte-MAX_NUM_FORMS": "60",
    }
    for i, item in enumerate(items):
        data[f"punkte-{i}-key"] = item.get("key", "")
        data[f"punkte-{i}-text"] = item["text"]
        data[f"punkte-{i}-mandatory"] = "pflicht" if item["mandatory"] else "empfehlung"
    data.update(buttons)
    return data


def texts_on(response) -> list[str]:
    return [form["text"].value() for form in response.context["formset"].forms]


# --------------------------------------------------------------------------- keys


def test_it_keeps_the_key_of_an_item_that_stays_and_makes_one_for_a_new_item(checklist, dpo):
    lock, screen, vpn, filt = CHECKLIST_ITEMS
    draft = services.checklist_draft_save(
        by=dpo,
        items=[
            {"key": "screen", "text": "Bildschirm bei jeder Pause gesperrt", "mandatory": True},
            {"key": "", "text": "Sicherheitsunterweisung ist erfolgt", "mandatory": True},
            lock,
            {"key": "", "text": filt["text"], "mandatory": False},  # removed and typed again
        ],
    )
    assert [i["key"] for i in draft.items] == [
        "screen",
        "sicherheitsunterweisung-ist-erfolgt",
        "lock",
        "filter",
    ]


def test_it_never_takes_a_key_the_officer_did_not_get_from_a_version(checklist, dpo):
    draft = services.checklist_draft_save(
        by=dpo,
        items=[
            {"key": "lock", "text": "Unterlagen verschlossen", "mandatory": True},
            {"key": "lock", "text": "Zweimal derselbe Schlüssel", "mandatory": True},
            {"key": "erfunden", "text": "Netz nur über VPN", "mandatory": True},
        ],
    )
    keys = [i["key"] for i in draft.items]
    assert keys[0] == "lock"
    assert "erfunden" not in keys and len(set(keys)) == 3


def test_it_does_not_give_an_old_key_a_new_meaning():
    items = [{"key": "", "text": "Blickschutzfilter!", "mandatory": False}]
    keyed = with_keys(items, keep=[], previous=[], taken={"blickschutzfilter"})
    assert keyed[0]["key"] == "blickschutzfilter-2"


def test_it_refuses_a_draft_without_a_mandatory_item_or_with_a_text_twice(checklist, dpo):
    with pytest.raises(DomainError, match="mindestens einen Pflichtpunkt"):
        services.checklist_draft_save(
            by=dpo, items=[{"key": "", "text": "Blickschutz", "mandatory": False}]
        )
    with pytest.raises(DomainError, match="steht doppelt"):
        services.checklist_draft_save(
            by=dpo,
            items=[
                {"key": "", "text": "Netz nur über VPN", "mandatory": True},
                {"key": "", "text": "Netz  nur über vpn", "mandatory": True},
            ],
        )
    assert not ChecklistDraft.objects.exists()


def test_it_lets_only_the_officer_draft_and_publish(checklist, hr, it, supervisor, employee):
    for user in (hr, it, supervisor, employee):
        with pytest.raises(NotAllowed):
            services.checklist_draft_save(by=user, items=CHECKLIST_ITEMS)
        with pytest.raises(NotAllowed):
            services.checklist_draft_publish(by=user, revision=1, base_number=1)
    assert not ChecklistDraft.objects.exists()


@pytest.mark.parametrize("who", ["employee", "supervisor", "hr", "it", "staff_council"])
def test_it_keeps_everyone_but_the_officer_off_the_pages(client, request, checklist, who):
    client.force_login(request.getfixturevalue(who))
    for url in (
        HOME,
        DRAFT,
        PREVIEW,
        CHANGES,
        PUBLISH,
        reverse("agreements:checklist_version", args=[1]),
    ):
        assert client.get(url).status_code == 403, url


# --------------------------------------------------------------------------- differences


def test_it_names_every_difference_in_words():
    old = [
        {"key": "a", "text": "Alpha", "mandatory": True},
        {"key": "b", "text": "Beta", "mandatory": False},
        {"key": "c", "text": "Gamma", "mandatory": True},
        {"key": "d", "text": "Delta", "mandatory": True},
    ]
    new = [
        {"key": "b", "text": "Beta", "mandatory": True},
        {"key": "a", "text": "Alpha neu", "mandatory": True},
        {"key": "d", "text": "Delta", "mandatory": True},
        {"key": "e", "text": "Epsilon", "mandatory": False},
    ]
    found = [(d.label, d.text, d.old_text) for d in differences(old, new)]
    assert found == [
        ("Jetzt Pflichtpunkt (bisher Empfehlung)", "Beta", ""),
        ("Text geändert", "Alpha neu", "Alpha"),
        ("Neue Empfehlung", "Epsilon", ""),
        ("Entfernt", "Gamma", ""),
        ("Reihenfolge geändert", "", ""),
    ]
    assert differences(old, old) == []


# --------------------------------------------------------------------------- the editor


def test_it_starts_the_draft_from_the_version_in_force(client, dpo, checklist):
    client.force_login(dpo)
    response = client.get(DRAFT)
    assert texts_on(response) == [i["text"] for i in CHECKLIST_ITEMS]
    body = response.content.decode()
    assert "Entwurf für Version 2" in body
    assert "Kennung" not in body and "|" not in body.split("<main")[-1].split("</form>")[0]


def test_it_adds_moves_and_removes_items_without_javascript_and_saves_only_on_request(
    client, dpo, checklist
):
    client.force_login(dpo)
    items = [dict(i) for i in CHECKLIST_ITEMS]

    added = client.post(DRAFT, post_items(items, hinzufuegen="1"))
    assert texts_on(added)[-1] in ("", None)
    assert len(texts_on(added)) == 5
    assert "Punkt 5 ist angefügt" in added.content.decode()

    moved = client.post(DRAFT, post_items(items, nach_oben="2"))
    assert texts_on(moved)[:3] == [items[0]["text"], items[2]["text"], items[1]["text"]]
    assert 'id="nach-oben-1" autofocus' in moved.content.decode()

    down = client.post(DRAFT, post_items(items, nach_unten="0"))
    assert texts_on(down)[:2] == [items[1]["text"], items[0]["text"]]

    removed = client.post(DRAFT, post_items(items, entfernen="3"))
    assert texts_on(removed) == [i["text"] for i in items[:3]]
    assert "ist entfernt" in removed.content.decode()

    assert not ChecklistDraft.objects.exists()  # nothing saved yet


def test_it_saves_the_draft_in_the_order_shown_and_goes_on_to_the_preview(client, dpo, checklist):
    client.force_login(dpo)
    items = [dict(i) for i in CHECKLIST_ITEMS]
    items[1]["text"] = "Bildschirm bei jeder Abwesenheit gesperrt, auch kurz"
    items[3]["mandatory"] = True
    items.insert(0, {"key": "", "text": "Sicherheitsunterweisung erfolgt", "mandatory": True})
    response = client.post(DRAFT, post_items(items, vorschau="1"))
    assert response.status_code == 302 and response["Location"] == PREVIEW
    draft = ChecklistDraft.objects.get()
    assert [i["key"] for i in draft.items] == [
        "sicherheitsunterweisung-erfolgt",
        "lock",
        "screen",
        "vpn",
        "filter",
    ]
    assert draft.items[4]["mandatory"] is True
    assert draft.updated_by == dpo
    assert AuditEvent.objects.filter(action="Entwurf der Checkliste gespeichert").exists()
    assert ChecklistVersion.objects.count() == 1  # employees see nothing yet


def test_it_marks_an_empty_text_at_its_field_and_saves_nothing(client, dpo, checklist):
    client.force_login(dpo)
    items = [dict(i) for i in CHECKLIST_ITEMS] + [{"text": "", "mandatory": True}]
    response = client.post(DRAFT, post_items(items, speichern="1"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="checklist-errors"' in body
    assert 'href="#id_punkte-4-text"' in body
    assert "Bitte den Text eintragen oder den Punkt entfernen." in body
    field = str(response.context["formset"].forms[4]["text"])
    assert 'aria-invalid="true"' in field
    assert 'id="id_punkte-4-text_errors"' in body  # the message the field names (core/forms.py)
    assert not ChecklistDraft.objects.exists()


def test_it_refuses_a_draft_without_a_mandatory_item_on_the_page(client, dpo, checklist):
    client.force_login(dpo)
    items = [{"text": "Blickschutzfilter", "mandatory": False}]
    body = client.post(DRAFT, post_items(items, speichern="1")).content.decode()
    assert "mindestens einen Pflichtpunkt" in body
    assert not ChecklistDraft.objects.exists()


# --------------------------------------------------------------------------- preview, differences


@pytest.fixture
def draft(dpo, checklist):
    items = [dict(i) for i in CHECKLIST_ITEMS]
    items[0]["text"] = "Unterlagen und Datenträger immer verschlossen"  # changed
    items[3]["mandatory"] = True  # now mandatory
    del items[2]  # removed
    items.append({"key": "", "text": "Sicherheitsunterweisung erfolgt", "mandatory": True})
    return services.checklist_draft_save(by=dpo, items=items)


def test_it_previews_exactly_what_the_employee_will_sign(client, dpo, draft):
    client.force_login(dpo)
    response = client.get(PREVIEW)
    body = response.content.decode()
    assert "Checkliste Version 2. Bitte bestätigen Sie jeden Punkt" in body
    form = response.context["form"]
    assert [f.label for f in form] == [i["text"] for i in draft.items]
    assert all(f.field.disabled for f in form)
    assert body.count("disabled") >= len(draft.items)
    assert "Ich erkläre:" in body


def test_it_shows_the_differences_to_the_version_in_force_in_words(client, dpo, draft):
    client.force_login(dpo)
    body = client.get(CHANGES).content.decode()
    assert "Text geändert" in body and "Unterlagen und Datenträger immer verschlossen" in body
    assert "<del>Unterlagen und Datenträger verschlossen</del>" in body
    assert "Jetzt Pflichtpunkt (bisher Empfehlung)" in body
    assert "Entfernt" in body and "Netz nur über das VPN" in body
    assert "Neuer Pflichtpunkt" in body and "Sicherheitsunterweisung erfolgt" in body
    assert "Weiter zum Veröffentlichen" in body


def test_it_says_when_the_draft_changes_nothing(client, dpo, checklist):
    services.checklist_draft_save(by=dpo, items=CHECKLIST_ITEMS)
    client.force_login(dpo)
    body = client.get(CHANGES).content.decode()
    assert "es gibt nichts zu veröffentlichen" in body
    assert "Weiter zum Veröffentlichen" not in body


def test_it_sends_the_officer_to_start_a_draft_when_there_is_none(client, dpo, checklist):
    client.force_login(dpo)
    response = client.get(PREVIEW, follow=True)
    assert "Es gibt noch keinen Entwurf" in response.content.decode()


# --------------------------------------------------------------------------- publishing


def test_it_asks_to_confirm_and_says_who_will_be_asked_to_pledge_again(
    client, dpo, draft, make_agreement, make_person
):
    make_agreement("active")
    make_agreement("pending", user=make_person("zweite"))
    client.force_login(dpo)
    response = client.get(PUBLISH)
    body = response.content.decode()
    assert "werden 2 Personen mit offener Vereinbarung per E-Mail gebeten" in body
    assert "Version 2 jetzt veröffentlichen" in body
    assert "Revision" not in body  # the hidden fields are no questions to the officer
    assert (
        "Neuer Pflichtpunkt: „Sicherheitsunterweisung erfolgt“."
        in (response.context["form"].initial["note"])
    )
    assert ChecklistVersion.objects.count() == 1


def test_it_publishes_the_draft_and_everyone_with_an_agreement_is_asked_again(
    client, dpo, draft, make_agreement, employee, mailoutbox
):
    agreement = make_agreement("active")
    client.force_login(dpo)
    form = client.get(PUBLISH).context["form"]
    response = client.post(
        PUBLISH, {"note": "Unterweisung neu", "revision": draft.revision, "base": 1}
    )
    version = ChecklistVersion.objects.get(number=2)
    assert response["Location"] == reverse("agreements:checklist_version", args=[2])
    assert version.items == draft.items and version.published_by == dpo
    assert version.note == "Unterweisung neu"
    assert not ChecklistDraft.objects.exists()
    assert form.initial["revision"] == draft.revision

    # The existing mechanism asks the employee on the next daily run.
    assert request_pledge_renewals(TODAY) == 1
    assert PledgeRenewalRequest.objects.get(version=version).employee == agreement.employee
    # The old pledge keeps its answers by the old keys; the new one answers the new keys.
    old = Pledge.objects.get(employee=agreement.employee, version__number=1)
    assert set(old.answers) == {"lock", "screen", "vpn", "filter"}
    new = services.pledge_sign(by=employee, answers=all_yes(version), today=TODAY)
    assert new.is_valid and set(new.answers) == {i["key"] for i in version.items}


def test_it_publishes_nothing_when_the_draft_changed_since_the_confirmation(
    client, dpo, draft, checklist
):
    client.force_login(dpo)
    seen = draft.revision
    services.checklist_draft_save(
        by=dpo, items=[*draft.items, {"text": "Noch ein Punkt", "mandatory": False}]
    )
    response = client.post(PUBLISH, {"note": "", "revision": seen, "base": 1}, follow=True)
    assert "hat sich inzwischen geändert" in response.content.decode()
    assert ChecklistVersion.objects.count() == 1


def test_it_publishes_nothing_when_another_version_appeared_meanwhile(dpo, draft, publish):
    publish(items=CHECKLIST_ITEMS[:2])  # version 2, published beside the draft
    with pytest.raises(DomainError, match="hat sich inzwischen geändert"):
        services.checklist_draft_publish(by=dpo, revision=draft.revision, base_number=1)
    assert ChecklistVersion.objects.count() == 2


def test_it_discards_the_draft(client, dpo, draft):
    client.force_login(dpo)
    response = client.post(reverse("agreements:checklist_discard"), follow=True)
    assert "Der Entwurf ist verworfen" in response.content.decode()
    assert not ChecklistDraft.objects.exists()


# --------------------------------------------------------------------------- versions


def test_it_lists_every_version_with_who_published_it_and_its_items(
    client, dpo, publish, django_assert_max_num_queries
):
    dpo.first_name, dpo.last_name = "Dana", "Schutz"
    dpo.save()
    publish(note="Erste Fassung")
    publish(items=CHECKLIST_ITEMS[:2], note="Kürzer")
    client.force_login(dpo)
    client.get(HOME)
    with django_assert_max_num_queries(14) as few:
        response = client.get(HOME)
    body = response.content.decode()
    assert "Aktuell gilt Version 2" in body
    rows = body.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.index("Version 2") < rows.index("Version 1")
    assert rows.count("Dana Schutz") == 2
    assert "Kürzer" in rows and "Erste Fassung" in rows
    assert [
        (v.number, v.mandatory_count, v.recommended_count) for v in response.context["versions"]
    ] == [
        (2, 2, 0),
        (1, 3, 1),
    ]
    for _ in range(10):
        publish()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(HOME)


def test_it_shows_a_version_as_published_with_what_it_changed(client, dpo, publish):
    publish()
    publish(items=CHECKLIST_ITEMS[:3], note="Ohne Blickschutz")
    client.force_login(dpo)
    body = client.get(reverse("agreements:checklist_version", args=[2])).content.decode()
    assert "Checkliste Datenschutz, Version 2" in body
    for item in CHECKLIST_ITEMS[:3]:
        assert item["text"] in body
    assert "Unterschiede zu Version 1" in body and "Entfernt" in body
    assert client.get(reverse("agreements:checklist_version", args=[9])).status_code == 404


def test_it_shows_the_officer_missing_pledges_per_unit_never_names(client, dpo, checklist, org):
    from rathausmobil.agreements.models import Agreement, AgreementStatus, WorkKind
    from rathausmobil.organisation.tests.factories import EmployeeFactory

    people = [EmployeeFactory(unit=org["A1"], last_name=f"Ohnepflicht{i}") for i in range(6)]
    people.append(EmployeeFactory(unit=org["B1"], last_name="Einzelfall"))
    for person in people:
        Agreement.objects.create(
            employee=person,
            kind=WorkKind.ALTERNATING,
            weekdays=[0],
            start_date=TODAY,
            status=AgreementStatus.PENDING,
        )
    client.force_login(dpo)
    page = client.get(reverse("agreements:checklist_edit")).content.decode()
    assert "7 Personen mit Vereinbarung ohne gültige Erklärung" in page
    assert "Ohnepflicht" not in page and "Einzelfall" not in page
    assert ">6</td>" in page  # A1, exact
    assert "&lt; 5</td>" in page  # B1: one person, a small group
