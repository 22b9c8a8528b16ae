"""Demo records of access, made through the services IT uses (history and audit rows
included). Runs after the agreements and equipment demos.

Offenbach: 1,100 of 1,200 staff have VPN access (press article, early 2021) on
the Cisco ASA (AnyConnect) gateway "VPN-Gateway Rathaus" with 1,200 licences (its
logs are the ASA logs the usage demo reads), a small FortiGate fallback gateway, and a
terminal-server farm with 150 sessions for the data-heavy specialist applications.

1. Everyone with an active or ending agreement has VPN, and terminal-server access
   for the applications of their unit: IT requested and granted these by hand
   (`grant_request` with the agreement, `grant_activate`), as they predate the
   automatic rule.
2. Then IT switches the automatic rule on (`policy_update`), and consented agreements
   still waiting go the workflow's own way: the consent asks for access, granted at
   once where the device rule is met, otherwise left in IT's queue.
3. The rest of the 1,100 have VPN without an agreement for a stated reason (on-call
   duty, IT administration, leadership), as IT enters it on "Zugang anlegen"; a few
   such requests are still open, a few were revoked again.

Halver: about 60 people with VPN on a FortiGate.

The grants date from when the story has them (an agreement's grant from its start):
the services stamp the moment of the call and take no date, so the grant's own
`requested_at` and `granted_at` are set afterwards; history and audit rows keep the
moment the demo was loaded. Provisioning does nothing in the demo (no LDAP_URL, and
no WireGuard: neither gateway is a WireGuard gateway, WIREGUARD_ENABLED stays off).
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from rathausmobil.access import selectors, services
from rathausmobil.access.models import (
    AccessGrant,
    AccessKind,
    DeviceRule,
    GatewayProduct,
    SpecialistApplication,
    TerminalServerFarm,
    VpnGateway,
)
from rathausmobil.organisation.models import Employee, OrgUnit

SETUP = {
    "offenbach": {
        "gateways": [
            ("VPN-Gateway Rathaus", GatewayProduct.CISCO_ASA, 1200, True),
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
        # When each grant was given in the story (the services take no date).
        self.since: dict[int, dt.datetime] = {}

    def run(self) -> None:
        from rathausmobil.agreements.models import Agreement, AgreementStatus
        from rathausmobil.agreements.services import agreement_try_activate

        self._infrastructure()
        # 1. Everyone with an agreement in force: VPN, and the specialist applications
        #    of their unit. IT granted them by hand (they predate the automatic rule).
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
        for agreement in in_force:
            employee = agreement.employee
            if employee.pk in seen:
                continue
            seen.add(employee.pk)
            since = timezone.make_aware(dt.datetime.combine(agreement.start_date, dt.time(8, 15)))
            self._give(employee, AccessKind.VPN, since=since, agreement=agreement)
            if employee.unit_id not in apps_of_unit:
                apps_of_unit[employee.unit_id] = selectors.applications_for_unit(employee.unit)
            for application in apps_of_unit[employee.unit_id]:
                self._give(
                    employee,
                    AccessKind.TERMINAL_SERVER,
                    since=since,
                    agreement=agreement,
                    application=application,
                )
        # 2. From now on access follows the consent by the rule: consented agreements
        #    still waiting get theirs as the policy says (requested, and granted at once
        #    where the device rule is met).
        services.policy_update(
            by=self.it, auto_grant=True, device_rule=DeviceRule.ANY_OFFICIAL_DEVICE
        )
        for agreement in Agreement.objects.filter(
            status__in=[AgreementStatus.PENDING, AgreementStatus.AGREED],
            accepted_at__isnull=False,
            employee__is_active=True,
        ).order_by("pk"):
            agreement_try_activate(agreement=agreement, by=None)
        # 3. VPN without an agreement, for a stated reason, up to the published figure.
        self._reason_grants()
        self._set_moments()

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
    def _give(
        self,
        employee: Employee,
        kind: str,
        *,
        since: dt.datetime,
        agreement=None,
        application: SpecialistApplication | None = None,
        reason: str = "",
    ) -> AccessGrant:
        """IT requests the access and grants it, as on the grant pages."""
        grant = services.grant_request(
            employee=employee,
            kind=kind,
            by=self.it,
            agreement=agreement,
            application=application,
            reason=reason,
        )
        grant = services.grant_activate(grant=grant, by=self.it)
        self.since[grant.pk] = since
        return grant

    def _candidates(self) -> list[tuple[Employee, str]]:
        """Active staff without any VPN grant and without an open agreement, with the
        reason they need the VPN anyway: IT staff, heads of units, on-call units."""
        from rathausmobil.agreements.models import Agreement, AgreementStatus

        with_vpn = AccessGrant.objects.filter(kind=AccessKind.VPN).values("employee_id")
        open_agreement = Agreement.objects.filter(
            status__in=[
                AgreementStatus.PENDING,
                AgreementStatus.AGREED,
                AgreementStatus.ACTIVE,
                AgreementStatus.ENDING,
            ]
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
        for employee, reason in candidates[:wanted]:
            self._give(
                employee,
                AccessKind.VPN,
                since=self.now - dt.timedelta(days=self.rng.randint(30, 400)),
                reason=reason,
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

    def _set_moments(self) -> None:
        """The grants date from when IT gave them in the story: requested two days
        before. Only the grant's own dates; its history rows keep the moment of the call."""
        grants = list(AccessGrant.objects.filter(pk__in=list(self.since)))
        for grant in grants:
            since = self.since[grant.pk]
            grant.requested_at = since - dt.timedelta(days=2)
            grant.granted_at = since
        AccessGrant.objects.bulk_update(grants, ["requested_at", "granted_at"], batch_size=1000)
