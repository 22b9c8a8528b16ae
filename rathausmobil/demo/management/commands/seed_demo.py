"""Load a demo administration: deterministic (fixed seed) and idempotent."""

import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from rathausmobil.demo import access as access_demo
from rathausmobil.demo import agreements as agreements_demo
from rathausmobil.demo import eligibility as eligibility_demo
from rathausmobil.demo import equipment as equipment_demo
from rathausmobil.demo import presence as presence_demo
from rathausmobil.demo import usage as usage_demo
from rathausmobil.demo.generate import Generator
from rathausmobil.demo.scenarios import SCENARIOS
from rathausmobil.organisation.importing import employees_import, org_units_import
from rathausmobil.organisation.models import Employee, OrgUnit, Role, RoleAssignment

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
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, scenario, reset, quiet, **options):
        if reset:
            call_command("flush", interactive=False, verbosity=0)
        generator = Generator(scenario)
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
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            transaction.atomic(),
        ):
            for runner, data, name in (
                (org_units_import, generator.org_units_csv(), f"demo-{scenario}-organisation.csv"),
                (employees_import, generator.employees_csv(), f"demo-{scenario}-beschaeftigte.csv"),
            ):
                result = runner(data=data, filename=name)
                if not result.ok:
                    raise RuntimeError("; ".join(str(p) for p in result.problems))
            logins = self._users(scenario, generator)
            self._extend(scenario, generator)
        if not quiet:
            self.stdout.write(self.style.SUCCESS(f"Demo „{scenario}“ geladen."))
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
            user.is_staff = role == Role.HR
            user.set_password(DEMO_PASSWORD)
            user.save()
            Employee.objects.filter(user=user).exclude(pk=employee.pk).update(user=None)
            employee.user = user
            employee.save(update_fields=["user"])
            if role and role != "head":
                RoleAssignment.objects.get_or_create(user=user, role=role, unit=None)
            if role == Role.HR:
                # Master data editable; workflow records read-only (they change through services).
                user.user_permissions.set(
                    Permission.objects.filter(
                        content_type__app_label="organisation",
                        codename__regex=r"^(view|add|change)_",
                    )
                    | Permission.objects.filter(
                        content_type__app_label__in=["eligibility", "agreements"],
                        codename__startswith="view_",
                    )
                )
            logins.append((username, label))
        admin = User.objects.filter(username="admin").first() or User(username="admin")
        admin.is_staff = admin.is_superuser = True
        admin.set_password(DEMO_PASSWORD)
        admin.save()
        logins.append(("admin", "Administration (Django-Admin, alle Rechte)"))
        return logins

    def _extend(self, scenario: str, generator: Generator) -> None:
        """Each capability adds its demo records, in dependency order."""
        eligibility_demo.seed(scenario)
        agreements_demo.seed(scenario)
        equipment_demo.seed(scenario)
        access_demo.seed(scenario)
        usage_demo.seed(scenario)
        self.presence = presence_demo.seed(scenario)
