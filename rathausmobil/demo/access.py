"""Demo records of access, made through the services IT uses (history and audit rows
included), each on the demo clock at its moment of the story (docs/demo.md). Runs after
the agreements and equipment demos.

Offenbach: 1,100 of 1,200 staff have VPN access "already in 2020" (press article of
20.01.2021) on the Cisco ASA (AnyConnect) gateway "VPN-Gateway Rathaus" with 1,200
licences (its logs are the ASA logs the usage demo reads), a small FortiGate fallback
gateway, and a terminal-server farm with 150 sessions for the data-heavy specialist
applications, all set up in May 2020.

1. From May to December 2020 IT opens the VPN to the staff (`story.VPN_OPENING`):
   up to the published figure, for a stated reason, as IT enters it on "Zugang anlegen"
   (home office in the pandemic, leadership, IT administration, on-call duty); people
   with a home-office agreement first. Whose agreement began before the article got the
   VPN with the agreement instead (step 2), counted in the figure all the same.
2. Everyone with an agreement in force gets terminal-server access for the
   applications of their unit from the agreement's start (and VPN, should they lack
   it): IT requested and granted these by hand, as they predate the automatic rule.
3. Then IT switches the automatic rule on (`policy_update`), and consented agreements
   still waiting go the workflow's own way: the consent asks for access, granted at
   once where the device rule is met, otherwise left in IT's queue. A few reason
   requests are still open, a few were revoked again.
4. After the article, people leave (the HR import's morning revokes their access, see
   seed_demo) and their successors get VPN in their first days (`seed_successors`),
   so the figure stays at 1,100.

Halver: about 60 people with VPN on a FortiGate.

Provisioning does nothing in the demo (no LDAP_URL, and no WireGuard: neither gateway
is a WireGuard gateway, WIREGUARD_ENABLED stays off).
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
from rathausmobil.demo import story
from rathausmobil.demo.clock import story_moment
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
        self.today = timezone.localdate()

    def run(self) -> None:
        from rathausmobil.agreements.models import Agreement, AgreementStatus
        from rathausmobil.agreements.services import agreement_try_activate

        with story_moment(story.CAMPAIGN_START, 14):
            self._infrastructure()
        # 1. The VPN opened to the staff in 2020.
        self._opening()
        # 2. Everyone with an agreement in force: the specialist applications of their
        #    unit (and VPN, should they lack it), from the agreement's start.
        in_force = self._in_force()
        with_vpn = set(
            AccessGrant.objects.filter(kind=AccessKind.VPN).values_list("employee_id", flat=True)
        )
        seen: set[int] = set()
        apps_of_unit: dict[int, list[SpecialistApplication]] = {}
        for agreement in in_force:
            employee = agreement.employee
            if employee.pk in seen:
                continue
            seen.add(employee.pk)
            since = story_moment_of(min(agreement.start_date, self.today), 8)
            if employee.pk not in with_vpn:
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
        # 3. From now on access follows the consent by the rule: consented agreements
        #    still waiting get theirs as the policy says (requested, and granted at once
        #    where the device rule is met).
        with story_moment(self.today - dt.timedelta(days=14), 10):
            services.policy_update(
                by=self.it, auto_grant=True, device_rule=DeviceRule.ANY_OFFICIAL_DEVICE
            )
        for agreement in Agreement.objects.filter(
            status__in=[AgreementStatus.PENDING, AgreementStatus.AGREED],
            accepted_at__isnull=False,
            employee__is_active=True,
        ).order_by("pk"):
            with story_moment(self.today, 16):
                agreement_try_activate(agreement=agreement, by=None)
        self._open_and_revoked()

    @staticmethod
    def _in_force():
        from rathausmobil.agreements.models import Agreement, AgreementStatus

        return (
            Agreement.objects.filter(
                status__in=[AgreementStatus.ACTIVE, AgreementStatus.ENDING],
                employee__is_active=True,
            )
            .select_related("employee__unit")
            .order_by("employee__personnel_number", "status", "-start_date")
        )

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
        """IT requests the access two days before `since` and grants it then, as on the
        grant pages."""
        with story_moment(since - dt.timedelta(days=2)):
            grant = services.grant_request(
                employee=employee,
                kind=kind,
                by=self.it,
                agreement=agreement,
                application=application,
                reason=reason,
            )
        with story_moment(since):
            return services.grant_activate(grant=grant, by=self.it)

    def _candidates(self) -> list[tuple[Employee, str]]:
        """Active staff without a VPN grant, with the reason they get it: people with a
        home-office agreement (any open one) first, then heads of units, IT staff, the
        positions assessed as (partly) eligible, on-call units, everyone else."""
        from rathausmobil.agreements.models import Agreement, AgreementStatus
        from rathausmobil.eligibility.selectors import current_results

        with_vpn = AccessGrant.objects.filter(kind=AccessKind.VPN).values("employee_id")
        agreed = set(
            Agreement.objects.filter(
                status__in=[
                    AgreementStatus.PENDING,
                    AgreementStatus.AGREED,
                    AgreementStatus.ACTIVE,
                    AgreementStatus.ENDING,
                ]
            ).values_list("employee_id", flat=True)
        )
        people = list(
            Employee.objects.filter(is_active=True)
            .exclude(pk__in=with_vpn)
            .select_related("unit")
            .order_by("personnel_number")
        )
        results = current_results(e.position_id for e in people if e.position_id)
        heads = set(OrgUnit.objects.exclude(head=None).values_list("head_id", flat=True))
        it_paths = self._paths(IT_UNITS[self.scenario])
        on_call_paths = self._paths(ON_CALL_UNITS[self.scenario])

        def under(employee, paths) -> bool:
            return any(employee.unit.path.startswith(p) for p in paths)

        pandemic = "Homeoffice in der Pandemie (Auftrag des Verwaltungsstabs)"
        groups: list[list[tuple[Employee, str]]] = [[] for _ in range(6)]
        for e in people:
            if e.pk in agreed:
                groups[0].append((e, pandemic))
            elif e.pk in heads:
                groups[1].append((e, "Leitungsaufgaben"))
            elif under(e, it_paths):
                groups[2].append((e, "IT-Administration"))
            elif results.get(e.position_id) in ("eligible", "partial"):
                groups[3].append((e, pandemic))
            elif under(e, on_call_paths):
                groups[4].append((e, "Rufbereitschaft"))
            else:
                groups[5].append((e, "Vertretung in Sonderlagen (Krisenstab)"))
        for group in groups[3:]:
            self.rng.shuffle(group)
        return [pair for group in groups for pair in group]

    def _paths(self, codes: list[str]) -> list[str]:
        return list(OrgUnit.objects.filter(code__in=codes).values_list("path", flat=True))

    def _opening(self) -> None:
        """VPN for the published figure of the article's day, granted from May to
        December 2020 (never before the person entered)."""
        target = self.setup["vpn_target"]
        candidates = self._candidates()
        first, last = story.VPN_OPENING
        days = sorted(story.workday(story.spread(self.rng, first, last)) for _ in candidates)
        self.rest = candidates[target:]
        started = {}  # whose agreement in force began first: their VPN comes with it
        for agreement in self._in_force():
            started.setdefault(agreement.employee_id, agreement.start_date)
        for (employee, reason), day in zip(candidates[:target], days, strict=False):
            day = max(day, employee.entry_date + dt.timedelta(days=2))
            day = min(day, story.ARTICLE_DAY - dt.timedelta(days=1))
            if started.get(employee.pk, story.ARTICLE_DAY) < story.ARTICLE_DAY:
                continue  # granted with the agreement (step 2), before the article
            since = story_moment_of(day, 8 + self.rng.randint(0, 8))
            self._give(employee, AccessKind.VPN, since=since, reason=reason)

    def _open_and_revoked(self) -> None:
        """A few reason requests IT has yet to grant, a few taken back again."""
        rest = [(e, r) for e, r in self.rest if not e.access_grants.exists()]
        requested, revoked = REQUESTED[self.scenario], REVOKED[self.scenario]
        for employee, reason in rest[:requested]:
            with story_moment(self.today - dt.timedelta(days=self.rng.randint(1, 10)), 11):
                services.grant_request(
                    employee=employee, kind=AccessKind.VPN, by=self.it, reason=reason
                )
        for employee, _reason in rest[requested : requested + revoked]:
            asked = self.today - dt.timedelta(days=self.rng.randint(30, 90))
            with story_moment(asked, 11):
                grant = services.grant_request(
                    employee=employee,
                    kind=AccessKind.VPN,
                    by=self.it,
                    reason="Projekt Einführung E-Akte",
                )
            with story_moment(asked + dt.timedelta(days=20), 11):
                services.grant_revoke(
                    grant=grant, by=self.it, reason="Nicht mehr nötig: Projekt abgeschlossen"
                )


def seed_successors(scenario: str) -> None:
    """After the article: whoever entered as the successor of a leaver who had VPN gets
    it in their first days (IT's routine for new staff). Idempotent."""
    if scenario not in SETUP or not AccessGrant.objects.exists():
        return
    it = get_user_model().objects.get(username="it")
    with_vpn = AccessGrant.objects.filter(kind=AccessKind.VPN).values("employee_id")
    for successor in (
        Employee.objects.filter(is_active=True, entry_date__gt=story.ARTICLE_DAY)
        .exclude(pk__in=with_vpn)
        .order_by("entry_date", "personnel_number")
    ):
        predecessor = Employee.objects.filter(
            position_id=successor.position_id,
            exit_date=successor.entry_date - dt.timedelta(days=1),
            access_grants__kind=AccessKind.VPN,
            access_grants__granted_at__isnull=False,
        ).first()
        if predecessor is None:
            continue
        day = story.workday(successor.entry_date + dt.timedelta(days=1))
        with story_moment(day - dt.timedelta(days=1), 14):
            grant = services.grant_request(
                employee=successor,
                kind=AccessKind.VPN,
                by=it,
                reason="Neu im Dienst: Nachfolge mit mobilem Arbeitsplatz",
            )
        with story_moment(day, 9):
            services.grant_activate(grant=grant, by=it)


def story_moment_of(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 15)))
