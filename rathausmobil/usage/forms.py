"""Forms of the usage pages: the period (with gateway) and IT's alias for an unmapped name."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from rathausmobil.access.models import VpnGateway
from rathausmobil.core.forms import BootstrapForm, DateInput
from rathausmobil.usage.selectors import MAX_PERIOD_DAYS, default_period


class PeriodForm(BootstrapForm):
    """From/to (local days, both inclusive); empty fields mean the 28 days ending yesterday."""

    von = forms.DateField(
        label=_("von"),
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        error_messages={"invalid": _("Bitte ein Datum angeben, zum Beispiel 2026-11-02.")},
    )
    bis = forms.DateField(
        label=_("bis"),
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        error_messages={"invalid": _("Bitte ein Datum angeben, zum Beispiel 2026-11-29.")},
    )

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        first, last = default_period(self.today)
        data["von"] = data.get("von") or (
            data["bis"] - dt.timedelta(days=27) if data.get("bis") else first
        )
        data["bis"] = data.get("bis") or last
        if data["bis"] < data["von"]:
            raise forms.ValidationError(_("Das Ende des Zeitraums liegt vor seinem Beginn."))
        if (data["bis"] - data["von"]).days + 1 > MAX_PERIOD_DAYS:
            raise forms.ValidationError(
                _("Der Zeitraum darf höchstens %(n)s Tage umfassen."), params={"n": MAX_PERIOD_DAYS}
            )
        return data

    def period(self) -> tuple[dt.date, dt.date]:
        return self.cleaned_data["von"], self.cleaned_data["bis"]


class GatewayPeriodForm(PeriodForm):
    gateway = forms.ModelChoiceField(
        label=_("VPN-Gateway"),
        queryset=VpnGateway.objects.order_by("name"),
        required=False,
        empty_label=_("alle Gateways"),
        error_messages={"invalid_choice": _("Dieses VPN-Gateway gibt es nicht.")},
    )


class AliasForm(BootstrapForm):
    """IT says which person a logged name belongs to."""

    name = forms.CharField(label=_("Name im Protokoll"), max_length=200)
    personnel_number = forms.CharField(
        label=_("Personalnummer"),
        max_length=32,
        help_text=_("Die Person, zu der der Name gehört."),
    )
    note = forms.CharField(
        label=_("Bemerkung"),
        max_length=200,
        required=False,
        help_text=_("Zum Beispiel: altes Konto, Zertifikat von Hand ausgestellt."),
    )
