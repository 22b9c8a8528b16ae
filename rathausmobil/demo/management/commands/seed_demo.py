"""Load a demo administration: deterministic (fixed seed) and idempotent.

The demo tells its story over time (docs/demo.md): each moment is played through the
services on the demo clock (`demo/clock.py`) at its date in `demo/story.py`, up to the
demo's today (`--today`, default the real today).
"""

import contextlib
import datetime as dt
import logging
import sys

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from rathausmobil.demo import access as access_demo
from rathausmobil.demo import agreements as agreements_demo
from rathausmobil.demo import eligibility as eligibility_demo
from rathausmobil.demo import equipment as equipment_demo
from rathausmobil.demo import organisation as organisation_demo
from rathausmobil.demo import presence as presence_demo
from rathausmobil.demo import story
from rathausmobil.demo import usage as usage_demo
from rathausmobil.demo.clock import story_moment
from rathausmobil.demo.generate import Generator
from rathausmobil.demo.scenarios import SCENARIOS
from rathausmobil.organisation.importing import employees_import, org_units_import
from rathausmobil.organisation.models import Employee, OrgUnit, Role
from rathausmobil.organisation.services import role_grant
from rathausmobil.reports.snapshots import snapshots_due

DEMO_PASSWORD = "demo"

# username, role, unit code of the person (their first employee there), label
DEMO_LOGINS = {
    "offenbach": [
        ("beschaeftigte", None, "20.1", "Beschäftigte (Kämmerei, Haushalt)"),
        ("vorgesetzte", "head", "20.1", "Vorgesetzte (Leitung Haushalt)"),
        ("amtsleitung", "head", "20", "Amtsleitung Kämmerei"),
        ("fremdvorgesetzte", "head", "33.1", "Vorgesetzte einer anderen Einheit (Bürgerbüro)"),
        ("personalamt", Role.HR, "11.1", "Personalamt"),
        ("it", Role.IT, "12.2", "IT"),
        ("personalrat", Role.STAFF_COUNCIL, "15", "Personalrat"),
        ("datenschutz", Role.DPO, "16", "Datenschutzbeauftragte"),
        ("verwaltungsspitze", Role.LEADERSHIP, "I", "Verwaltungsspitze (Oberbürgermeister)"),
    ],
    "halver": [
        ("beschaeftigte", None, "1.3", "Beschäftigte (Finanzen)"),
        ("vorgesetzte", "head", "1.3", "Vorgesetzte (Finanzen und Steuern)"),
        ("fremdvorgesetzte", "head", "2.1", "Vorgesetzte einer anderen Einheit (Bürgerbüro)"),
        ("personalamt", Role.HR, "1.1", "Personalamt"),
        ("it", Role.IT, "1.2", "IT"),
        ("personalrat", Role.STAFF_COUNCIL, "2.4", "Personalrat"),
        ("datenschutz", Role.DPO, "1.1", "Datenschutzbeauftragte"),
        ("verwaltungsspitze", Role.LEADERSHIP, "BM", "Bürgermeister"),
    ],
}


