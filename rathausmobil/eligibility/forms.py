"""Forms parse input; the rules live in services.assessment_create."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rathausmobil.eligibility.models import CRITERIA, PositionAssessment

# DomainError codes of the service and the field they belong to on the page.
ERROR_FIELDS = {
    "reasons_required": "reasons",
    "review_date_required": "review_date",
    "review_date_past": "review_date",
}


class AssessmentForm(forms.Form):
    reasons = forms.CharField(
        label=_("Begründung"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Pflicht, wenn die Stelle nicht vollständig geeignet ist: Welche Aufgaben "
            "binden an das Büro und warum? Eine bloße Vorliebe ist keine Begründung."
        ),
    )
    review_date = forms.DateField(
        label=_("Überprüfen bis"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "Pflicht bei E5 oder E7 (vorübergehende Hindernisse); muss in der Zukunft liegen."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        share_fields = {
            criterion.field: forms.IntegerField(
                label=criterion.label,
                min_value=0,
                max_value=100,
                initial=0,
                help_text=criterion.help_text,
                widget=forms.NumberInput(attrs={"step": 1, "inputmode": "numeric"}),
            )
            for criterion in CRITERIA
        }
        # Shares first, in the order of the criteria.
        self.fields = {**share_fields, **self.fields}

    @classmethod
    def initial_from(cls, assessment: PositionAssessment | None) -> dict:
        if assessment is None:
            return {}
        initial = {criterion.field: getattr(assessment, criterion.field) for criterion in CRITERIA}
        if assessment.review_date:
            initial["review_date"] = assessment.review_date
        return initial

    @property
    def share_bound_fields(self):
        return [self[criterion.field] for criterion in CRITERIA]

    def shares(self) -> dict[str, int]:
        return {
            criterion.code: self.cleaned_data.get(criterion.field) or 0 for criterion in CRITERIA
        }

    def add_domain_error(self, error) -> None:
        self.add_error(ERROR_FIELDS.get(error.code), error.message)

    def decorate(self) -> AssessmentForm:
        """Bootstrap classes and ARIA links to help and error texts (call before rendering)."""
        for name, field in self.fields.items():
            bound = self[name]
            attrs = field.widget.attrs
            attrs["class"] = "form-control" + (" is-invalid" if bound.errors else "")
            described = []
            if field.help_text:
                described.append(f"{bound.auto_id}_helptext")  # as includes/field.html
            if bound.errors:
                described.append(f"{bound.auto_id}_errors")
                attrs["aria-invalid"] = "true"
            if described:
                attrs["aria-describedby"] = " ".join(described)
        return self
