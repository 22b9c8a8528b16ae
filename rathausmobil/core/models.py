"""Base models every app uses: the audit trail, the status history and the
import uploads.

Core imports no app of the project; roles and scoping live with the organisation.
"""

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
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
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # the audit log's order, newest first (privacy.views.AUDIT_ORDER): its pages
            # walk this index from where each starts
            models.Index(fields=["created_at", "id"], name="audit_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%d.%m.%Y %H:%M} {self.action} {self.object_label}"


class StatusChange(models.Model):
    """The history of every status change of every record that has a status: who,
    when, from, to, which action and why. Written only by `core.workflow`.

    The record is named by content type and id (a generic relation), so that one
    history serves requests, agreements, devices, orders and access alike; each
    model exposes its rows as `history` (a GenericRelation), which deletes them
    with the record.
    """

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("Aktion"), max_length=32)
    from_status = models.CharField(_("von"), max_length=32, blank=True)
    to_status = models.CharField(_("nach"), max_length=32)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("durch"),
    )
    at = models.DateTimeField(_("Zeitpunkt"), auto_now_add=True)
    reason = models.TextField(_("Begründung"), blank=True)

    class Meta:
        verbose_name = _("Statusänderung")
        verbose_name_plural = _("Statusänderungen")
        ordering = ["at", "id"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "at"], name="status_change_record_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status or '–'} → {self.to_status}"

    # The workflow declared for each model (core.workflow.Workflow registers itself
    # here), so that a history row can name its action and statuses in words.
    workflows: ClassVar[dict[type[models.Model], Any]] = {}

    def _workflow(self):
        model = ContentType.objects.get_for_id(self.content_type_id).model_class()
        return self.workflows.get(model)

    @property
    def action_label(self) -> str:
        workflow = self._workflow()
        return workflow.action_label(self.action) if workflow else self.action

    @property
    def from_status_label(self) -> str:
        workflow = self._workflow()
        if not self.from_status:
            return ""
        return workflow.status_label(self.from_status) if workflow else self.from_status

    @property
    def to_status_label(self) -> str:
        workflow = self._workflow()
        return workflow.status_label(self.to_status) if workflow else self.to_status


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("wird geprüft")
    PREVIEW = "preview", _("Vorschau")
    APPLYING = "applying", _("wird übernommen")
    APPLIED = "applied", _("übernommen")
    DISCARDED = "discarded", _("verworfen")
    REFUSED = "refused", _("abgelehnt")
    FAILED = "failed", _("abgebrochen")


class ImportUpload(models.Model):
    """An uploaded import file between preview and confirmation, of any kind
    (employees, org units, devices …; the kinds are registered in `core.imports`).

    The file's bytes are kept so that the confirmation applies exactly the file
    that was previewed, and cleared once it is applied, discarded, refused or broken off;
    `sha256` makes a repeated upload recognisable (docs/adr/0002). A file larger than
    IMPORT_BACKGROUND_BYTES is checked and applied by the worker (statuses `checking`
    and `applying`), docs/import.md "Large files in the background".
    """

    kind = models.CharField(_("Art"), max_length=32)
    filename = models.CharField(_("Dateiname"), max_length=255)
    content = models.BinaryField(_("Inhalt"))
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        _("Status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.PREVIEW
    )
    summary = models.JSONField(_("Zusammenfassung"), default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("durch"),
    )
    created_at = models.DateTimeField(_("hochgeladen"), auto_now_add=True)
    applied_at = models.DateTimeField(_("übernommen"), null=True, blank=True)
    # A large file is checked and applied by the worker (core/tasks.py): the task of the
    # step under way (checking, applying) and when it was queued.
    task_id = models.CharField(max_length=64, blank=True)
    queued_at = models.DateTimeField(_("eingereiht"), null=True, blank=True)

    history = GenericRelation("core.StatusChange")

    class Meta:
        verbose_name = _("Importvorgang")
        verbose_name_plural = _("Importvorgänge")
        ordering = ["-created_at", "-id"]

    # The label of each kind (core.imports.ImportKinds.register keeps it here), so that an
    # upload names its kind without the model importing the registry.
    kind_labels: ClassVar[dict[str, Any]] = {}

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.filename}"

    def get_kind_display(self) -> str:
        """The kind's German name, as its app registered it."""
        label = self.kind_labels.get(self.kind)
        return str(label) if label else self.kind


class SeenMarker(models.Model):
    """When a user last looked at something that has a "since your last visit" task
    (core.todos.mark_seen / last_seen): e.g. the staff council's refusals."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("Person"),
    )
    key = models.CharField(_("Seite"), max_length=64)
    seen_at = models.DateTimeField(_("zuletzt angesehen"))

    class Meta:
        verbose_name = _("Zuletzt angesehen")
        verbose_name_plural = _("Zuletzt angesehen")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="core_seenmarker_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.seen_at:%Y-%m-%d %H:%M}"


class JobRunStatus(models.TextChoices):
    QUEUED = "queued", _("eingereiht")
    RUNNING = "running", _("läuft")
    SUCCEEDED = "succeeded", _("erfolgreich")
    FAILED = "failed", _("fehlgeschlagen")


class JobRun(models.Model):
    """The daily jobs' run of one day, and their lock: the unique day makes the
    insert of the row the claim, so that one run a day happens however many workers
    ask (core/jobs.py). Holds how the last attempt of that day went."""

    day = models.DateField(_("Tag"), unique=True)
    status = models.CharField(_("Status"), max_length=16, choices=JobRunStatus.choices)
    trigger = models.CharField(_("Auslöser"), max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    queued_at = models.DateTimeField(_("eingereiht"), null=True, blank=True)
    started_at = models.DateTimeField(_("begonnen"), null=True, blank=True)
    finished_at = models.DateTimeField(_("beendet"), null=True, blank=True)
    # {label: records handled} of the jobs that ran, in their order
    counts = models.JSONField(_("Anzahlen"), default=dict, blank=True)
    # exception class and message of each failed job (the traceback is in the log only)
    error = models.TextField(_("Fehler"), blank=True)

    class Meta:
        verbose_name = _("Lauf der täglichen Aufgaben")
        verbose_name_plural = _("Läufe der täglichen Aufgaben")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day:%d.%m.%Y} {self.get_status_display()}"


class WorkerHeartbeat(models.Model):
    """When a background worker on a machine last ran the scheduler's tick
    (core/scheduler.py); read by the health check."""

    host = models.CharField(_("Rechner"), max_length=255, unique=True)
    beat_at = models.DateTimeField(_("zuletzt"))

    class Meta:
        verbose_name = _("Lebenszeichen eines Workers")
        verbose_name_plural = _("Lebenszeichen der Worker")

    def __str__(self) -> str:
        return self.host
