from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FigureSnapshot(models.Model):
    """The published figures (the rule of 5 applied) as of the end of one day, of the
    whole administration (`unit` empty) or of one unit and those below it: kept by the
    daily job so that a trend over twelve months reads twelve rows instead of rebuilding
    twelve days from the history (reports/snapshots.py)."""

    day = models.DateField(_("Stichtag"))
    unit = models.ForeignKey(
        "organisation.OrgUnit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Organisationseinheit"),
    )
    values = models.JSONField(_("Kennzahlen"))
    computed_at = models.DateTimeField(_("berechnet am"), auto_now=True)

    class Meta:
        verbose_name = _("Kennzahlen-Stand")
        verbose_name_plural = _("Kennzahlen-Stände")
        constraints = [
            models.UniqueConstraint(
                fields=["day"], condition=Q(unit__isnull=True), name="snapshot_day_unique"
            ),
            models.UniqueConstraint(
                fields=["unit", "day"],
                condition=Q(unit__isnull=False),
                name="snapshot_unit_day_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d.%m.%Y} {self.unit_id or ''}".strip()
