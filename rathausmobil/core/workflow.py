"""Status changes, done one way for every model that has a status.

An app declares, next to its model, a `Workflow`: the one table of allowed
transitions (`action -> {(from, to), ...}`, where `""` is "not there yet"), the
German words for its actions and the sentence that refuses a move. Its services
then change a status only through `Workflow.transition`, which

1. locks the row and reads the status the database holds (a second click, or a
   second person at the same moment, finds the status already moved),
2. checks the move against the table and refuses anything else with
   `IllegalTransition` (HTTP 409 in the API, a message on the page),
3. saves the status with the fields the service changed,
4. writes the history row (`core.StatusChange`) and the audit event,
5. schedules the side effects the service names for after the commit.

Which service may make which move is the app's business (exactly one service
writes each status); the machinery only makes every move the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from rathausmobil.core.audit import audit_event, audit_events_bulk
from rathausmobil.core.dates import day_end
from rathausmobil.core.errors import DomainError
from rathausmobil.core.models import StatusChange

NOT_THERE_YET = ""

Transitions = Mapping[str, set[tuple[str, str]]]


def workflow_of(model: type[models.Model] | None) -> Workflow | None:
    """The workflow declared for a model, if any."""
    return StatusChange.workflows.get(model) if model is not None else None


def with_status_on(queryset: QuerySet, day) -> QuerySet:
    """`queryset` annotated with `status_on`: the status each record had at the end of
    `day`, read from its history (`core.StatusChange`), for figures as of a past date
    (docs/reports.md). For today and later the status the record holds now, which is the
    same (every move writes its history row), without reading the history."""
    if day >= timezone.localdate():
        return queryset.annotate(status_on=F("status"))
    content_type = ContentType.objects.get_for_model(queryset.model)
    latest = (
        StatusChange.objects.filter(
            content_type=content_type, object_id=OuterRef("pk"), at__lt=day_end(day)
        )
        .order_by("-at", "-id")
        .values("to_status")[:1]
    )
    return queryset.annotate(status_on=Subquery(latest))


class IllegalTransition(DomainError):
    """A move the table does not allow from the status the record is in."""

    def __init__(self, message: str):
        super().__init__(message, code="illegal_transition")


def _label(value: Any) -> str:
    return str(value) if value is not None else ""


@dataclass(frozen=True)
class Workflow:
    """The allowed status changes of one model and how each is recorded.

    `refusal` is a sentence with the placeholders `%(object)s` (what `describe`
    says of the record), `%(status)s` (its status label) and `%(action)s` (the
    action's label). `audit_action` names the audit event (`%(action)s` is the
    action's label).
    """

    model: type[models.Model]
    transitions: Transitions
    action_labels: Mapping[str, str]
    refusal: str
    describe: Callable[[Any], str] = str
    audit_action: str = "%(action)s"
    status_field: str = "status"

    def __post_init__(self):
        StatusChange.workflows[self.model] = self

    # ------------------------------------------------------------------ the table

    def action_label(self, action: str) -> str:
        return _label(self.action_labels.get(action, action))

    def status_label(self, status: str) -> str:
        if not status:
            return "–"
        choices = dict(self.model._meta.get_field(self.status_field).choices or ())
        return _label(choices.get(status, status))

    def allows(self, from_status: str, to_status: str, action: str) -> bool:
        return (from_status, to_status) in self.transitions.get(action, set())

    def actions_from(self, status: str, *, among: Iterable[str] | None = None) -> list[str]:
        """The actions possible from `status` (optionally only those in `among`), in
        the order of `among` or of the table."""
        actions = list(among) if among is not None else list(self.transitions)
        return [
            action
            for action in actions
            if any(src == status for src, _dst in self.transitions.get(action, set()))
        ]

    def target(self, action: str, status: str) -> str | None:
        """The status `action` leads to from `status`, if it leads to exactly one."""
        targets = {dst for src, dst in self.transitions.get(action, set()) if src == status}
        return targets.pop() if len(targets) == 1 else None

    def check(self, obj: models.Model, to_status: str, action: str) -> None:
        """Refuse the move unless the table allows it from the record's status."""
        current = getattr(obj, self.status_field)
        if not self.allows(current, to_status, action):
            raise IllegalTransition(self._refusal(obj, current, action))

    def _refusal(self, obj: models.Model, status: str, action: str) -> str:
        return str(self.refusal) % {
            "object": self.describe(obj),
            "status": self.status_label(status),
            "action": self.action_label(action),
        }

    # ------------------------------------------------------------------ the moves

    def lock(self, obj: models.Model, *, related: Iterable[str] = ()) -> models.Model:
        """The record again, read under a row lock, with `related` joined (the lock
        covers only the row itself: PostgreSQL refuses FOR UPDATE on the nullable
        side of an outer join)."""
        return (
            self.model._default_manager.select_for_update(of=("self",))
            .select_related(*related)
            .get(pk=obj.pk)
        )

    def start(
        self,
        obj: models.Model,
        *,
        action: str,
        by,
        reason: str = "",
        source: str = "",
        changes: dict[str, list[str]] | None = None,
        after_commit: Iterable[Callable[[], None]] = (),
        audit_as: str = "",
    ) -> StatusChange:
        """Record that a new record (already saved in its first status) came into being
        (`audit_as` as in `transition`)."""
        status = getattr(obj, self.status_field)
        if not self.allows(NOT_THERE_YET, status, action):
            raise IllegalTransition(self._refusal(obj, NOT_THERE_YET, action))
        return self._record(
            obj,
            action=action,
            from_status=NOT_THERE_YET,
            to_status=status,
            by=by,
            reason=reason,
            source=source,
            changes=changes,
            after_commit=after_commit,
            audit_as=audit_as,
        )

    def start_many(
        self,
        objs: Iterable[models.Model],
        *,
        action: str,
        by,
        reason: str = "",
        source: str = "",
        audit_as: str = "",
    ) -> list[StatusChange]:
        """`start` for many new records at once (a delivery, an import): the same
        history rows and audit events, written with one insert each."""
        objs = list(objs)
        rows, events = [], []
        content_type = ContentType.objects.get_for_model(self.model)
        actor = by if getattr(by, "pk", None) else None
        for obj in objs:
            status = getattr(obj, self.status_field)
            if not self.allows(NOT_THERE_YET, status, action):
                raise IllegalTransition(self._refusal(obj, NOT_THERE_YET, action))
            rows.append(
                StatusChange(
                    content_type=content_type,
                    object_id=obj.pk,
                    action=action,
                    from_status=NOT_THERE_YET,
                    to_status=status,
                    by=actor,
                    reason=reason,
                )
            )
            events.append(
                audit_event(
                    actor=actor,
                    action=audit_as
                    or str(self.audit_action) % {"action": self.action_label(action)},
                    obj=obj,
                    changes={
                        "Status": [self.status_label(NOT_THERE_YET), self.status_label(status)]
                    },
                    reason=reason,
                    source=source,
                    save=False,
                )
            )
        changes = StatusChange.objects.bulk_create(rows, batch_size=2000)
        audit_events_bulk(events)
        return changes

    def transition(
        self,
        obj: models.Model,
        to_status: str,
        *,
        action: str,
        by,
        reason: str = "",
        fields: Iterable[str] = (),
        source: str = "",
        changes: dict[str, list[str]] | None = None,
        after_commit: Iterable[Callable[[], None]] = (),
        audit_as: str = "",
    ) -> StatusChange:
        """Lock, check, change the status (and save `fields` the service has set on
        `obj`), write the history row and the audit event, and schedule
        `after_commit`. Refuses with IllegalTransition, changing nothing.

        `audit_as` names the audit event where one event tells more than the move
        (an import that changes a record's status among other fields)."""
        record = {
            "by": by,
            "reason": reason,
            "source": source,
            "changes": changes,
            "after_commit": after_commit,
            "audit_as": audit_as,
        }
        if not transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                return self._move(obj, to_status, action=action, fields=fields, record=record)
        # Inside the caller's transaction, without a savepoint of its own: a refusal
        # raises before anything is written and leaves the caller's transaction usable.
        return self._move(obj, to_status, action=action, fields=fields, record=record)

    def _move(self, obj, to_status, *, action, fields, record) -> StatusChange:
        held = (
            self.model._default_manager.select_for_update()
            .filter(pk=obj.pk)
            .values_list(self.status_field, flat=True)
            .get()
        )
        if held != getattr(obj, self.status_field):
            # Someone moved the record since it was read: judge the move by the
            # status the database holds, and keep the object in step with it.
            setattr(obj, self.status_field, held)
        self.check(obj, to_status, action)
        setattr(obj, self.status_field, to_status)
        update = [self.status_field, *fields]
        if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
            update.append("updated_at")
        obj.save(update_fields=list(dict.fromkeys(update)))
        return self._record(obj, action=action, from_status=held, to_status=to_status, **record)

    def record(
        self,
        obj: models.Model,
        *,
        action: str,
        by,
        reason: str = "",
        source: str = "",
        changes: dict[str, list[str]] | None = None,
    ) -> StatusChange:
        """A history row for an event that keeps the status (a consent, an update),
        if the table lists it as a move from the status to itself."""
        status = getattr(obj, self.status_field)
        self.check(obj, status, action)
        return self._record(
            obj,
            action=action,
            from_status=status,
            to_status=status,
            by=by,
            reason=reason,
            source=source,
            changes=changes,
        )

    def _record(
        self,
        obj: models.Model,
        *,
        action: str,
        from_status: str,
        to_status: str,
        by,
        reason: str,
        source: str,
        changes: dict[str, list[str]] | None,
        after_commit: Iterable[Callable[[], None]] = (),
        audit_as: str = "",
    ) -> StatusChange:
        actor = by if getattr(by, "pk", None) else None
        change = StatusChange.objects.create(
            content_type=ContentType.objects.get_for_model(self.model),
            object_id=obj.pk,
            action=action,
            from_status=from_status,
            to_status=to_status,
            by=actor,
            reason=reason,
        )
        if changes is None:
            changes = {}
            if from_status != to_status:
                changes["Status"] = [self.status_label(from_status), self.status_label(to_status)]
        audit_event(
            actor=actor,
            action=audit_as or str(self.audit_action) % {"action": self.action_label(action)},
            obj=obj,
            changes=changes,
            reason=reason,
            source=source,
        )
        for callback in after_commit:
            transaction.on_commit(callback)
        return change

    def history(self, obj: models.Model):
        """The record's status changes, oldest first."""
        return StatusChange.objects.filter(
            content_type=ContentType.objects.get_for_model(self.model), object_id=obj.pk
        ).select_related("by")
