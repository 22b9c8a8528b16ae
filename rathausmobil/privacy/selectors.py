"""Reads of the data-protection pages: the audit trail for the DPO and a person's data
for an access request (Art. 15 DSGVO).

`personal_data(employee)` is the one place that gathers everything the application
holds about a person, as a structured dict (the JSON download today, a PDF later). It
reads a fixed number of queries however many records the person has. Other people
inside the person's records (who decided, who handed out a device, who changed a
record) appear by their function, never by name (Art. 15(4) DSGVO), see
docs/workflows/privacy.md.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rathausmobil.access.models import AccessGrant, ProvisioningEvent, WireGuardPeer
from rathausmobil.agreements.models import (
    Agreement,
    Offer,
    Pledge,
    PledgeRenewalRequest,
    WorkRequest,
)
from rathausmobil.core.audit import object_type_of
from rathausmobil.core.models import AuditEvent, SeenMarker, StatusChange
from rathausmobil.equipment.models import Assignment, Device
from rathausmobil.organisation.models import Employee, OrgUnit, Role, RoleAssignment
from rathausmobil.organisation.scoping import scope_for
from rathausmobil.presence.models import (
    Absence,
    CalendarFeed,
    EmployeeQualification,
    PlanCell,
    PresenceProfile,
    SwapRequest,
    Wish,
)
from rathausmobil.reports.models import ReportSubscription
from rathausmobil.usage.models import VpnAccount, VpnAlias, VpnSession

User = get_user_model()

FORMAT = "rathausmobil.auskunft/1"


# --------------------------------------------------------------------------- audit log


def audit_log_visible_to(user) -> QuerySet[AuditEvent]:
    """The whole audit trail for the data-protection officer (and a superuser); nothing
    for anyone else. The status history is not listed beside it: every status change
    writes its own audit event with the move and the reason (core.workflow)."""
    if not scope_for(user).has(Role.DPO):
        return AuditEvent.objects.none()
    return AuditEvent.objects.select_related("actor")


def may_read_audit_log(user) -> bool:
    return scope_for(user).has(Role.DPO)


def may_read_register(user) -> bool:
    """The register of processing activities: the DPO keeps it, HR and leadership answer
    for it (the controller's representatives)."""
    return scope_for(user).has(Role.DPO, Role.HR, Role.LEADERSHIP)


def may_give_access(user) -> bool:
    """An access request (Art. 15) is answered by HR, who keeps everyone's master data."""
    return scope_for(user).sees_whole_administration


def object_type_label(object_type: str) -> str:
    """`agreements.workrequest` in words (the model's verbose name), no query."""
    from django.apps import apps

    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def object_type_choices() -> list[tuple[str, str]]:
    """The models the audit trail can be about (the project's and the user account), as
    the choices of the audit log's type filter, by their German names; no query."""
    from django.apps import apps

    choices = [
        (object_type_of(m), str(m._meta.verbose_name))
        for m in apps.get_models()
        if m.__module__.startswith("rathausmobil.") or m is User
    ]
    return sorted(choices, key=lambda c: c[1].lower())


# --------------------------------------------------------------------------- Art. 15


@dataclass(frozen=True)
class Section:
    """One kind of record in the export: how to read it and what to leave out."""

    key: str
    title: str
    query: Any  # (employee, user) -> QuerySet | None
    leave_out: tuple[str, ...] = ()  # secrets and technical keys
    epoch_fields: tuple[str, ...] = ()  # Unix seconds, shown as times
    history: bool = False  # has a status history (core.StatusChange)
    audited: bool = True  # its audit events are about this person alone


def _by_employee(model, *related):
    return lambda e, u: model.objects.filter(employee=e).select_related(*related).order_by("pk")


def _by_user(model, *related):
    return lambda e, u: (
        None if u is None else model.objects.filter(user=u).select_related(*related).order_by("pk")
    )


SECTIONS: tuple[Section, ...] = (
    Section(
        "employee",
        gettext_lazy("Personaldaten"),
        lambda e, u: Employee.objects.filter(pk=e.pk).select_related("unit", "position"),
    ),
    Section(
        "account",
        gettext_lazy("Benutzerkonto"),
        lambda e, u: None if u is None else User.objects.filter(pk=u.pk),
        leave_out=("password", "is_superuser", "is_staff"),
    ),
    Section("roles", gettext_lazy("Rollen"), _by_user(RoleAssignment, "unit")),
    Section(
        "headed_units",
        gettext_lazy("Geleitete Organisationseinheiten"),
        lambda e, u: OrgUnit.objects.filter(head=e).select_related("parent").order_by("pk"),
        leave_out=("path", "depth"),
    ),
    Section(
        "requests", gettext_lazy("Anträge"), _by_employee(WorkRequest, "decider_unit"), history=True
    ),
    Section("offers", gettext_lazy("Angebote"), _by_employee(Offer), history=True),
    Section("agreements", gettext_lazy("Vereinbarungen"), _by_employee(Agreement), history=True),
    Section("pledges", gettext_lazy("Datenschutzerklärungen"), _by_employee(Pledge, "version")),
    Section(
        "pledge_requests",
        gettext_lazy("Anforderungen der Datenschutzerklärung"),
        _by_employee(PledgeRenewalRequest, "version"),
    ),
    # A device has had other holders: its history and audit trail tell of them, so only
    # the device as the person holds it now is exported (their hand-overs below).
    Section(
        "devices",
        gettext_lazy("Geräte"),
        lambda e, u: Device.objects.filter(holder=e).select_related("model").order_by("pk"),
        audited=False,
    ),
    Section(
        "report_subscriptions",
        gettext_lazy("Berichte im Abonnement"),
        _by_user(ReportSubscription, "unit"),
    ),
    Section(
        "assignments",
        gettext_lazy("Geräteausgaben"),
        _by_employee(Assignment, "device", "device__model"),
    ),
    Section(
        "access_grants",
        gettext_lazy("Zugänge"),
        _by_employee(AccessGrant, "gateway", "farm", "application"),
        history=True,
    ),
    Section(
        "wireguard_peers",
        gettext_lazy("WireGuard-Schlüssel"),
        lambda e, u: WireGuardPeer.objects.filter(grant__employee=e).order_by("pk"),
        leave_out=("private_key_encrypted",),
    ),
    Section(
        "provisioning",
        gettext_lazy("Einrichtung der Zugänge"),
        lambda e, u: ProvisioningEvent.objects.filter(grant__employee=e).order_by("pk"),
    ),
    Section("vpn_accounts", gettext_lazy("VPN-Namen"), _by_employee(VpnAccount)),
    Section("vpn_aliases", gettext_lazy("weitere VPN-Namen"), _by_employee(VpnAlias)),
    Section(
        "vpn_sessions",
        gettext_lazy("VPN-Sitzungen (noch aufbewahrt)"),
        _by_employee(VpnSession, "gateway", "unit"),
        leave_out=("open_key", "account", "employee"),
        epoch_fields=("started", "ended", "last_seen"),
        audited=False,
    ),
    Section(
        "presence_profile",
        gettext_lazy("Anwesenheitsprofil"),
        _by_employee(PresenceProfile, "team"),
    ),
    Section(
        "qualifications",
        gettext_lazy("Qualifikationen"),
        _by_employee(EmployeeQualification, "qualification"),
    ),
    Section("absences", gettext_lazy("Abwesenheiten"), _by_employee(Absence)),
    Section("wishes", gettext_lazy("Wünsche"), _by_employee(Wish)),
    Section(
        "plan_cells",
        gettext_lazy("Wochenpläne"),
        _by_employee(PlanCell, "plan", "plan__unit", "room", "published_room"),
    ),
    Section(
        "swap_requests",
        gettext_lazy("Tauschwünsche"),
        lambda e, u: (
            SwapRequest.objects.filter(cell__employee=e).select_related("cell").order_by("pk")
        ),
    ),
    Section(
        "calendar_feed",
        gettext_lazy("Kalender-Abo"),
        _by_employee(CalendarFeed),
        leave_out=("token",),
    ),
    Section("seen", gettext_lazy("Gelesen-Markierungen"), _by_user(SeenMarker)),
)


@dataclass
class _Functions:
    """Other people by function: who a user is in the administration, not their name."""

    person_user_id: int | None
    labels: dict[int, str] = field(default_factory=dict)

    def of(self, user_id: int | None) -> str:
        if user_id is None:
            return _("System (automatisch)")
        if user_id == self.person_user_id:
            return _("die Person selbst")
        return self.labels.get(user_id) or _("Beschäftigte/r der Verwaltung")


def _functions_of(user_ids: set[int], person_user_id: int | None) -> _Functions:
    """The function of each user: their roles, and "Vorgesetzte" for a head of a unit.
    Two queries however many users."""
    functions = _Functions(person_user_id)
    others = {uid for uid in user_ids if uid is not None and uid != person_user_id}
    if not others:
        return functions
    found: dict[int, set[str]] = {uid: set() for uid in others}
    for user_id, role in RoleAssignment.objects.filter(user_id__in=others).values_list(
        "user_id", "role"
    ):
        found[user_id].add(role)
    for user_id in OrgUnit.objects.filter(head__user_id__in=others).values_list(
        "head__user_id", flat=True
    ):
        found[user_id].add(Role.SUPERVISOR)
    for user_id, roles in found.items():
        if roles:
            functions.labels[user_id] = " / ".join(
                str(label) for value, label in Role.choices if value in roles
            )
    return functions


def _plain(value):
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    return value


def _epoch(value):
    if value is None:
        return None
    return timezone.localtime(dt.datetime.fromtimestamp(value, tz=dt.UTC)).isoformat()


def _user_ids(rows: Iterable[models.Model]) -> set[int]:
    ids = set()
    for row in rows:
        for f in row._meta.concrete_fields:
            if f.is_relation and f.related_model is User:
                ids.add(getattr(row, f.attname))
    return ids


def _record(row: models.Model, section: Section, person: Employee, functions: _Functions):
    data: dict[str, Any] = {}
    for f in row._meta.concrete_fields:
        if f.name in section.leave_out:
            continue
        value = getattr(row, f.attname)
        if f.is_relation:
            if f.related_model is User:
                data[f.name] = None if value is None else functions.of(value)
                continue
            if f.related_model is Employee:
                if value == person.pk:
                    continue  # the person themself: every record here is theirs
                data[f.name] = None if value is None else _("eine andere beschäftigte Person")
                continue
            if value is None:
                data[f.name] = None
            elif f.is_cached(row):
                data[f.name] = str(getattr(row, f.name))
            else:
                data[f.name] = value
            continue
        if f.name in section.epoch_fields:
            data[f.name] = _epoch(value)
        elif f.choices:
            data[f.name] = str(getattr(row, f"get_{f.name}_display")())
        else:
            data[f.name] = _plain(value)
    return data


def _labels(model: type[models.Model], section: Section) -> dict[str, str]:
    return {
        f.name: str(f.verbose_name)
        for f in model._meta.concrete_fields
        if f.name not in section.leave_out
    }


def personal_data(employee: Employee) -> dict[str, Any]:
    """Everything the application holds about `employee`, for an access request
    (Art. 15 DSGVO): one section per kind of record, each with its fields' names and its
    records; then the status history of these records and the audit events about them.
    Nobody else's records; other people inside them by function. A fixed number of
    queries: one per section, plus the history, the audit events and two for functions."""
    user = User.objects.filter(pk=employee.user_id).first() if employee.user_id else None
    fetched: list[tuple[Section, type[models.Model], list[models.Model]]] = []
    for section in SECTIONS:
        queryset = section.query(employee, user)
        if queryset is None:
            continue
        fetched.append((section, queryset.model, list(queryset)))

    # The status history and the audit trail of the person's own records.
    history_q, audit_q = Q(pk__in=[]), Q(pk__in=[])
    for section, model, rows in fetched:
        ids = [row.pk for row in rows]
        if not ids:
            continue
        if section.history:
            history_q |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
        if section.audited:
            audit_q |= Q(object_type=object_type_of(model), object_id__in=[str(i) for i in ids])
    history = list(StatusChange.objects.filter(history_q).select_related("content_type"))
    audit = list(AuditEvent.objects.filter(audit_q).order_by("created_at", "pk"))

    user_ids = {row.by_id for row in history} | {row.actor_id for row in audit}
    for _section, _model, rows in fetched:
        user_ids |= _user_ids(rows)
    functions = _functions_of(user_ids, user.pk if user else None)

    sections = [
        {
            "key": section.key,
            "title": str(section.title),
            "fields": _labels(model, section),
            "records": [_record(row, section, employee, functions) for row in rows],
        }
        for section, model, rows in fetched
    ]
    sections.append(
        {
            "key": "status_history",
            "title": _("Statusverlauf dieser Datensätze"),
            "fields": {
                "id": "ID",
                "record": _("Datensatz"),
                "action": _("Aktion"),
                "from_status": _("von"),
                "to_status": _("nach"),
                "by": _("durch"),
                "at": _("Zeitpunkt"),
                "reason": _("Begründung"),
            },
            "records": [
                {
                    "id": row.pk,
                    "record": f"{row.content_type.app_label}.{row.content_type.model} {row.object_id}",
                    "action": str(row.action_label),
                    "from_status": str(row.from_status_label),
                    "to_status": str(row.to_status_label),
                    "by": functions.of(row.by_id),
                    "at": _plain(row.at),
                    "reason": row.reason,
                }
                for row in sorted(history, key=lambda r: (r.at, r.pk))
            ],
        }
    )
    sections.append(
        {
            "key": "audit_events",
            "title": _("Protokolleinträge zu diesen Datensätzen"),
            "fields": {
                "id": "ID",
                "created_at": _("Zeitpunkt"),
                "actor": _("durch"),
                "action": _("Aktion"),
                "record": _("Datensatz"),
                "label": _("Bezeichnung"),
                "changes": _("Änderungen"),
                "reason": _("Grund"),
                "source": _("Quelle"),
            },
            "records": [
                {
                    "id": row.pk,
                    "created_at": _plain(row.created_at),
                    "actor": functions.of(row.actor_id),
                    "action": row.action,
                    "record": f"{row.object_type} {row.object_id}",
                    "label": row.object_label,
                    "changes": row.changes,
                    "reason": row.reason,
                    "source": row.source,
                }
                for row in audit
            ],
        }
    )
    return {
        "format": FORMAT,
        "title": _("Auskunft nach Art. 15 DSGVO"),
        "created_at": _plain(timezone.now()),
        "person": {
            "personnel_number": employee.personnel_number,
            "name": f"{employee.first_name} {employee.last_name}",
        },
        "others": _(
            "Andere Personen erscheinen in diesen Datensätzen mit ihrer Funktion "
            "(z. B. Personalamt, Vorgesetzte / Amtsleitung), nicht mit ihrem Namen "
            "(Art. 15 Abs. 4 DSGVO)."
        ),
        "sections": sections,
    }


def record_count(data: dict[str, Any]) -> int:
    return sum(len(section["records"]) for section in data["sections"])


def printable_sections(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The export's sections for reading (the PDF): each record as (field, text) pairs,
    lists and changes written out, empty fields left out; sections without records
    named, so the person sees what the application does not hold about them."""

    def text(value: Any) -> str:
        if value is None or value == "" or value == [] or value == {}:
            return ""
        if isinstance(value, bool):
            return _("ja") if value else _("nein")
        if isinstance(value, dict):
            return "; ".join(f"{k}: {text(v) or '–'}" for k, v in value.items())
        if isinstance(value, list | tuple):
            return ", ".join(text(v) for v in value)
        return str(value)

    sections = []
    for section in data["sections"]:
        fields = section["fields"]
        records = [
            [
                (fields.get(key, key), shown)
                for key, value in record.items()
                if (shown := text(value))
            ]
            for record in section["records"]
        ]
        sections.append({"title": section["title"], "records": records})
    return sections
