"""Demo records of access, made through the real services (history and audit rows
included). Runs after the agreements and equipment demos.

Offenbach: 1,100 of 1,200 staff have VPN access (press article, early 2021) on
a WireGuard gateway with 1,200 licences; a terminal-server farm with 150
sessions serves the data-heavy specialist applications. Everyone with an active
or ending agreement gets VPN, the staff of the applications' units among them
terminal-server access; the rest of the 1,100 have VPN without an agreement for a
stated reason (on-call duty, IT administration, leadership). Consented agreements
still waiting get their access requested as the policy says, so IT's queue is not
empty. Halver: about 60 people with VPN.

Provisioning does nothing in the demo (WIREGUARD_ENABLED off, no LDAP_URL).
"""

from __future__ import annotations

import datetime as dt
import random
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rathausmobil.access import provisioning, selectors, services
from rathausmobil.access.models import (
    AccessGrant,
    AccessKind,
    DeviceRule,
    GatewayProduct,
    GrantStatus,
    SpecialistApplication,
    TerminalServerFarm,
    VpnGateway,
)
from rathausmobil.core.audit import audit_event, audit_events_bulk
from rathausmobil.core.models import StatusChange
from rathausmobil.organisation.models import Employee, OrgUnit

SETUP = {
    "offenbach": {
        "gateways": [
            ("VPN-Gateway Rathaus", GatewayProduct.WIREGUARD, 1200, True),
            (
                "VPN-Gateway Stadtwerke-Rechenzentrum (Ausweich)",
                GatewayProduct.FORTIGATE,
                100,
                False,
            ),
        ],
        "farms": [("TS-Farm Fachverfahren", 150)],
        "applications": [
            # The Sachgebiete that run them: Amt 63, 20/21, 50 and 35 in part.
            ("Baugenehmigungsverfahren", "TS-Farm Fachverfahren", ["63.1"]),
            ("Finanzwesen SAP", "TS-Farm Fachverfahren", ["20.1", "20.2", "21.1"]),
            ("Sozialhilfe-Fachverfahren", "TS-Farm Fachverfahren", ["50.1", "50.3"]),
            ("Ausländerwesen", "TS-Farm Fachverfahren", ["35.1"]),
        ],
        "vpn_target": 1100,
    },
    "halver": {
        "gateways": [("VPN-Gateway Rathaus Halver", GatewayProduct.FORTIGATE, 80, True)],
        "farms": [("Terminalserver Rathaus", 20)],
        "applications": [
            ("Finanzwesen", "Terminalserver Rathaus", ["1.3", "1.4"]),
            ("Baugenehmigungsverfahren", "Terminalserver Rathaus", ["3.1"]),
        ],
        "vpn_target": 60,
    },
}

# Units whose staff hold VPN for on-call duty or administration without an agreement.
IT_UNITS = {"offenbach": ["12"], "halver": ["1.2"]}
ON_CALL_UNITS = {
    "offenbach": ["37", "32", "66", "67", "10.2", "51", "34", "33"],
    "halver": ["2.2", "3.3", "2.3"],
}
REQUESTED = {"offenbach": 6, "halver": 2}  # reason grants IT has yet to grant
REVOKED = {"offenbach": 8, "halver": 2}  # reason grants taken back again


def seed(scenario: str) -> None:
    if AccessGrant.objects.exists():
        return  # already loaded: the demo is idempotent
    with transaction.atomic():
        _Seeder(scenario).run()


