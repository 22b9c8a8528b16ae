import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathausmobil.core.forms import BootstrapForm, DateInput
from rathausmobil.reports.dashboard import unit_for_dashboard


class FiguresForm(BootstrapForm):
    """The dashboard's filter: a Stichtag (today by default) and a unit."""

    stichtag = forms.DateField(
        label=_("Stichtag"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "Leer lassen für heute. Ein vergangener Tag zeigt die Zahlen, wie sie damals standen."
        ),
    )
    einheit = forms.CharField(
        label=_("Organisationseinheit (mit allen darunter)"), required=False, max_length=32
    )

    def clean_stichtag(self) -> dt.date | None:
        day = self.cleaned_data["stichtag"]
        today = timezone.localdate()
        if day is not None and day > today:
            raise forms.ValidationError(
                _("Der Stichtag liegt in der Zukunft. Kennzahlen gibt es nur bis heute.")
            )
        return None if day == today else day

    def clean_einheit(self):
        code = self.cleaned_data["einheit"].strip()
        if not code:
            return None
        unit = unit_for_dashboard(code)
        if unit is None:
            raise forms.ValidationError(
                _("Eine Einheit „%(code)s“ gibt es nicht. Bitte einen Vorschlag wählen.")
                % {"code": code}
            )
        return unit
