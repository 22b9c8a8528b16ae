"""Whether the work of a position (Stelle) can move out of the office.

A supervisor assesses a position against the criteria E1–E7: for each criterion,
the share of the position's working time that it binds to the office. The result
is derived from the shares by `services.derive_result`, never typed in.
Re-assessment keeps the earlier assessment as history (`is_current = False`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Criterion:
    code: str
    field: str
    label: str
    help_text: str
    temporary: bool = False


# The order of DOMAIN.md's list; E5 and E7 are temporary (they need a review date).
CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "E1",
        "share_e1",
        _("E1 Persönlicher Kundenkontakt"),
        _(
            "Beratung und Bedienung von Bürgerinnen und Bürgern, Kindern oder Kundschaft "
            "vor Ort, die sich nicht per Telefon, Video oder online erledigen lässt."
        ),
    ),
    Criterion(
        "E2",
        "share_e2",
        _("E2 Außendienst oder körperliche Arbeit"),
        _("Streife, Kontrollen, Baustellen, Grünpflege, Transport, Hausdienst, Post."),
    ),
    Criterion(
        "E3",
        "share_e3",
        _("E3 Gesetzlich persönliche Handlungen"),
        _(
            "Was das Gesetz in Anwesenheit verlangt: Biometrie und Ausgabe von Ausweisen, "
            "Eheschließungen, Bargeld."
        ),
    ),
    Criterion(
        "E4",
        "share_e4",
        _("E4 Mindestbesetzung oder Bereitschaft"),
        _(
            "Zeit, in der die Person für eine Mindestbesetzung oder einen Bereitschaftsdienst vor Ort gebraucht wird."
        ),
    ),
    Criterion(
        "E5",
        "share_e5",
        _("E5 Papierakten noch nicht digitalisiert (vorübergehend)"),
        _("Arbeit mit Akten, die das Haus nicht verlassen dürfen. Braucht ein Überprüfungsdatum."),
        temporary=True,
    ),
    Criterion(
        "E6",
        "share_e6",
        _("E6 Sehr hoher Schutzbedarf der Daten"),
        _("Daten, deren Verarbeitung außerhalb des Hauses auch mit VPN nicht vertretbar ist."),
    ),
    Criterion(
        "E7",
        "share_e7",
        _("E7 Besondere Ausstattung vor Ort (vorübergehend)"),
        _(
            "Geräte oder Anlagen, die es nur im Haus gibt (noch keine mobile Lösung). "
            "Braucht ein Überprüfungsdatum."
        ),
        temporary=True,
    ),
)
CRITERIA_BY_CODE = {criterion.code: criterion for criterion in CRITERIA}
SHARE_FIELDS = tuple(criterion.field for criterion in CRITERIA)


class EligibilityResult(models.TextChoices):
    ELIGIBLE = "eligible", _("geeignet")
    PARTIAL = "partial", _("teilweise geeignet")
    NOT_ELIGIBLE = "not_eligible", _("nicht geeignet")


def _share_field(criterion: Criterion) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        criterion.label,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Anteil der Arbeitszeit in Prozent, der dadurch an das Büro gebunden ist."),
    )


class PositionAssessmentQuerySet(models.QuerySet):
    def current(self) -> PositionAssessmentQuerySet:
        return self.filter(is_current=True)


class PositionAssessment(models.Model):
    """One assessment of one position. Exactly one per position is current; a
    re-assessment marks the old one superseded and keeps it as history."""

    position = models.ForeignKey(
        "organisation.Position",
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("Stelle"),
    )
    share_e1 = _share_field(CRITERIA[0])
    share_e2 = _share_field(CRITERIA[1])
    share_e3 = _share_field(CRITERIA[2])
    share_e4 = _share_field(CRITERIA[3])
    share_e5 = _share_field(CRITERIA[4])
    share_e6 = _share_field(CRITERIA[5])
    share_e7 = _share_field(CRITERIA[6])
    result = models.CharField(_("Ergebnis"), max_length=16, choices=EligibilityResult.choices)
    movable_share = models.PositiveSmallIntegerField(
        _("mobil möglicher Anteil (%)"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("100 minus die Summe der gebundenen Anteile (höchstens 100)."),
    )
    reasons = models.TextField(_("Begründung"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bewertet durch (Konto)"),
    )
    assessor_name = models.CharField(
        _("bewertet durch"),
        max_length=200,
        blank=True,
        help_text=_("Name zum Zeitpunkt der Bewertung; bleibt lesbar, wenn das Konto endet."),
    )
    assessed_on = models.DateField(_("bewertet am"))
    review_date = models.DateField(_("zu überprüfen bis"), null=True, blank=True)
    is_current = models.BooleanField(_("aktuell"), default=True)
    superseded_at = models.DateTimeField(_("abgelöst am"), null=True, blank=True)
    created_at = models.DateTimeField(_("erfasst"), auto_now_add=True)

    objects = PositionAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("Eignungsbewertung")
        verbose_name_plural = _("Eignungsbewertungen")
        ordering = ["position_id", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["position"],
                condition=models.Q(is_current=True),
                name="one_current_assessment_per_position",
            ),
            models.CheckConstraint(
                condition=models.Q(movable_share__lte=100),
                name="assessment_movable_share_max_100",
            ),
            models.CheckConstraint(
                condition=models.Q(is_current=True, superseded_at__isnull=True)
                | models.Q(is_current=False, superseded_at__isnull=False),
                name="assessment_superseded_iff_not_current",
            ),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__lte": 100}),
                    name=f"assessment_{name}_max_100",
                )
                for name in SHARE_FIELDS
            ],
        ]
        indexes = [models.Index(fields=["review_date"], name="assessment_review_idx")]

    def __str__(self) -> str:
        return f"{self.position.number}: {self.get_result_display()} ({self.assessed_on:%d.%m.%Y})"

    @property
    def shares(self) -> dict[str, int]:
        return {criterion.code: getattr(self, criterion.field) for criterion in CRITERIA}

    @property
    def share_rows(self) -> list[tuple[Criterion, int]]:
        """(criterion, share) for the page's table."""
        return [(criterion, getattr(self, criterion.field)) for criterion in CRITERIA]

    @property
    def shares_summary(self) -> str:
        """The criteria with a share, e.g. "E1 40 %, E3 20 %" ("–" if none)."""
        parts = [f"{code} {share} %" for code, share in self.shares.items() if share]
        return ", ".join(parts) or "–"

    @property
    def bound_share(self) -> int:
        return 100 - self.movable_share
