"""Demo records of the workflow, generated through the real services.

Every number the dashboard shows for the demo comes from these records: requests
in every state, refusals with reasons, agreements of each kind, pledges, an
active pandemic period with documented and open gaps.

Each step is played on the demo clock at its day of the story (docs/demo.md): the
checklist is published in May 2020; agreements in force began between June 2020 and a
few weeks before the demo's today, ended ones ran and ended in between, refusals are
spread over the years they are kept (temporary reasons come back for decision, so those
are recent); what is open (requests, offers, drafts, the pandemic period) is relative
to the demo's today, so the demo always shows a current state.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rathausmobil.agreements import services
from rathausmobil.agreements.models import (
    ChecklistVersion,
    PatternType,
    ReasonCode,
    WorkKind,
)
from rathausmobil.demo import story
from rathausmobil.demo.clock import story_moment
from rathausmobil.organisation.models import Employee, Role

CHECKLIST = [
    ("locked", "Unterlagen und Datenträger schließe ich weg, wenn ich sie nicht benutze.", True),
    ("clean_desk", "Beim Verlassen des Arbeitsplatzes lasse ich nichts offen liegen.", True),
    (
        "no_access",
        "Familie und Besuch haben keinen Zugang zu Unterlagen, Gerät oder Bildschirm.",
        True,
    ),
    ("screen_lock", "Bei jeder Abwesenheit sperre ich den Bildschirm.", True),
    ("official_devices", "Ich nutze nur dienstliche Geräte und keinen privaten Speicher.", True),
    ("vpn_only", "Ich verbinde mich nur über das VPN mit dem Netz der Stadt.", True),
    ("no_changes", "Ich verändere weder Hardware noch Software.", True),
    (
        "permitted_documents",
        "Ich nehme nur erlaubte Unterlagen mit und transportiere sie sicher.",
        True,
    ),
    ("paper_disposal", "Papier vernichte ich nur im Büro.", True),
    ("not_overheard", "Telefonate und Bildschirm werden nicht mitgehört oder eingesehen.", True),
    ("report_incidents", "Verlust, Diebstahl oder Vorfälle melde ich sofort.", True),
    ("briefing", "Ich habe an der Sicherheitsunterweisung teilgenommen.", True),
    ("privacy_filter", "Ich nutze einen Blickschutzfilter.", False),
    ("secure_wifi", "Mein WLAN zu Hause ist gesichert (WPA2/WPA3, eigenes Passwort).", False),
    ("ergonomic", "Ich habe einen eigenen, ergonomischen Arbeitsplatz.", False),
]

# How many people in eligible or partly eligible positions get each outcome, in
# this order; "active" takes everyone left over (None) or a fixed number.
PLAN = {
    "offenbach": {
        "pending": 12,
        "agreed": 6,
        "ending": 6,
        "ended": 18,
        "offered": 14,
        "declined": 10,
        "submitted": 26,
        "overdue": 7,
        "draft": 8,
        "rejected": 22,
        "withdrawn": 6,
        "active": None,
    },
    "halver": {
        "pending": 3,
        "agreed": 2,
        "ending": 1,
        "ended": 3,
        "offered": 3,
        "declined": 2,
        "submitted": 4,
        "overdue": 1,
        "draft": 2,
        "rejected": 4,
        "withdrawn": 1,
        "active": 38,
    },
}
DEMO_USERNAMES = (
    "beschaeftigte",
    "vorgesetzte",
    "amtsleitung",
    "fremdvorgesetzte",
    "personalamt",
    "it",
    "personalrat",
    "datenschutz",
    "verwaltungsspitze",
)

JUSTIFICATIONS = {
    "R1": "Die Stelle ist überwiegend am Schalter eingesetzt; Termine mit Bürgerinnen und Bürgern lassen sich nicht digital führen.",
    "R2": "Im Sachgebiet sind derzeit zwei Stellen unbesetzt; die Mindestbesetzung von drei Personen vor Ort ist sonst nicht gesichert.",
    "R3": "Die Sachbearbeitung betrifft Daten mit sehr hohem Schutzbedarf, die nach dem Sicherheitskonzept nur im Haus verarbeitet werden.",
    "R4": "Die laufenden Akten liegen nur auf Papier vor; die Digitalisierung des Bestands ist für das nächste Quartal geplant.",
    "R5": "Ein dienstliches Notebook ist bestellt, aber noch nicht geliefert; ohne Gerät ist mobiles Arbeiten nicht möglich.",
    "R6": "Die Einarbeitung in das Fachverfahren dauert noch an und erfordert die Anleitung im Team vor Ort.",
    "R7": "Nach der Gefährdungsbeurteilung ist der häusliche Arbeitsplatz für Telearbeit nicht geeignet (kein abschließbarer Raum).",
    "R8": "Es bestehen dokumentierte Leistungsbedenken aus dem letzten Mitarbeitergespräch; vereinbart ist eine Überprüfung in sechs Monaten.",
}


FIRST_AGREEMENTS = dt.date(2020, 6, 1)  # the first agreements of the campaign begin
CHECKLIST_PUBLISHED = dt.date(2020, 5, 15)


def seed(scenario: str, *, leaving: frozenset[str] = frozenset()) -> None:
    """`leaving`: personnel numbers of people who leave later in the story (they get no
    agreement)."""
    if ChecklistVersion.objects.exists():
        return  # already loaded: the demo is idempotent
    with transaction.atomic():
        _Seeder(scenario, leaving).run()


class _Seeder:
    def __init__(self, scenario: str, leaving: frozenset[str] = frozenset()):
        self.scenario = scenario
        self.leaving = leaving
        self.rng = random.Random(f"agreements-{scenario}")
        self.today = timezone.localdate()
        self.users: dict[int, object] = {}

    def run(self) -> None:
        self._accounts()
        dpo = get_user_model().objects.get(username="datenschutz")
        with story_moment(CHECKLIST_PUBLISHED, 11):
            services.checklist_publish(
                by=dpo,
                items=[{"key": k, "text": t, "mandatory": m} for k, t, m in CHECKLIST],
                note="Erste Fassung nach der Dienstvereinbarung mobiles Arbeiten.",
            )
        # The officer is working on version 2 (not published): the secured home Wi-Fi
        # becomes mandatory and printing at home is new; the editor shows the draft,
        # its preview and the differences.
        with story_moment(self.today - dt.timedelta(days=10), 15):
            services.checklist_draft_save(
                by=dpo,
                items=[
                    {"key": k, "text": t, "mandatory": m or k == "secure_wifi"}
                    for k, t, m in CHECKLIST
                ]
                + [
                    {
                        "key": "",
                        "text": "Zu Hause drucke ich nichts aus; Ausdrucke entstehen im Büro.",
                        "mandatory": True,
                    }
                ],
            )
        people = self._eligible_people()
        # The pandemic period comes first: pandemic offers answer its duty and begin in it.
        self.period = self._pandemic_period()
        plan = PLAN[self.scenario]
        cursor = 0
        for outcome, count in plan.items():
            for employee in people[cursor : cursor + count if count is not None else None]:
                getattr(self, f"_{outcome}")(employee)
            cursor += count or 0
        self._pandemic()

    # -- accounts: every person gets a (directory-style) account without a password
    def _accounts(self) -> None:
        User = get_user_model()
        missing = list(Employee.objects.filter(user__isnull=True, is_active=True).exclude(email=""))
        taken = set(User.objects.values_list("username", flat=True))
        new_users = []
        for employee in missing:
            username = employee.email.split("@")[0]
            if username in taken:
                continue
            taken.add(username)
            user = User(
                username=username,
                email=employee.email,
                first_name=employee.first_name,
                last_name=employee.last_name,
            )
            user.set_unusable_password()
            new_users.append(user)
        User.objects.bulk_create(new_users, batch_size=1000)
        by_email = dict(
            User.objects.filter(email__in=[e.email for e in missing]).values_list("email", "pk")
        )
        for employee in missing:
            employee.user_id = by_email.get(employee.email)
        Employee.objects.bulk_update([e for e in missing if e.user_id], ["user"], batch_size=1000)

    def _user(self, employee):
        if employee.pk not in self.users:
            self.users[employee.pk] = get_user_model().objects.get(pk=employee.user_id)
        return self.users[employee.pk]

    def _eligible_people(self) -> list[Employee]:
        from rathausmobil.eligibility.selectors import current_results

        excluded = Q(user__username__in=DEMO_USERNAMES) | Q(
            user__role_assignments__role__in=[Role.HR, Role.IT]
        )
        people = list(
            Employee.objects.filter(is_active=True, user__isnull=False, position__isnull=False)
            .exclude(excluded)
            .exclude(personnel_number__in=self.leaving)
            .select_related("unit__head__user", "unit__parent__head__user", "position")
            .order_by("personnel_number")
            .distinct()
        )
        results = current_results(e.position_id for e in people)
        self.results = results
        # Heads of the top units have no head above them in the tree: they are left out.
        eligible = [
            e
            for e in people
            if results.get(e.position_id) in ("eligible", "partial")
            and services.responsible_unit(e) is not None
        ]
        self.rng.shuffle(eligible)
        # The demo supervisor's unit gets open requests to decide.
        boss_unit = (
            Employee.objects.filter(user__username="vorgesetzte")
            .values_list("unit_id", flat=True)
            .first()
        )
        eligible.sort(key=lambda e: 0 if e.unit_id == boss_unit and e.unit.head_id != e.pk else 1)
        front = [e for e in eligible if e.unit_id == boss_unit and e.unit.head_id != e.pk][:4]
        rest = [e for e in eligible if e not in front]
        plan = PLAN[self.scenario]
        before_submitted = sum(
            v
            for k, v in plan.items()
            if k in ("pending", "agreed", "ending", "ended", "offered", "declined")
        )
        return rest[:before_submitted] + front + rest[before_submitted:]

    def _request_pattern(self, employee, *, start: dt.date) -> dict:
        """What a person asks for: any kind but the pandemic offer, which only the
        employer makes."""
        values = self._pattern(employee, start=start)
        if values["kind"] == WorkKind.PANDEMIC:
            values["kind"] = WorkKind.ALTERNATING
        return values

    def _pattern(self, employee, *, start: dt.date, kind: str | None = None) -> dict:
        partial = self.results.get(employee.position_id) == "partial"
        if kind is None:
            roll = self.rng.random()
            if partial:
                kind = WorkKind.OCCASIONAL if roll < 0.4 else WorkKind.ALTERNATING
            else:
                kind = (
                    WorkKind.PANDEMIC
                    if roll < 0.5
                    else WorkKind.ALTERNATING
                    if roll < 0.85
                    else WorkKind.TELEWORK
                    if roll < 0.93
                    else WorkKind.OCCASIONAL
                )
        part_time = employee.weekly_hours < 39
        if kind == WorkKind.OCCASIONAL:
            return {
                "kind": kind,
                "pattern_type": PatternType.SHARE,
                "share_percent": self.rng.choice([10, 20]),
                "start_date": start,
            }
        working_days = 4 if part_time and self.rng.random() < 0.5 else 5
        days = self.rng.choice([1, 2] if partial or working_days == 4 else [2, 2, 3])
        weekdays = sorted(self.rng.sample(range(working_days), days))
        return {
            "kind": kind,
            "pattern_type": PatternType.WEEKDAYS,
            "weekdays": weekdays,
            "working_days_per_week": working_days,
            "start_date": start,
        }

    def _decider(self, employee):
        unit = services.responsible_unit(employee)
        return self._user(unit.head)

    def at(self, day: dt.date, hour: int = 9):
        """Play a moment of the story (the demo clock): never later than the demo's today."""
        return story_moment(min(day, self.today), hour, self.rng.randrange(0, 60, 5))

    def _sign(self, employee, day: dt.date) -> None:
        answers = {k: (True if m else self.rng.random() < 0.6) for k, _t, m in CHECKLIST}
        with self.at(day, 8):
            services.pledge_sign(by=self._user(employee), answers=answers, today=day)

    def _since_campaign(self, last: dt.date) -> dt.date:
        """A day from the first weeks of the campaign to `last`."""
        return story.spread(self.rng, FIRST_AGREEMENTS, max(last, FIRST_AGREEMENTS))

    def _approved_agreement(self, employee, *, start: dt.date, kind: str | None = None):
        values = self._pattern(employee, start=start, kind=kind)
        if values["kind"] == WorkKind.PANDEMIC:
            # A pandemic offer answers the period's duty: it begins in the period (and
            # its agreement ends with it).
            start = max(start, self.period.start_date + dt.timedelta(days=self.rng.randint(0, 20)))
            start = min(start, self.today)
            values["start_date"] = start
            with self.at(start - dt.timedelta(days=10)):
                offer = services.offer_create(
                    employee=employee,
                    by=self._decider(employee),
                    values=values,
                    text="Angebot nach der Homeoffice-Angebotspflicht.",
                    today=start - dt.timedelta(days=10),
                )
            with self.at(start, 8):
                return services.offer_accept(offer=offer, by=self._user(employee), today=start)
        asked = start - dt.timedelta(days=14)
        with self.at(asked, 10):
            request = services.request_create(by=self._user(employee), values=values, today=asked)
            services.request_submit(request=request, by=self._user(employee), today=asked)
        decided = start - dt.timedelta(days=3)
        with self.at(decided, 14):
            agreement = services.request_approve(
                request=request,
                by=self._decider(employee),
                today=decided,
                quota_exception_reason="Ausnahme: lange Anfahrt und Pflege eines Angehörigen."
                if request.home_share_percent > 60
                else "",
            )
            if values["kind"] == WorkKind.TELEWORK:
                agreement.home_address = f"{employee.last_name}, Musterstraße {self.rng.randint(1, 120)}, 63065 Offenbach am Main"
                agreement.equipment_list = (
                    "Notebook\nMonitor 24 Zoll\nHeadset\nHöhenverstellbarer Tisch"
                )
                agreement.risk_assessment_date = start - dt.timedelta(days=7)
                agreement.save(
                    update_fields=["home_address", "equipment_list", "risk_assessment_date"]
                )
        with self.at(start, 8):
            services.agreement_accept(agreement=agreement, by=self._user(employee), today=start)
        return agreement

    # -- outcomes
    def _active(self, employee) -> None:
        start = self._since_campaign(self.today - dt.timedelta(days=20))
        self._sign(employee, start - dt.timedelta(days=14))
        self._approved_agreement(employee, start=start)

    def _pending(self, employee) -> None:
        start = self.today + dt.timedelta(days=self.rng.randint(3, 30))
        asked = self.today - dt.timedelta(days=5)
        with self.at(asked, 10):
            request = services.request_create(
                by=self._user(employee),
                values=self._pattern(employee, start=start, kind=WorkKind.ALTERNATING),
                today=asked,
            )
            services.request_submit(request=request, by=self._user(employee), today=asked)
        with self.at(self.today, 11):
            agreement = services.request_approve(
                request=request, by=self._decider(employee), today=self.today
            )
        if self.rng.random() < 0.5:
            with self.at(self.today, 15):
                services.agreement_accept(
                    agreement=agreement, by=self._user(employee), today=self.today
                )

    def _agreed(self, employee) -> None:
        """Consented and pledged; it begins in a few weeks: "vereinbart, beginnt am …"."""
        start = self.today + dt.timedelta(days=self.rng.randint(10, 40))
        asked = self.today - dt.timedelta(days=6)
        self._sign(employee, asked)
        values = self._pattern(employee, start=start, kind=WorkKind.ALTERNATING)
        with self.at(asked, 10):
            request = services.request_create(by=self._user(employee), values=values, today=asked)
            services.request_submit(request=request, by=self._user(employee), today=asked)
        with self.at(self.today, 11):
            agreement = services.request_approve(
                request=request, by=self._decider(employee), today=self.today
            )
            services.agreement_accept(
                agreement=agreement, by=self._user(employee), today=self.today
            )

    def _ending(self, employee) -> None:
        start = self._since_campaign(self.today - dt.timedelta(days=200))
        self._sign(employee, start - dt.timedelta(days=14))
        agreement = self._approved_agreement(employee, start=start, kind=WorkKind.ALTERNATING)
        notice = self.today - dt.timedelta(days=7)
        with self.at(notice, 10):
            services.agreement_return(
                agreement=agreement,
                by=self._user(employee),
                today=notice,
                reason="Ich arbeite lieber wieder im Team vor Ort.",
            )

    def _ended(self, employee) -> None:
        start = self._since_campaign(self.today - dt.timedelta(days=270))
        self._sign(employee, start - dt.timedelta(days=14))
        agreement = self._approved_agreement(employee, start=start, kind=WorkKind.ALTERNATING)
        if self.rng.random() < 0.6:
            notice = start + dt.timedelta(days=120)
            with self.at(notice, 10):
                services.agreement_return(
                    agreement=agreement, by=self._user(employee), today=notice
                )
        else:
            notice = start + dt.timedelta(days=150)
            with self.at(notice, 10):
                services.agreement_revoke(
                    agreement=agreement,
                    by=self._decider(employee),
                    today=notice,
                    reason="Die Aufgaben des Sachgebiets wurden neu zugeschnitten; die Stelle ist künftig im Bürgerkontakt eingesetzt.",
                )
        agreement.refresh_from_db()
        # The nightly job ends it the day after its last day.
        ended = min((agreement.end_date or notice) + dt.timedelta(days=1), self.today)
        with self.at(ended, 2):
            services.agreement_end_due(agreement=agreement, today=ended)

    def _offered(self, employee) -> None:
        start = self.today + dt.timedelta(days=14)
        with self.at(self.today, 10):
            services.offer_create(
                employee=employee,
                by=self._decider(employee),
                values=self._pattern(employee, start=start, kind=WorkKind.ALTERNATING),
                text="Wir bieten Ihnen mobiles Arbeiten an; die Entscheidung liegt bei Ihnen.",
                today=self.today,
            )

    def _declined(self, employee) -> None:
        start = self._since_campaign(self.today - dt.timedelta(days=30))
        offered = start - dt.timedelta(days=5)
        with self.at(offered, 10):
            offer = services.offer_create(
                employee=employee,
                by=self._decider(employee),
                values=self._pattern(employee, start=start, kind=WorkKind.PANDEMIC),
                today=offered,
            )
        with self.at(offered + dt.timedelta(days=2), 16):
            services.offer_decline(
                offer=offer,
                by=self._user(employee),
                note=self.rng.choice(
                    ["", "Zu Hause fehlt mir der Platz.", "Ich arbeite lieber im Büro."]
                ),
            )

    def _submitted(self, employee, *, days_ago: int | None = None) -> None:
        days_ago = self.rng.randint(1, 20) if days_ago is None else days_ago
        submitted_on = self.today - dt.timedelta(days=days_ago)
        start = self.today + dt.timedelta(days=self.rng.randint(14, 45))
        with self.at(submitted_on, 10):
            request = services.request_create(
                by=self._user(employee),
                values=self._pattern(employee, start=start, kind=WorkKind.ALTERNATING),
                text="Ich möchte an festen Tagen von zu Hause arbeiten.",
                today=submitted_on,
            )
            services.request_submit(request=request, by=self._user(employee), today=submitted_on)

    def _overdue(self, employee) -> None:
        self._submitted(employee, days_ago=30 + self.rng.randint(0, 6))

    def _draft(self, employee) -> None:
        start = self.today + dt.timedelta(days=30)
        with self.at(self.today, 12):
            services.request_create(
                by=self._user(employee),
                values=self._request_pattern(employee, start=start),
                today=self.today,
            )

    def _rejected(self, employee) -> None:
        # Every reason in turn, so that each appears in the figures.
        self.refusals = getattr(self, "refusals", -1) + 1
        code = ReasonCode.values[self.refusals % len(ReasonCode.values)]
        codes = [code] + (
            [ReasonCode.R2] if code == ReasonCode.R1 and self.rng.random() < 0.5 else []
        )
        temporary = any(c in (ReasonCode.R4, ReasonCode.R5, ReasonCode.R6) for c in codes)
        if temporary:  # comes back for decision: decided in the last months
            decided = self.today - dt.timedelta(days=self.rng.randint(5, 200))
        else:  # over the years, within the 3 years refusals are kept (DOMAIN.md, retention)
            kept_from = max(FIRST_AGREEMENTS, dt.date(self.today.year - 3, 1, 1))
            decided = story.spread(self.rng, kept_from, self.today - dt.timedelta(days=5))
        decided = max(decided, FIRST_AGREEMENTS)
        start = decided + dt.timedelta(days=30)
        asked = decided - dt.timedelta(days=10)
        with self.at(asked, 10):
            request = services.request_create(
                by=self._user(employee),
                values=self._pattern(employee, start=start, kind=WorkKind.ALTERNATING),
                today=asked,
            )
            services.request_submit(request=request, by=self._user(employee), today=asked)
        with self.at(decided, 14):
            services.request_reject(
                request=request,
                by=self._decider(employee),
                reason_codes=codes,
                justification=" ".join(JUSTIFICATIONS[c] for c in codes),
                review_date=self.today + dt.timedelta(days=self.rng.randint(10, 120))
                if temporary
                else None,
                today=decided,
            )

    def _withdrawn(self, employee) -> None:
        start = self.today + dt.timedelta(days=20)
        asked = self.today - dt.timedelta(days=3)
        with self.at(asked, 10):
            request = services.request_create(
                by=self._user(employee),
                values=self._request_pattern(employee, start=start),
                today=asked,
            )
            services.request_submit(request=request, by=self._user(employee), today=asked)
        with self.at(self.today, 9):
            services.request_withdraw(
                request=request, by=self._user(employee), reason="Hat sich erledigt."
            )

    def _pandemic_period(self):
        hr = get_user_model().objects.get(username="personalamt")
        start = self.today - dt.timedelta(days=45)
        with self.at(start - dt.timedelta(days=2), 12):
            return services.pandemic_period_set(
                by=hr,
                start_date=start,
                end_date=self.today + dt.timedelta(days=60),
                legal_basis="§ 28b Abs. 7 IfSG (Demo-Szenario nach der Rechtslage 2021)",
                title="Homeoffice-Angebotspflicht",
            )

    def _pandemic(self) -> None:
        from rathausmobil.agreements.selectors import pandemic_gaps

        hr = get_user_model().objects.get(username="personalamt")
        period = self.period
        gaps = list(pandemic_gaps(hr, period)[:40])
        for position in gaps[: len(gaps) * 2 // 3]:
            with self.at(self.today - dt.timedelta(days=self.rng.randint(1, 30)), 13):
                services.pandemic_gap_document(
                    period=period,
                    position=position,
                    by=hr,
                    reason=f"Die Aufgaben der Stelle „{position.title}“ erfordern derzeit die Anwesenheit im Haus (Mindestbesetzung).",
                )
