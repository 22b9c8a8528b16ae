from django.conf import settings
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


class ReportSubscription(models.Model):
    """A person receives a report by mail every month (the Lagebericht for leadership):
    made on the first working day as of the last day of the month before, with the
    figures this person may read (reports/mailing.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="report_subscriptions",
        verbose_name=_("Empfänger/in"),
    )
    report = models.CharField(_("Bericht"), max_length=32)
    unit = models.ForeignKey(
        "organisation.OrgUnit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Organisationseinheit"),
    )
    created_at = models.DateTimeField(_("bestellt am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Bericht im Abonnement")
        verbose_name_plural = _("Berichte im Abonnement")
        constraints = [
            models.UniqueConstraint(fields=["user", "report"], name="subscription_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.report} → {self.user_id}"


class ReportDelivery(models.Model):
    """One month's mail of a subscription: written before the mail leaves, so that a
    second run of the same month sends nothing twice; `error` when sending failed."""

    subscription = models.ForeignKey(
        ReportSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    month = models.DateField(_("Monat"))  # the first day of the month reported on
    sent_at = models.DateTimeField(_("versandt am"), null=True, blank=True)
    error = models.TextField(_("Fehler"), blank=True)

    class Meta:
        verbose_name = _("Versand eines Berichts")
        verbose_name_plural = _("Versand von Berichten")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "month"], name="delivery_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.month:%m.%Y}"


class ReportFileState(models.TextChoices):
    QUEUED = "queued", _("eingereiht")
    RUNNING = "running", _("wird erstellt")
    DONE = "done", _("fertig")
    FAILED = "failed", _("fehlgeschlagen")


class ReportFile(models.Model):
    """A report's file made by the background worker (a PDF, REPORTS_BACKGROUND_FORMATS),
    asked for on the report's page and fetched there by the person who asked; deleted by
    the daily job after REPORT_FILES_KEEP_HOURS (reports/files.py)."""

    report = models.CharField(_("Bericht"), max_length=32)  # a name in REPORTS
    fmt = models.CharField(_("Format"), max_length=8)
    on = models.DateField(_("Stichtag"))
    unit = models.ForeignKey(
        "organisation.OrgUnit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Einheit"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(
        _("Stand"), max_length=16, choices=ReportFileState.choices, default=ReportFileState.QUEUED
    )
    task_id = models.CharField(max_length=64, blank=True)
    message = models.TextField(_("Meldung"), blank=True)
    filename = models.CharField(_("Dateiname"), max_length=120, blank=True)
    content = models.BinaryField(_("Inhalt"), default=b"", blank=True)
    size = models.PositiveIntegerField(_("Größe in Bytes"), default=0)
    requested_at = models.DateTimeField(_("angefordert"), auto_now_add=True)
    finished_at = models.DateTimeField(_("fertig"), null=True, blank=True)

    class Meta:
        verbose_name = _("Berichtsdatei")
        verbose_name_plural = _("Berichtsdateien")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["requested_at"], name="report_file_age_idx")]

    def __str__(self) -> str:
        return f"{self.report} {self.on:%d.%m.%Y} ({self.fmt})"
