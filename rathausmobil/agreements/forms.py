import contextlib
import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from rathausmobil.agreements.models import (
    TEMPORARY_REASONS,
    PatternType,
    ReasonCode,
    RuleSettings,
    WorkKind,
    WorkRequest,
)
from rathausmobil.agreements.selectors import WEEKDAY_NAMES
from rathausmobil.agreements.services.requests_and_offers import (
    EMPLOYER_ONLY_KINDS,
    refusal_problems,
)
from rathausmobil.core.forms import BootstrapForm, BootstrapModelForm, DateInput

WEEKDAY_CHOICES = list(enumerate(WEEKDAY_NAMES))


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
    """What an employee asks for. Kinds only the employer offers are not offered
    (the service refuses them too), and the end explains what "open" means."""

    text = forms.CharField(
        label=_("Ihr Anliegen (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Zum Beispiel, warum Ihnen mobiles Arbeiten hilft. Eine Begründung ist nicht nötig."
        ),
    )

    def __init__(self, *args, rules: RuleSettings, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        kind.choices = [(v, label) for v, label in kind.choices if v not in EMPLOYER_ONLY_KINDS]
        self.fields["share_percent"].help_text = _(
            "Höchstens %(quota)s %% Ihrer Wochenarbeitszeit; mehr nur als begründete Ausnahme."
        ) % {"quota": rules.home_quota_percent}
        self.fields["end_date"].label = _("Ende (leer lassen: Ende offen)")
        self.fields["end_date"].help_text = _(
            "Ende offen heißt: Die Vereinbarung gilt höchstens %(months)s Monate ab Beginn. "
            "%(days)s Tage vor dem Ende werden Sie und Ihre Leitung gefragt, ob es weitergehen "
            "soll; eine Verlängerung ist eine neue Vereinbarung, der Sie wieder zustimmen. Ein "
            "späteres Ende als die Höchstlaufzeit wird auf sie gekürzt."
        ) % {"months": rules.max_term_months, "days": rules.expiry_reminder_days}


def pattern_preview(data) -> WorkRequest:
    """An unsaved request from what the form holds so far, read leniently (a half-typed
    value counts as not given): for the live quota sentence while the person types."""

    def number(name: str) -> int | None:
        try:
            return int(str(data.get(name, "")).strip())
        except ValueError:
            return None

    working_days = number("working_days_per_week")
    start = None
    with contextlib.suppress(ValueError, TypeError):
        start = dt.date.fromisoformat(data.get("start_date") or "")
    return WorkRequest(
        pattern_type=data.get("pattern_type") or PatternType.WEEKDAYS,
        weekdays=sorted({int(d) for d in data.getlist("weekdays") if d.isdigit() and int(d) < 6}),
        working_days_per_week=working_days if working_days and 1 <= working_days <= 6 else 5,
        share_percent=number("share_percent"),
        start_date=start,
    )


class OfferForm(PatternForm):
    text = forms.CharField(
        label=_("Hinweise zum Angebot"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    quota_exception_reason = forms.CharField(
        label=_("Begründung einer Ausnahme vom Höchstanteil"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Nur nötig, wenn das Angebot über dem Höchstanteil liegt (außer einem "
            "Pandemie-Angebot während einer Pandemielage)."
        ),
    )


class ApprovalForm(BootstrapForm):
    """The head approves: an optional note, and the reason for an exception when the
    share is above the quota (the service checks it)."""

    decision = forms.CharField(widget=forms.HiddenInput, initial="approve")
    quota_exception_reason = forms.CharField(
        label=_("Begründung der Ausnahme vom Höchstanteil"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Nur nötig, wenn der Antrag über dem Höchstanteil liegt: Warum ist hier mehr "
            "Homeoffice richtig? (mindestens 20 Zeichen)"
        ),
    )
    comment = forms.CharField(
        label=_("Anmerkung zur Genehmigung (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Die/der Beschäftigte liest sie mit der Genehmigung."),
    )


class RefusalForm(BootstrapForm):
    """The head refuses: at least one reason code, a written justification, and a
    review date only for the temporary reasons. The rules are the service's
    (`refusal_problems`); this form puts each message at its field."""

    decision = forms.CharField(widget=forms.HiddenInput, initial="reject")
    reason_codes = forms.MultipleChoiceField(
        label=_("Ablehnungsgründe"),
        choices=ReasonCode.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Mindestens ein Grund. R4, R5 und R6 sind vorübergehend: Der Antrag kommt am Tag "
            "der Wiedervorlage wieder in Ihren Eingang."
        ),
    )
    justification = forms.CharField(
        label=_("Begründung"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Pflicht: Warum kann diese Arbeit nicht mobil erledigt werden? Die/der Beschäftigte "
            "und der Personalrat lesen sie."
        ),
    )
    review_date = forms.DateField(
        label=_("Wiedervorlage am (nur bei R4, R5, R6)"),
        required=False,
        widget=DateInput(),
        help_text=_("Bis wann ist der vorübergehende Grund behoben?"),
    )

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        data = super().clean()
        codes = sorted(set(data.get("reason_codes") or []))
        if "review_date" in self.errors:  # not a date: the field says so already
            return data
        problems = refusal_problems(
            codes, (data.get("justification") or "").strip(), data.get("review_date"), self.today
        )
        for field, message in problems.items():
            self.add_error(field, message)
        if not any(c in TEMPORARY_REASONS for c in codes):
            data["review_date"] = None
        return data


DECISION_FORMS = {"approve": ApprovalForm, "reject": RefusalForm}


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
