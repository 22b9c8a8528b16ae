"""Requests, offers, agreements and the data-protection pledge.

Statuses change only through the services (services/), which move them through
the workflows in workflow.py; each move writes one `core.StatusChange` row, which
the record lists as its `history`.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

WEEKDAY_LABELS = ["Mo", "Di", "Mi", "Do", "Fr", "Sa"]


class WorkKind(models.TextChoices):
    ALTERNATING = "alternating", _("Alternierende mobile Arbeit")
    OCCASIONAL = "occasional", _("Gelegentliche mobile Arbeit")
    TELEWORK = "telework", _("Telearbeit (fester häuslicher Arbeitsplatz)")
    PANDEMIC = "pandemic", _("Pandemie-Angebot")


class PatternType(models.TextChoices):
    WEEKDAYS = "weekdays", _("feste Wochentage")
    SHARE = "share", _("Anteil der Wochenarbeitszeit")


class ReasonCode(models.TextChoices):
    R1 = "R1", _("R1 Persönlicher Kundenkontakt vor Ort")
    R2 = "R2", _("R2 Mindestbesetzung nicht gesichert")
    R3 = "R3", _("R3 Daten mit sehr hohem Schutzbedarf")
    R4 = "R4", _("R4 Papierakten noch nicht digitalisiert (vorübergehend)")
    R5 = "R5", _("R5 Ausstattung nicht verfügbar (vorübergehend)")
    R6 = "R6", _("R6 Einarbeitungszeit (vorübergehend)")
    R7 = "R7", _("R7 Häuslicher Arbeitsplatz ungeeignet")
    R8 = "R8", _("R8 Dokumentierte Leistungsbedenken")


TEMPORARY_REASONS = frozenset({ReasonCode.R4, ReasonCode.R5, ReasonCode.R6})


class RuleSettings(models.Model):
    """The rule parameters HR sets in the app. One row (pk=1)."""

    home_quota_percent = models.PositiveSmallIntegerField(
        _("Höchstanteil Homeoffice (% der Wochenarbeitszeit)"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    decision_deadline_days = models.PositiveSmallIntegerField(
        _("Entscheidungsfrist (Tage)"), default=28, validators=[MinValueValidator(1)]
    )
    trial_months = models.PositiveSmallIntegerField(
        _("Probezeit der ersten Vereinbarung (Monate)"),
        default=6,
        validators=[MaxValueValidator(24)],
    )
    max_term_months = models.PositiveSmallIntegerField(
        _("Höchstlaufzeit einer Vereinbarung (Monate)"),
        default=36,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    employee_notice_weeks = models.PositiveSmallIntegerField(
        _("Kündigungsfrist für Beschäftigte (Wochen)"), default=4
    )
    employer_notice_months = models.PositiveSmallIntegerField(
        _("Widerrufsfrist für den Arbeitgeber (Monate)"), default=3
    )
    expiry_reminder_days = models.PositiveSmallIntegerField(
        _("Erinnerung vor Ablauf (Tage)"), default=60, validators=[MinValueValidator(1)]
    )
    retention_refused_years = models.PositiveSmallIntegerField(
        _("Aufbewahrung abgelehnter Anträge (Jahre nach dem Jahr der Entscheidung)"),
        default=3,
        validators=[MinValueValidator(1)],
    )
    retention_after_exit_years = models.PositiveSmallIntegerField(
        _("Aufbewahrung von Vereinbarungen nach dem Austritt (Jahre)"),
        default=3,
        validators=[MinValueValidator(1)],
    )
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Regeln")
        verbose_name_plural = _("Regeln")

    def __str__(self) -> str:
        return str(_("Regeln für mobiles Arbeiten"))

    @classmethod
    def current(cls) -> RuleSettings:
        rules, _created = cls.objects.get_or_create(pk=1)
        return rules


class WorkPattern(models.Model):
    """What is asked, offered or agreed: kind, pattern, period."""

    kind = models.CharField(_("Art"), max_length=16, choices=WorkKind.choices)
    pattern_type = models.CharField(
        _("Muster"), max_length=16, choices=PatternType.choices, default=PatternType.WEEKDAYS
    )
    weekdays = models.JSONField(
        _("Wochentage im Homeoffice"),
        default=list,
        blank=True,
        help_text=_("0 = Montag … 4 = Freitag"),
    )
    working_days_per_week = models.PositiveSmallIntegerField(
        _("Arbeitstage pro Woche"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
    )
    share_percent = models.PositiveSmallIntegerField(
        _("Anteil Homeoffice (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    start_date = models.DateField(_("Beginn"))
    end_date = models.DateField(_("Ende"), null=True, blank=True)
    quota_exception_reason = models.TextField(
        _("Begründung für Überschreitung des Höchstanteils"), blank=True
    )

    class Meta:
        abstract = True

    @property
    def home_share_percent(self) -> Decimal:
        """The share of the person's weekly hours worked at home, in percent."""
        if self.pattern_type == PatternType.SHARE:
            return Decimal(self.share_percent or 0)
        days = len(self.weekdays or [])
        return (Decimal(100) * days / Decimal(self.working_days_per_week or 5)).quantize(
            Decimal("0.1")
        )

    @property
    def pattern_label(self) -> str:
        if self.pattern_type == PatternType.SHARE:
            return f"{self.share_percent or 0} % der Wochenarbeitszeit"
        days = ", ".join(WEEKDAY_LABELS[d] for d in sorted(self.weekdays or []))
        return f"{days or '–'} (von {self.working_days_per_week} Arbeitstagen)"


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    SUBMITTED = "submitted", _("eingereicht")
    APPROVED = "approved", _("genehmigt")
    REJECTED = "rejected", _("abgelehnt")
    WITHDRAWN = "withdrawn", _("zurückgezogen")


