from django import forms
from django.utils.translation import gettext_lazy as _

from rathausmobil.agreements.models import PatternType, ReasonCode, RuleSettings, WorkKind
from rathausmobil.core.forms import BootstrapForm, BootstrapModelForm, DateInput

WEEKDAY_CHOICES = [
    (0, _("Montag")),
    (1, _("Dienstag")),
    (2, _("Mittwoch")),
    (3, _("Donnerstag")),
    (4, _("Freitag")),
    (5, _("Samstag")),
]


class PatternForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Art"), choices=WorkKind.choices, widget=forms.RadioSelect)
    pattern_type = forms.ChoiceField(
        label=_("Wie wird die Zeit im Homeoffice festgelegt?"),
        choices=PatternType.choices,
        widget=forms.RadioSelect,
        initial=PatternType.WEEKDAYS,
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Wochentage im Homeoffice"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    working_days_per_week = forms.IntegerField(
        label=_("Ihre Arbeitstage pro Woche"),
        min_value=1,
        max_value=6,
        initial=5,
        help_text=_(
            "Bei Teilzeit an weniger Tagen: der Homeoffice-Anteil wird auf Ihre Arbeitstage bezogen."
        ),
    )
    share_percent = forms.IntegerField(
        label=_("Anteil der Wochenarbeitszeit im Homeoffice (%)"),
        min_value=1,
        max_value=100,
        required=False,
    )
    start_date = forms.DateField(label=_("Beginn"), widget=DateInput())
    end_date = forms.DateField(label=_("Ende (optional)"), widget=DateInput(), required=False)

    def pattern_values(self) -> dict:
        data = self.cleaned_data
        return {
            name: data.get(name)
            for name in (
                "kind",
                "pattern_type",
                "weekdays",
                "working_days_per_week",
                "share_percent",
                "start_date",
                "end_date",
            )
        }


class RequestForm(PatternForm):
    text = forms.CharField(
        label=_("Ihr Anliegen (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Zum Beispiel, warum Ihnen mobiles Arbeiten hilft. Eine Begründung ist nicht nötig."
        ),
    )


class OfferForm(PatternForm):
    text = forms.CharField(
        label=_("Hinweise zum Angebot"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(BootstrapForm):
    decision = forms.ChoiceField(
        label=_("Entscheidung"),
        choices=[("approve", _("genehmigen")), ("reject", _("ablehnen"))],
        widget=forms.RadioSelect,
    )
    reason_codes = forms.MultipleChoiceField(
        label=_("Ablehnungsgründe"),
        choices=ReasonCode.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Bei Ablehnung mindestens ein Grund. R4, R5 und R6 sind vorübergehend und brauchen eine Wiedervorlage."
        ),
    )
    justification = forms.CharField(
        label=_("Begründung"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Bei Ablehnung Pflicht: Warum kann diese Arbeit nicht mobil erledigt werden?"),
    )
    review_date = forms.DateField(label=_("Wiedervorlage am"), required=False, widget=DateInput())
    quota_exception_reason = forms.CharField(
        label=_("Begründung für eine Ausnahme vom Höchstanteil"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Nur nötig, wenn der Homeoffice-Anteil über dem Höchstanteil liegt."),
    )
    comment = forms.CharField(
        label=_("Anmerkung zur Genehmigung (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Begründung"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RevokeForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Begründung des Widerrufs"), widget=forms.Textarea(attrs={"rows": 3})
    )
    at_once = forms.BooleanField(label=_("Sofort aus wichtigem Grund (ohne Frist)"), required=False)


class WorkstationForm(BootstrapForm):
    home_address = forms.CharField(
        label=_("Anschrift des häuslichen Arbeitsplatzes"), widget=forms.Textarea(attrs={"rows": 2})
    )
    equipment_list = forms.CharField(
        label=_("Ausstattung (eine Position je Zeile)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    risk_assessment_date = forms.DateField(
        label=_("Erstmalige Gefährdungsbeurteilung am"), required=False, widget=DateInput()
    )


class RenewForm(BootstrapForm):
    end_date = forms.DateField(
        label=_("Neues Ende (optional, sonst Höchstlaufzeit)"), required=False, widget=DateInput()
    )


class PledgeForm(BootstrapForm):
    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        for item in version.items:
            field = forms.BooleanField(
                label=item["text"],
                required=False,
                help_text=_("Pflichtpunkt") if item.get("mandatory") else _("Empfehlung"),
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
            field.mandatory = bool(item.get("mandatory"))
            self.fields[f"item_{item['key']}"] = field

    def answers(self) -> dict[str, bool]:
        return {
            item["key"]: bool(self.cleaned_data.get(f"item_{item['key']}"))
            for item in self.version.items
        }


class RulesForm(BootstrapModelForm):
    class Meta:
        model = RuleSettings
        fields = [
            "home_quota_percent",
            "decision_deadline_days",
            "trial_months",
            "max_term_months",
            "employee_notice_weeks",
            "employer_notice_months",
            "expiry_reminder_days",
            "retention_refused_years",
            "retention_after_exit_years",
        ]


class PandemicPeriodForm(BootstrapForm):
    title = forms.CharField(
        label=_("Bezeichnung"), initial="Homeoffice-Angebotspflicht", max_length=200
    )
    legal_basis = forms.CharField(
        label=_("Rechtsgrundlage"), required=False, initial="§ 28b Abs. 7 IfSG", max_length=200
    )
    start_date = forms.DateField(label=_("von"), widget=DateInput())
    end_date = forms.DateField(label=_("bis"), required=False, widget=DateInput())


class GapReasonForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Zwingender betrieblicher Grund"), widget=forms.Textarea(attrs={"rows": 2})
    )
