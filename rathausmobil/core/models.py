"""Base models: role assignments and the audit trail.

The role model references the organisation app by string only; core holds no
organisation logic.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The roles of DOMAIN.md. Being an employee is implied by an employee record;
    heading a unit makes a supervisor without an assignment."""

    SUPERVISOR = "supervisor", _("Vorgesetzte / Amtsleitung")
    HR = "hr", _("Personalamt")
    IT = "it", _("IT")
    STAFF_COUNCIL = "staff_council", _("Personalrat")
    DPO = "dpo", _("Datenschutzbeauftragte")
    LEADERSHIP = "leadership", _("Verwaltungsspitze")


class RoleAssignment(models.Model):
    """One role for one user. A supervisor assignment names the unit it covers
    (a deputy head, for example); heads of units need none."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("Benutzer"),
    )
    role = models.CharField(_("Rolle"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey(
        "organisation.OrgUnit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Organisationseinheit"),
        help_text=_("Nur für Vorgesetzte: die Einheit (mit allen darunter), die sie vertreten."),
    )
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)

    class Meta:
        verbose_name = _("Rollenzuweisung")
        verbose_name_plural = _("Rollenzuweisungen")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="unique_role_assignment"),
            models.CheckConstraint(
                condition=~models.Q(role="supervisor") | models.Q(unit__isnull=False),
                name="supervisor_role_needs_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}"


class AuditEvent(models.Model):
    """Who changed what, when and why. Written by services, never by signals.

    `changes` maps a field to `[old, new]`; `object_type` is `app_label.model`.
    """

    created_at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("durch"),
    )
    action = models.CharField(_("Aktion"), max_length=64)
    object_type = models.CharField(_("Objekttyp"), max_length=64)
    object_id = models.CharField(_("Objekt"), max_length=64)
    object_label = models.CharField(_("Bezeichnung"), max_length=255, blank=True)
    changes = models.JSONField(_("Änderungen"), default=dict, blank=True)
    reason = models.TextField(_("Grund"), blank=True)
    source = models.CharField(_("Quelle"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokoll")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%d.%m.%Y %H:%M} {self.action} {self.object_label}"
