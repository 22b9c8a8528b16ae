from django import forms
from django.utils.translation import gettext_lazy as _

from rathausmobil.organisation.models import ImportKind


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Was wird importiert?"),
        choices=ImportKind.choices,
        widget=forms.RadioSelect,
        initial=ImportKind.EMPLOYEES,
    )
    file = forms.FileField(
        label=_("Datei"),
        help_text=_("CSV (Trennzeichen ; oder ,) in UTF-8 oder Windows-1252, oder Excel (.xlsx)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
