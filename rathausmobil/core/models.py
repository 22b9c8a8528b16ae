"""Base models every app uses: the audit trail.

Core imports no app of the project; roles and scoping live with the organisation.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
