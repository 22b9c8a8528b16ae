"""Forms of the page "Rollen und Leitungen". They find the person and the unit; whether
the change is allowed is the services' word (organisation/services.py)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from rathausmobil.core.forms import BootstrapForm
from rathausmobil.organisation.models import Employee, OrgUnit, Role

#: the id of the <datalist> the unit field's suggestions go into
UNIT_OPTIONS_ID = "rolle-einheit-vorschlaege"


def reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Grund oder Aktenzeichen"),
        max_length=500,
        help_text=_(
            "Zum Beispiel „Antrag der Amtsleitung vom 01.12.“ oder „Verfügung 11/2026“. "
            "Steht im Protokoll der Änderungen."
        ),
    )


def user_for(text: str):
    """The active user account a login name or a personnel number names, or None."""
    text = text.strip()
    if not text:
        return None
    User = get_user_model()
    user = User.objects.filter(username__iexact=text).first()
    if user is None:
        person = (
            Employee.objects.filter(personnel_number__iexact=text, user__isnull=False)
            .select_related("user")
            .first()
        )
        user = person.user if person else None
    return user


class RoleGrantForm(BootstrapForm):
    person = forms.CharField(
        label=_("Person"),
        max_length=150,
        help_text=_("Benutzername oder Personalnummer"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(label=_("Rolle"))
    unit = forms.CharField(
        label=_("Organisationseinheit"),
        max_length=32,
        required=False,
        help_text=_(
            "Nur für „Vorgesetzte“ (Vertretung einer Leitung): die Kennung der Einheit; "
            "die Vertretung gilt auch für alle Einheiten darunter. Sonst leer lassen."
        ),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "list": UNIT_OPTIONS_ID,
                "hx-get": reverse_lazy("organisation:unit_search"),
                "hx-trigger": "focus once, input changed delay:250ms",
                "hx-target": f"#{UNIT_OPTIONS_ID}",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        ),
    )
    reason = reason_field()

    def __init__(self, *args, roles: list[Role], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            ("", _("bitte wählen")),
            *((r.value, r.label) for r in roles),
        ]

    def clean_person(self):
        user = user_for(self.cleaned_data["person"])
        if user is None:
            raise forms.ValidationError(
                _("Kein Benutzerkonto mit diesem Benutzernamen oder dieser Personalnummer.")
            )
        return user

    def clean_unit(self):
        code = self.cleaned_data["unit"].strip()
        if not code:
            return None
        unit = OrgUnit.objects.filter(code=code).first()
        if unit is None:
            raise forms.ValidationError(
                _("Keine Organisationseinheit mit der Kennung „%(code)s“.") % {"code": code}
            )
        return unit

    def clean(self):
        data = super().clean()
        role, unit = data.get("role"), data.get("unit")
        if role == Role.SUPERVISOR and unit is None and "unit" not in self.errors:
            self.add_error(
                "unit", _("Geben Sie die Einheit an, deren Leitung die Person vertritt.")
            )
        elif role and role != Role.SUPERVISOR and unit is not None:
            self.add_error("unit", _("Nur die Rolle „Vorgesetzte“ gilt für eine Einheit."))
        return data


class ReasonForm(BootstrapForm):
    """Taking a role, or a unit's head, away: only the reason."""

    reason = reason_field()


class HeadForm(BootstrapForm):
    head = forms.CharField(
        label=_("Personalnummer der neuen Leitung"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    reason = reason_field()

    def clean_head(self):
        number = self.cleaned_data["head"].strip()
        person = Employee.objects.filter(personnel_number__iexact=number).first()
        if person is None:
            raise forms.ValidationError(
                _("Keine Beschäftigte/r mit der Personalnummer „%(number)s“.") % {"number": number}
            )
        return person
