from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from rathausmobil.core.forms import BootstrapForm, DateInput
from rathausmobil.organisation.models import OrgUnit
from rathausmobil.presence.models import Building, Cohort, Qualification, Room, Team, Weekday


class RoomForm(BootstrapForm):
    building = forms.ModelChoiceField(
        label=_("Gebäude"), queryset=Building.objects.select_related("site").order_by("name")
    )
    code = forms.CharField(
        label=_("Raum"),
        max_length=32,
        help_text=_("Die Raumnummer, wie sie im Plan steht, z. B. RH-104."),
    )
    name = forms.CharField(label=_("Bezeichnung"), max_length=200, required=False)
    desks = forms.IntegerField(label=_("Arbeitsplätze"), min_value=0, max_value=32767)
    area_m2 = forms.DecimalField(
        label=_("Fläche (m²)"),
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=2,
        localize=True,
        help_text=_("Für die Pandemiegrenze: eine Person je 10 m², höchstens die Arbeitsplätze."),
    )
    pandemic_desks_override = forms.IntegerField(
        label=_("Pandemiegrenze (fest)"),
        required=False,
        min_value=0,
        max_value=32767,
        help_text=_("Leer lassen, um sie aus der Fläche zu berechnen."),
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Einheiten, deren Beschäftigte den Raum nutzen"),
        queryset=OrgUnit.objects.order_by("code"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Mehrere mit Strg (Mac: Cmd) oder Umschalt auswählen."),
    )

    def clean(self):
        data = super().clean()
        limit, desks = data.get("pandemic_desks_override"), data.get("desks")
        if limit is not None and desks is not None and limit > desks:
            self.add_error(
                "pandemic_desks_override",
                _("Die Pandemiegrenze kann nicht über der Zahl der Arbeitsplätze liegen."),
            )
        return data


class CoverageRuleForm(BootstrapForm):
    weekday = forms.TypedChoiceField(label=_("Wochentag"), choices=Weekday.choices[:5], coerce=int)
    min_people = forms.IntegerField(label=_("mindestens vor Ort"), min_value=1, max_value=999)
    qualification = forms.ModelChoiceField(
        label=_("davon mit Qualifikation"),
        queryset=Qualification.objects.order_by("name"),
        required=False,
        empty_label=_("– ohne (alle Beschäftigten zählen) –"),
        help_text=_("Gibt es die Regel für Tag und Qualifikation schon, wird sie geändert."),
    )


_SPAN = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*[-–]\s*(\d{1,2})(?:[:.](\d{2}))?")


def parse_spans(text: str) -> list[tuple[dt.time, dt.time]]:
    """ "08:00–12:00, 14-18" -> [(08:00, 12:00), (14:00, 18:00)]; raises ValueError."""
    spans = []
    for part in re.split(r"[,;]|\bund\b", text):
        part = part.strip()
        if not part:
            continue
        match = _SPAN.fullmatch(part)
        if not match:
            raise ValueError(part)
        h1, m1, h2, m2 = match.groups()
        spans.append((dt.time(int(h1), int(m1 or 0)), dt.time(int(h2), int(m2 or 0))))
    return spans


class OpeningHoursForm(BootstrapForm):
    """One text field per weekday: "08:00–12:00, 14:00–18:00", empty = closed."""

    def __init__(self, *args, hours=None, **kwargs):
        super().__init__(*args, **kwargs)
        hours = hours or {}
        for day, label in Weekday.choices:
            self.fields[f"day_{day}"] = forms.CharField(
                label=label,
                required=False,
                max_length=100,
                initial=", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in hours.get(day, [])),
                widget=forms.TextInput(
                    attrs={"class": "form-control", "placeholder": "08:00–12:00"}
                ),
            )
        self.fields["day_0"].help_text = _("z. B. 08:00–12:00, 14:00–18:00; leer: geschlossen")

    def clean(self):
        data = super().clean()
        self.hours = {}
        for day, _label in Weekday.choices:
            text = data.get(f"day_{day}") or ""
            try:
                spans = parse_spans(text)
            except ValueError as exc:
                self.add_error(
                    f"day_{day}",
                    _("„%(part)s“ ist keine Uhrzeit von–bis (z. B. 08:00–12:00).")
                    % {"part": exc.args[0]},
                )
                continue
            if spans:
                self.hours[day] = spans
        return data


class UnitRoomsForm(BootstrapForm):
    rooms = forms.ModelMultipleChoiceField(
        label=_("Räume der Einheit"),
        queryset=Room.objects.filter(is_active=True).select_related("building").order_by("code"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("Mehrere mit Strg (Mac: Cmd) oder Umschalt auswählen."),
    )


class AbsenceForm(BootstrapForm):
    employee = forms.ModelChoiceField(label=_("Beschäftigte/r"), queryset=None)
    start = forms.DateField(label=_("von"), widget=DateInput())
    end = forms.DateField(label=_("bis (einschließlich)"), widget=DateInput())

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = staff
        self.fields["employee"].label_from_instance = lambda e: (
            f"{e.last_name}, {e.first_name} ({e.personnel_number})"
        )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("Das Ende liegt vor dem Beginn."))
        return data


# --------------------------------------------------------------------------- profiles and teams

PLANNED_WEEKDAYS = Weekday.choices[:5]  # the plan runs Monday to Friday


def _weekdays(label, *, required=False, help_text=""):
    return forms.TypedMultipleChoiceField(
        label=label,
        choices=PLANNED_WEEKDAYS,
        coerce=int,
        required=required,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class ProfileForm(BootstrapForm):
    """A person's presence profile; the rules across fields (presence and field days
    are working days, never both) are the service's (`services.profile_save`)."""

    working_days = _weekdays(
        _("Arbeitstage"),
        required=True,
        help_text=_("In Teilzeit nur die Tage, an denen die Person arbeitet."),
    )
    office_days = _weekdays(
        _("Feste Präsenztage"),
        help_text=_("An diesen Tagen plant der Planer die Person immer im Büro ein."),
    )
    field_days = _weekdays(
        _("Außendiensttage"),
        help_text=_("Unterwegs: weder im Büro noch zu Hause, und kein Platz belegt."),
    )
    cohort = forms.ChoiceField(
        label=_("Kohorte"),
        choices=Cohort.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "Gilt nur im Pandemiemodus: Gruppe A und Gruppe B sind dann nie am selben Tag im "
            "Büro. Sonst hat sie keine Wirkung."
        ),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("– kein Team –"),
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["team"].label_from_instance = lambda team: f"{team.code} – {team.name}"


class TeamForm(BootstrapForm):
    code = forms.CharField(
        label=_("Kennung"),
        max_length=32,
        help_text=_("Kurz, eindeutig in der Einheit, z. B. „Kasse“ oder „T1“."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    days = _weekdays(
        _("Teamtage"),
        help_text=_(
            "Tage, an denen das Team gern gemeinsam im Büro ist. Ein Wunsch, keine Regel: "
            "Der Planer erfüllt ihn, wo Besetzung und Plätze es erlauben."
        ),
    )


class MyAbsenceForm(BootstrapForm):
    """One's own absence on „Meine Woche“: dates only, never a reason."""

    start = forms.DateField(label=_("abwesend von"), widget=DateInput())
    end = forms.DateField(label=_("bis (einschließlich)"), widget=DateInput())

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("Das Ende liegt vor dem Beginn."))
        return data