class _Seeder:
    def __init__(self, scenario: str):
        self.scenario = scenario
        self.setup = SETUP[scenario]
        self.rng = random.Random(f"access-{scenario}")
        self.now = timezone.now()
        self.it = get_user_model().objects.get(username="it")
        self.backdate: dict[int, dt.datetime] = {}

    def run(self) -> None:
        from rathausmobil.agreements.models import Agreement, AgreementStatus

        self._infrastructure()
        services.policy_update(
            by=self.it, auto_grant=True, device_rule=DeviceRule.ANY_OFFICIAL_DEVICE
        )
        # 1. Everyone with an agreement in force: VPN, and the specialist applications
        #    of their unit. IT grants them (they predate the automatic rule).
        in_force = (
            Agreement.objects.filter(
                status__in=[AgreementStatus.ACTIVE, AgreementStatus.ENDING],
                employee__is_active=True,
            )
            .select_related("employee__unit")
            .order_by("employee__personnel_number", "status", "-start_date")
        )
        seen: set[int] = set()
        apps_of_unit: dict[int, list[SpecialistApplication]] = {}
        items = []
        for agreement in in_force:
            employee = agreement.employee
            if employee.pk in seen:
                continue
            seen.add(employee.pk)
            since = timezone.make_aware(dt.datetime.combine(agreement.start_date, dt.time(8, 15)))
            items.append((employee, AccessKind.VPN, agreement, None, "", since))
            if employee.unit_id not in apps_of_unit:
                apps_of_unit[employee.unit_id] = selectors.applications_for_unit(employee.unit)
            for application in apps_of_unit[employee.unit_id]:
                items.append(
                    (employee, AccessKind.TERMINAL_SERVER, agreement, application, "", since)
                )
        self._bulk_give(items)
        # 2. Consented agreements still waiting: access as the policy says (requested,
        #    and granted at once where the device rule is met).
        from rathausmobil.agreements.services import agreement_try_activate

        for agreement in Agreement.objects.filter(
            status=AgreementStatus.PENDING, accepted_at__isnull=False, employee__is_active=True
        ).order_by("pk"):
            agreement_try_activate(agreement=agreement, by=None)
        # 3. VPN without an agreement, for a stated reason, up to the published figure.
        self._reason_grants()
        self._apply_backdating()

    # -- infrastructure
    def _infrastructure(self) -> None:
        for name, product, capacity, is_default in self.setup["gateways"]:
            VpnGateway.objects.get_or_create(
                name=name,
                defaults={"product": product, "capacity": capacity, "is_default": is_default},
            )
        farms = {}
        for name, sessions in self.setup["farms"]:
            farms[name], _created = TerminalServerFarm.objects.get_or_create(
                name=name, defaults={"session_capacity": sessions}
            )
        units = dict(OrgUnit.objects.values_list("code", "pk"))
        for name, farm, codes in self.setup["applications"]:
            application, _created = SpecialistApplication.objects.get_or_create(
                name=name, defaults={"farm": farms[farm]}
            )
            application.units.set([units[c] for c in codes if c in units])

    # -- grants
    def _bulk_give(self, items) -> None:
        """What grant_request and grant_activate write, for many people at once: the
        grants, two history rows and two audit events each, provisioning after the
        commit. Safe here: nobody in `items` has an open grant of that kind yet."""
        gateway = selectors.default_gateway()
        grants = [
            AccessGrant(
                employee=employee,
                kind=kind,
                gateway=gateway if kind == AccessKind.VPN else None,
                farm=application.farm if application else None,
                application=application,
                agreement=agreement,
                reason=reason,
                status=GrantStatus.ACTIVE,
                granted_at=since,
            )
            for employee, kind, agreement, application, reason, since in items
        ]
        AccessGrant.objects.bulk_create(grants, batch_size=1000)
        changes, events = [], []
        for grant, (_e, _k, agreement, _a, reason, since) in zip(grants, items, strict=True):
            self.backdate[grant.pk] = since
            why = reason or f"Vereinbarung {agreement.pk}"
            changes += [
                StatusChange(
                    record=grant,
                    action="request",
                    from_status="",
                    to_status=GrantStatus.REQUESTED,
                    by=self.it,
                    reason=why,
                ),
                StatusChange(
                    record=grant,
                    action="activate",
                    from_status=GrantStatus.REQUESTED,
                    to_status=GrantStatus.ACTIVE,
                    by=self.it,
                ),
            ]
            for action, old, new, text in (
                ("Zugang beantragt", "–", "beantragt", why),
                ("Zugang erteilt", "beantragt", "aktiv", ""),
            ):
                events.append(
                    audit_event(
                        actor=self.it,
                        action=action,
                        obj=grant,
                        changes={"Status": [old, new]},
                        reason=text,
                        save=False,
                    )
                )
            transaction.on_commit(partial(provisioning.grant_activated, grant.pk))
        StatusChange.objects.bulk_create(changes, batch_size=2000)
        audit_events_bulk(events)

    def _candidates(self) -> list[tuple[Employee, str]]:
        """Active staff without any VPN grant and without an open agreement, with the
        reason they need the VPN anyway: IT staff, heads of units, on-call units."""
        from rathausmobil.agreements.models import Agreement, AgreementStatus

        with_vpn = AccessGrant.objects.filter(kind=AccessKind.VPN).values("employee_id")
        open_agreement = Agreement.objects.filter(
            status__in=[AgreementStatus.PENDING, AgreementStatus.ACTIVE, AgreementStatus.ENDING]
        ).values("employee_id")
        people = list(
            Employee.objects.filter(is_active=True)
            .exclude(pk__in=with_vpn)
            .exclude(pk__in=open_agreement)
            .select_related("unit")
            .order_by("personnel_number")
        )
        heads = set(OrgUnit.objects.exclude(head=None).values_list("head_id", flat=True))
        it_paths = self._paths(IT_UNITS[self.scenario])
        on_call_paths = self._paths(ON_CALL_UNITS[self.scenario])

        def under(employee, paths) -> bool:
            return any(employee.unit.path.startswith(p) for p in paths)

        leading = [(e, "Leitungsaufgaben") for e in people if e.pk in heads]
        admins = [
            (e, "IT-Administration") for e in people if e.pk not in heads and under(e, it_paths)
        ]
        on_call = [
            (e, "Rufbereitschaft")
            for e in people
            if e.pk not in heads and not under(e, it_paths) and under(e, on_call_paths)
        ]
        self.rng.shuffle(on_call)
        rest = [
            (e, "Vertretung in Sonderlagen (Krisenstab)")
            for e in people
            if e.pk not in heads and not under(e, it_paths) and not under(e, on_call_paths)
        ]
        self.rng.shuffle(rest)
        return leading + admins + on_call + rest

    def _paths(self, codes: list[str]) -> list[str]:
        return list(OrgUnit.objects.filter(code__in=codes).values_list("path", flat=True))

    def _reason_grants(self) -> None:
        target = self.setup["vpn_target"]
        have = selectors.kpis()["staff_with_vpn_access"]
        candidates = self._candidates()
        wanted = max(target - have, 0)
        self._bulk_give(
            [
                (
                    employee,
                    AccessKind.VPN,
                    None,
                    None,
                    reason,
                    self.now - dt.timedelta(days=self.rng.randint(30, 400)),
                )
                for employee, reason in candidates[:wanted]
            ]
        )
        rest = candidates[wanted:]
        requested, revoked = REQUESTED[self.scenario], REVOKED[self.scenario]
        for employee, reason in rest[:requested]:
            services.grant_request(
                employee=employee, kind=AccessKind.VPN, by=self.it, reason=reason
            )
        for employee, _reason in rest[requested : requested + revoked]:
            grant = services.grant_request(
                employee=employee,
                kind=AccessKind.VPN,
                by=self.it,
                reason="Projekt Einführung E-Akte",
            )
            services.grant_revoke(
                grant=grant, by=self.it, reason="Nicht mehr nötig: Projekt abgeschlossen"
            )

    def _apply_backdating(self) -> None:
        """The grants of older agreements date from their start, as IT granted them then."""
        grants = list(AccessGrant.objects.filter(pk__in=list(self.backdate)))
        for grant in grants:
            since = self.backdate[grant.pk]
            grant.requested_at = since - dt.timedelta(days=2)
            grant.granted_at = since
        AccessGrant.objects.bulk_update(grants, ["requested_at", "granted_at"], batch_size=1000)
        changes = list(
            StatusChange.objects.filter(
                content_type=ContentType.objects.get_for_model(AccessGrant),
                object_id__in=list(self.backdate),
            ).filter(Q(to_status=GrantStatus.REQUESTED) | Q(to_status=GrantStatus.ACTIVE))
        )
        for change in changes:
            since = self.backdate[change.object_id]
            change.at = (
                since if change.to_status == GrantStatus.ACTIVE else since - dt.timedelta(days=2)
            )
        StatusChange.objects.bulk_update(changes, ["at"], batch_size=1000)
