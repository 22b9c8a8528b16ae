"""Form errors as every form shows them: the field marked (aria-invalid, its message
named by aria-describedby) and a summary on top that links to the fields."""

import re

from django import forms
from django.template.loader import render_to_string

from rathausmobil.core.forms import BootstrapForm


class PersonForm(BootstrapForm):
    name = forms.CharField(label="Name", help_text="Wie im Ausweis.")
    days = forms.MultipleChoiceField(
        label="Tage",
        choices=[("mo", "Montag"), ("di", "Dienstag")],
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label="Anmerkung", required=False)

    def clean(self):
        data = super().clean()
        if data.get("name") == "Niemand":
            raise forms.ValidationError("So heißt niemand.")
        return data


def render(form) -> str:
    return render_to_string("includes/form_fields.html", {"form": form})


def tag(html: str, element_id: str) -> str:
    return re.search(rf'<[a-z]+ [^>]*id="{element_id}"[^>]*>', html).group(0)


def test_it_marks_a_field_with_an_error_and_links_its_message():
    html = render(PersonForm({"name": "", "note": "x"}))
    name = tag(html, "id_name")
    assert 'aria-invalid="true"' in name and "is-invalid" in name
    assert 'aria-describedby="id_name_helptext id_name_errors"' in name
    assert re.search(r'id="id_name_errors"[^>]*>.*Dieses Feld ist zwingend erforderlich', html)
    # A field without an error stays unmarked.
    note = tag(html, "id_note")
    assert "aria-invalid" not in note and "is-invalid" not in note


def test_it_marks_every_box_of_a_checkbox_list():
    html = render(PersonForm({"name": "Erika"}))
    for box in ("id_days_0", "id_days_1"):
        assert 'aria-invalid="true"' in tag(html, box)
        assert 'aria-describedby="id_days_errors"' in tag(html, box)
    assert 'id="id_days_errors"' in html


def test_it_sums_up_the_errors_on_top_with_links_and_takes_the_focus():
    html = render(PersonForm({"name": "Niemand"}))
    summary = tag(html, "form-errors")
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary and "autofocus" in summary
    assert "So heißt niemand." in html
    assert '<a href="#id_days_0" class="alert-link">Tage</a>' in html
    assert html.index('id="form-errors"') < html.index('id="id_name"')


def test_it_shows_no_summary_and_no_marks_without_errors():
    html = render(PersonForm())
    assert "form-errors" not in html and "aria-invalid" not in html
    assert 'aria-describedby="id_name_helptext"' in tag(html, "id_name")


def test_it_marks_a_field_the_view_adds_an_error_to():
    form = PersonForm({"name": "Erika", "days": ["mo"]})
    assert form.is_valid()
    form.add_error("note", "Das passt nicht zu den Tagen.")
    note = tag(render(form), "id_note")
    assert 'aria-invalid="true"' in note and 'aria-describedby="id_note_errors"' in note