class WorkRequest(WorkPattern):
    """An employee asks for mobile work."""

    employee = models.ForeignKey(
        "organisation.Employee",
        on_delete=models.PROTECT,
        related_name="work_requests",
        verbose_name=_("Beschäftigte/r"),
    )
    text = models.TextField(_("Anliegen"), blank=True)
    status = models.CharField(
        _("Status"),
        max_length=16,
        choices=RequestStatus.choices,
        default=RequestStatus.DRAFT,
        db_index=True,
    )
    decider_unit = models.ForeignKey(
        "organisation.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entscheidet (Leitung von)"),
    )
    escalation_level = models.PositiveSmallIntegerField(_("Eskalationsstufe"), default=0)
    escalated_at = models.DateField(_("eskaliert am"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("eingereicht am"), null=True, blank=True)
    due_date = models.DateField(_("zu entscheiden bis"), null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(_("entschieden am"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason_codes = models.JSONField(_("Ablehnungsgründe"), default=list, blank=True)
    justification = models.TextField(_("Begründung"), blank=True)
    review_date = models.DateField(_("Wiedervorlage am"), null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)
    history = GenericRelation("core.StatusChange")

    class Meta:
        verbose_name = _("Antrag")
        verbose_name_plural = _("Anträge")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Antrag {self.pk} ({self.get_kind_display()})"


class OfferStatus(models.TextChoices):
    OFFERED = "offered", _("angeboten")
    ACCEPTED = "accepted", _("angenommen")
    DECLINED = "declined", _("abgelehnt")


class Offer(WorkPattern):
    """The employer offers mobile work; it only ever binds with the employee's yes."""

    employee = models.ForeignKey(
        "organisation.Employee",
        on_delete=models.PROTECT,
        related_name="offers",
        verbose_name=_("Beschäftigte/r"),
    )
    text = models.TextField(_("Hinweise zum Angebot"), blank=True)
    status = models.CharField(
        _("Status"),
        max_length=16,
        choices=OfferStatus.choices,
        default=OfferStatus.OFFERED,
        db_index=True,
    )
    offered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("beantwortet am"), null=True, blank=True)
    decline_note = models.TextField(_("Anmerkung zur Ablehnung"), blank=True)
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    history = GenericRelation("core.StatusChange")

    class Meta:
        verbose_name = _("Angebot")
        verbose_name_plural = _("Angebote")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Angebot {self.pk} ({self.get_kind_display()})"


class AgreementStatus(models.TextChoices):
    PENDING = "pending", _("wartet auf Voraussetzungen")
    # Consented, and everything that can be met before the start is met; becomes
    # active on the start date (the daily job), once access is granted.
    AGREED = "agreed", _("vereinbart, beginnt am Startdatum")
    ACTIVE = "active", _("aktiv")
    ENDING = "ending", _("gekündigt, läuft aus")
    ENDED = "ended", _("beendet")
    DECLINED = "declined", _("von Beschäftigten abgelehnt")


class EndKind(models.TextChoices):
    RETURN = "return", _("Rückkehr ins Büro auf Wunsch der/des Beschäftigten")
    REVOKE = "revoke", _("Widerruf durch den Arbeitgeber")
    REVOKE_AT_ONCE = "revoke_at_once", _("Widerruf aus wichtigem Grund (sofort)")
    EXPIRY = "expiry", _("Ablauf der Laufzeit")
    LEFT = "left", _("Ausscheiden aus dem Dienst")
    REPLACED = "replaced", _("Ersetzt durch eine neue Vereinbarung")


class Agreement(WorkPattern):
    """The agreement on mobile work. Agreed once the person has consented and every
    prerequisite that can be met before the start is met; active from its start date
    with every activation prerequisite (prerequisites.py)."""

    employee = models.ForeignKey(
        "organisation.Employee",
        on_delete=models.PROTECT,
        related_name="agreements",
        verbose_name=_("Beschäftigte/r"),
    )
    status = models.CharField(
        _("Status"),
        max_length=16,
        choices=AgreementStatus.choices,
        default=AgreementStatus.PENDING,
        db_index=True,
    )
    request = models.OneToOneField(
        WorkRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="agreement"
    )
    offer = models.OneToOneField(
        Offer, on_delete=models.PROTECT, null=True, blank=True, related_name="agreement"
    )
    renewal_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewal"
    )
    trial_end_date = models.DateField(_("Ende der Probezeit"), null=True, blank=True)
    # Asked or offered with "Ende offen": the term is the longest one the rules allow.
    open_end = models.BooleanField(_("Ende offen"), default=False)
    accepted_at = models.DateTimeField(_("angenommen am"), null=True, blank=True)
    activated_at = models.DateTimeField(_("aktiv seit"), null=True, blank=True)
    # Telearbeit: the fixed home workstation.
    home_address = models.TextField(_("Anschrift des häuslichen Arbeitsplatzes"), blank=True)
    equipment_list = models.TextField(_("Ausstattung"), blank=True)
    risk_assessment_date = models.DateField(
        _("Erstmalige Gefährdungsbeurteilung am"), null=True, blank=True
    )
    # Ending.
    end_kind = models.CharField(
        _("Art der Beendigung"), max_length=16, choices=EndKind.choices, blank=True
    )
    end_reason = models.TextField(_("Begründung der Beendigung"), blank=True)
    notice_given_at = models.DateTimeField(_("gekündigt am"), null=True, blank=True)
    effective_end_date = models.DateField(_("endet am"), null=True, blank=True, db_index=True)
    expiry_reminder_sent_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    history = GenericRelation("core.StatusChange")

    class Meta:
        verbose_name = _("Vereinbarung")
        verbose_name_plural = _("Vereinbarungen")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Vereinbarung {self.pk} ({self.get_kind_display()})"

    @property
    def status_text(self) -> str:
        """The status as a person reads it: "vereinbart, beginnt am 04.01.2027"."""
        from rathausmobil.core.dates import german_date

        if self.status == AgreementStatus.AGREED:
            return _("vereinbart, beginnt am %(date)s") % {"date": german_date(self.start_date)}
        return self.get_status_display()


class ChecklistVersion(models.Model):
    """A version of the data-protection checklist. `items` is a list of
    {"key": str, "text": str, "mandatory": bool}. Published versions never change."""

    number = models.PositiveIntegerField(_("Version"), unique=True)
    items = models.JSONField(_("Punkte"))
    note = models.TextField(_("Was ist neu"), blank=True)
    published_at = models.DateTimeField(_("veröffentlicht am"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Checkliste Datenschutz")
        verbose_name_plural = _("Checklisten Datenschutz")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"Checkliste Version {self.number}"

    @property
    def mandatory_keys(self) -> set[str]:
        return {item["key"] for item in self.items if item.get("mandatory")}

    @property
    def mandatory_count(self) -> int:
        return sum(1 for item in self.items if item.get("mandatory"))

    @property
    def recommended_count(self) -> int:
        return len(self.items) - self.mandatory_count


class ChecklistDraft(models.Model):
    """The next checklist version while the data-protection officer works on it: one
    draft at a time (pk=1), written by `checklist_draft_save`, turned into a version by
    `checklist_draft_publish`. `items` as in `ChecklistVersion`; `revision` counts the
    saves, so a publish confirmed on an older state of the draft is refused."""

    items = models.JSONField(_("Punkte"), default=list)
    revision = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(_("zuletzt gespeichert"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Entwurf der Checkliste Datenschutz")
        verbose_name_plural = _("Entwürfe der Checkliste Datenschutz")

    def __str__(self) -> str:
        return "Entwurf der Checkliste"


class Pledge(models.Model):
    """An employee's answers to one checklist version. Valid only if every
    mandatory item is confirmed; only a pledge on the current version counts."""

    employee = models.ForeignKey(
        "organisation.Employee", on_delete=models.PROTECT, related_name="pledges"
    )
    version = models.ForeignKey(ChecklistVersion, on_delete=models.PROTECT, related_name="pledges")
    answers = models.JSONField(_("Antworten"))
    is_valid = models.BooleanField(_("gültig"))
    signed_at = models.DateTimeField(_("abgegeben am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Datenschutzerklärung")
        verbose_name_plural = _("Datenschutzerklärungen")
        ordering = ["-signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "version"], name="one_pledge_per_version")
        ]

    def __str__(self) -> str:
        return f"Datenschutzerklärung {self.employee_id} zu Version {self.version_id}"


class PandemicPeriod(models.Model):
    """A period with a legal home-office duty (Corona-ArbSchV 2021, §28b IfSG)."""

    title = models.CharField(_("Bezeichnung"), max_length=200, default="Homeoffice-Angebotspflicht")
    legal_basis = models.CharField(_("Rechtsgrundlage"), max_length=200, blank=True)
    start_date = models.DateField(_("von"))
    end_date = models.DateField(_("bis"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Pandemiemodus")
        verbose_name_plural = _("Pandemiemodus")
        ordering = ["-start_date"]

    def __str__(self) -> str:
        return (
            f"{self.title} ({self.start_date:%d.%m.%Y}–{self.end_date:%d.%m.%Y})"
            if self.end_date
            else self.title
        )


class PandemicGapReason(models.Model):
    """The documented compelling operational reason why a position gets no offer."""

    period = models.ForeignKey(PandemicPeriod, on_delete=models.CASCADE, related_name="gap_reasons")
    position = models.ForeignKey(
        "organisation.Position", on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField(_("Zwingender betrieblicher Grund"))
    documented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    documented_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Begründung fehlendes Angebot")
        verbose_name_plural = _("Begründungen fehlender Angebote")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "position"], name="one_gap_reason_per_position"
            )
        ]

    def __str__(self) -> str:
        return f"Begründung zu Stelle {self.position_id}"


class PledgeRenewalRequest(models.Model):
    """That `employee` was asked to pledge on checklist `version`. The daily job asks
    once per version by this key; the audit event beside it is the record for people."""

    employee = models.ForeignKey(
        "organisation.Employee", on_delete=models.CASCADE, related_name="+"
    )
    version = models.ForeignKey(ChecklistVersion, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("angefordert am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Anforderung der Datenschutzerklärung")
        verbose_name_plural = _("Anforderungen der Datenschutzerklärung")
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "version"], name="one_renewal_request_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"Anforderung {self.employee_id} zu Version {self.version_id}"