class Command(BaseCommand):
    help = "Lädt ein Demo-Szenario (offenbach oder halver); mehrfach ausführbar."

    def add_arguments(self, parser):
        parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="offenbach")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="vorher alle Daten löschen (nur für Demo-Datenbanken)",
        )
        parser.add_argument(
            "--today",
            type=_demo_day,
            help="die Geschichte nur bis zu diesem Tag erzählen (JJJJ-MM-TT, frühestens "
            "2021-01-20, der Tag des Offenbacher Presseartikels)",
        )
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, scenario, reset, quiet, today=None, **options):
        if reset:
            call_command("flush", interactive=False, verbosity=0)
        real_today = timezone.localdate()
        today = today or real_today
        generator = Generator(scenario, until=real_today)
        generator.generate()
        codes = {unit.code for unit, _p, _d in generator.units}
        foreign = OrgUnit.objects.exclude(code__in=codes).count()
        if foreign:
            self.stderr.write(
                f"Die Datenbank enthält {foreign} Organisationseinheiten, die nicht zum Szenario "
                f"„{scenario}“ gehören. Mit --reset wird sie vorher geleert."
            )
            sys.exit(1)
        # The demo's workflow would mail thousands of people: no mail while seeding.
        # The whole story runs on the demo clock, which stands at the demo's today (the
        # evening) unless a moment of the story before it is being played.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            _quiet_provisioning(),
            story_moment(today, 18),
            transaction.atomic(),
        ):
            first_load = not Employee.objects.exists()
            days = _hr_days(today)
            if first_load:
                self._hr_files(scenario, generator, [d for d in days if d <= story.ARTICLE_DAY])
            with story_moment(story.CAMPAIGN_START, 8):
                logins = self._users(scenario, generator)
            self._extend(scenario, generator, days, first_load=first_load)
        # The daily job's kept month ends, as an installation that has run since the
        # story began has them: the trends of the dashboard and the Lagebericht.
        with story_moment(today, 19):
            snapshots = snapshots_due(today)
        if not quiet:
            self.stdout.write(self.style.SUCCESS(f"Demo „{scenario}“ geladen."))
            self.stdout.write(f"Kennzahlen-Stände für die Verläufe: {snapshots} festgehalten.")
            self.stdout.write(f"Demo-Anmeldungen (Passwort für alle: {DEMO_PASSWORD}):")
            for username, label in logins:
                self.stdout.write(f"  {username:<18} {label}")
            if self.presence:
                self.stdout.write(
                    "Anwesenheit: {rooms} Räume, {plans} Wochenpläne (diese Woche veröffentlicht, "
                    "nächste als Entwurf), geplant in {planning_seconds} s; zusammen "
                    "{seconds} s.".format(**self.presence)
                )

    def _users(self, scenario: str, generator: Generator):
        User = get_user_model()
        logins = []
        used: set[int] = set()
        # The system administration, who alone opens the Django admin and gives the roles
        # HR does not give (docs/roles.md): it sets up the demo logins' roles.
        admin = User.objects.filter(username="admin").first() or User(username="admin")
        admin.is_staff = admin.is_superuser = True
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        for username, role, unit_code, label in DEMO_LOGINS[scenario]:
            unit = OrgUnit.objects.select_related("head").get(code=unit_code)
            if role == "head":
                employee = unit.head
            else:
                employee = (
                    Employee.objects.filter(unit=unit, is_active=True)
                    .exclude(pk__in=used)
                    .exclude(headed_units__isnull=False)
                    .order_by("personnel_number")
                    .first()
                )
            used.add(employee.pk)
            user = User.objects.filter(username=username).first() or User(username=username)
            user.first_name, user.last_name, user.email = (
                employee.first_name,
                employee.last_name,
                employee.email,
            )
            user.is_active = True
            user.is_staff = False  # the admin is for superusers only (core/admin_site.py)
            user.set_password(DEMO_PASSWORD)
            user.save()
            Employee.objects.filter(user=user).exclude(pk=employee.pk).update(user=None)
            employee.user = user
            employee.save(update_fields=["user"])
            user.user_permissions.clear()  # the admin's permissions: no longer used
            if role and role != "head" and not user.role_assignments.filter(role=role).exists():
                # through the page's service, so the DPO reads it in the audit log
                role_grant(
                    user=user,
                    role=role,
                    by=admin,
                    reason="Einrichtung der Anmeldungen für die Kampagne",
                )
            logins.append((username, label))
        logins.append(("admin", "Administration (Django-Admin, alle Rechte)"))
        return logins

    def _hr_files(
        self,
        scenario: str,
        generator: Generator,
        days: list[dt.date],
        previous: dt.date | None = None,
    ) -> None:
        """The HR system's files on their days: the organisation and the whole staff on
        the first day, then the changes of each month (people who entered or left), each
        imported that morning. Leavers lose their access that morning (the import's own
        hook does so after the commit, which for the demo is the end of the seed)."""
        from rathausmobil.access.services import grants_revoke_for

        for day in days:
            with story_moment(day, 6, 30):
                if previous is None and not OrgUnit.objects.exists():
                    _run(
                        org_units_import,
                        generator.org_units_csv(),
                        f"demo-{scenario}-organisation.csv",
                    )
                if previous is None:
                    people = generator.people_known_on(day)
                else:
                    people = generator.changes_between(previous, day)
                previous = day
                if not people:
                    continue
                _run(
                    employees_import,
                    generator.employees_csv(people, on=day),
                    f"demo-{scenario}-beschaeftigte-{day:%Y-%m-%d}.csv",
                )
                left = [p.personnel_number for p in people if p.exit is not None and p.exit < day]
                if left:
                    grants_revoke_for(
                        employee_ids=Employee.objects.filter(personnel_number__in=left).values_list(
                            "pk", flat=True
                        ),
                        reason="Ausgeschieden aus dem Dienst",
                        source="Personalimport",
                    )

    def _extend(
        self, scenario: str, generator: Generator, days: list[dt.date], *, first_load: bool
    ) -> None:
        """Each capability adds its demo records, in dependency order: the story up to
        the article's day (or the demo's today), then the HR changes after it, then what
        needs the people of today (the successors' access, the VPN logs, the plans)."""
        leaving = frozenset(generator.leaving)
        eligibility_demo.seed(scenario)
        agreements_demo.seed(scenario, leaving=leaving)
        equipment_demo.seed(scenario, leaving=leaving)
        access_demo.seed(scenario)
        if first_load:
            before = [d for d in days if d <= story.ARTICLE_DAY]
            after = [d for d in days if d > story.ARTICLE_DAY]
            self._hr_files(scenario, generator, after, previous=before[-1])
        access_demo.seed_successors(scenario)
        organisation_demo.seed(scenario)
        usage_demo.seed(scenario)
        self.presence = presence_demo.seed(scenario)


@contextlib.contextmanager
def _quiet_provisioning():
    """The provisioning hooks run after the seed's single commit, when the grants of the
    people who left in the story are revoked again: no line for each of them."""
    logger = logging.getLogger("rathausmobil.access.provisioning")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _demo_day(value: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"„{value}“ ist kein Datum (JJJJ-MM-TT).") from None
    if day < story.ARTICLE_DAY or day > timezone.localdate():
        raise CommandError(
            f"Der Demo-Tag muss zwischen dem {story.ARTICLE_DAY:%d.%m.%Y} (Tag des "
            "Offenbacher Presseartikels) und heute liegen."
        )
    return day


def _hr_days(today: dt.date) -> list[dt.date]:
    """The days HR sends a file: the campaign's start, the 1st of every month, today."""
    days, day = [story.CAMPAIGN_START], dt.date(2020, 6, 1)
    while day <= today:
        days.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    if days[-1] != today:
        days.append(today)
    return days


def _run(runner, data: bytes, name: str) -> None:
    result = runner(data=data, filename=name)
    if not result.ok:
        raise RuntimeError("; ".join(str(p) for p in result.problems))
