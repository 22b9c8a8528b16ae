"""Demo records of the equipment capability: deterministic and idempotent.

Offenbach (DOMAIN.md): exactly 330 mobile workplace devices (notebooks, tablets)
in use, handed over during the last 20 weeks; 300 notebooks on order; most other
staff still at a stationary desktop PC; the campaign "Mobile Arbeitsplätze 2022"
with the target 31.12.2022. An older order shows partial deliveries and a
cancelled rest. Halver: a small inventory and one open order, no campaign.

Everything goes through the front door, as IT and the staff would do it, so every
record has the history and audit rows the pages would have written:

- IT sets up the device models (`device_model_create`) and takes over the existing
  inventory with the device import, the file IT would upload (`devices_import`): the
  desktop PCs with who holds them since when, spare desktops, accessories in stock,
  and in Halver the notebooks and tablets bought before.
- Offenbach's notebooks and tablets arrive through an order (`order_create`,
  `order_deliver`, `order_cancel_rest`).
- IT hands them over (`assignment_hand_over`, taking back the desktop PC), the
  holders acknowledge the receipt and confirm the desktop's return
  (`assignment_acknowledge`, `assignment_confirm_return`), and IT retires most of the
  returned desktops and sends a few delivered devices to repair (`device_set_status`).
- The campaign is saved as on the rollout page (`rollout_campaign_save`).

Dates are relative to today, except the campaign's. The services take the story's
dates where they have an argument for them (`at=` of the hand-over, `ordered_on`,
`delivered_on`, the import's "Ausgegeben am"). Where a service has none, the record's
own date field is set afterwards: when a receipt was acknowledged or a return
confirmed, and an order's `created_at`. History and audit rows keep the moment the
demo was loaded. Agreements are read here (and only here) to give devices to people
who work mobile first.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from rathausmobil.core.dates import add_months
from rathausmobil.equipment import services
from rathausmobil.equipment.importing import devices_import
from rathausmobil.equipment.models import (
    STATIONARY_WORKPLACE_KINDS,
    Assignment,
    Device,
    DeviceKind,
    DeviceModel,
    PurchaseOrder,
)
from rathausmobil.organisation.models import Employee

MODELS = {
    "notebook": ("Lenovo ThinkPad T14", "Lenovo", "20W0-00AXGE", DeviceKind.NOTEBOOK, True),
    "tablet": ("Microsoft Surface Pro", "Microsoft", "1NA-00003", DeviceKind.TABLET, True),
    "desktop": ("Fujitsu Esprimo D7011", "Fujitsu", "VFY:D7011", DeviceKind.DESKTOP, False),
    "monitor": ("Dell P2422H", "Dell", "P2422H", DeviceKind.MONITOR, False),
    "headset": ("Jabra Evolve2 65", "Jabra", "26599-989-999", DeviceKind.HEADSET, True),
    "docking": (
        "Lenovo ThinkPad Universal USB-C Dock",
        "Lenovo",
        "40AY0090EU",
        DeviceKind.DOCKING,
        False,
    ),
}

PLAN = {
    "offenbach": {
        "prefix": "OF",
        "mobile": 330,  # notebooks and tablets in use (DOMAIN.md)
        "on_order": 300,
        "weeks": 20,  # hand-overs spread over the last 20 weeks
        "without_device": 0.04,  # share of the other staff with no workplace device at all
        "leavers_with_devices": 3,
        "campaign": ("Mobile Arbeitsplätze 2022", dt.date(2020, 5, 1), dt.date(2022, 12, 31)),
    },
    "halver": {
        "prefix": "HV",
        "mobile": 30,
        "on_order": 20,
        "weeks": 20,
        "without_device": 0.05,
        "leavers_with_devices": 1,
        "campaign": None,
    },
}
DEMO_EMPLOYEE = "beschaeftigte"  # gets a notebook that waits for the acknowledgement
INVENTORY_FILE = "Altbestand-Inventar.csv"
IN_STOCK, ASSIGNED, REPAIR = "auf Lager", "ausgegeben", "in Reparatur"  # as the file says it
# Part of the mobile staff get a headset (every 2nd) and a docking station (every 3rd).
ACCESSORIES = (("headset", "HS", 2), ("docking", "DO", 3))


def seed(scenario: str) -> None:
    if Device.objects.exists():
        return  # already loaded: the demo is idempotent
    with transaction.atomic():
        _Seeder(scenario).run()


class _Seeder:
    def __init__(self, scenario: str):
        self.scenario = scenario
        self.plan = PLAN[scenario]
        self.prefix = self.plan["prefix"]
        self.rng = random.Random(f"equipment-{scenario}")
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.it = self._it_user()
        self.counters: dict[str, int] = {}
        # Moments the services cannot be told: assignment pk -> when it happened.
        self.acknowledged: dict[int, dt.datetime] = {}
        self.confirmed: dict[int, dt.datetime] = {}

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _it_user():
        User = get_user_model()
        user = User.objects.filter(username="it").first()
        user = user or User.objects.filter(is_superuser=True).order_by("pk").first()
        if user is None:
            raise RuntimeError("Für die Geräte-Demo fehlt die Demo-Anmeldung „it“.")
        return user

    def moment(self, days_ago: int, hour: int = 9) -> dt.datetime:
        day = self.today - dt.timedelta(days=days_ago)
        minute = self.rng.randrange(0, 60, 5)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    def number(self, code: str) -> str:
        self.counters[code] = self.counters.get(code, 0) + 1
        return f"{self.prefix}-{code}-{self.counters[code]:05d}"

    def serial(self, model: str) -> str:
        alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
        body = "".join(self.rng.choice(alphabet) for _ in range(8))
        return {"desktop": "YM9K", "monitor": "CN0", "headset": "J2E", "docking": "DK"}.get(
            model, "PF"
        ) + body

    def row(
        self,
        model: str,
        code: str,
        *,
        bought: dt.date,
        years: int = 5,
        status: str = IN_STOCK,
        holder: Employee | None = None,
        since: dt.date | None = None,
    ) -> list[str]:
        """A line of IT's inventory file (a device from before Rathaus Mobil)."""
        return [
            self.number(code),
            self.serial(model),
            self.models[model].name,
            status,
            bought.strftime("%d.%m.%Y"),
            add_months(bought, 12 * years).strftime("%d.%m.%Y"),
            holder.personnel_number if holder else "",
            since.strftime("%d.%m.%Y") if since else "",
        ]

    def acknowledge(self, assignment: Assignment, holder: Employee, at: dt.datetime) -> None:
        """The holder confirms the receipt in the app (if they have an account)."""
        if holder.user is None:
            return
        services.assignment_acknowledge(assignment=assignment, by=holder.user)
        self.acknowledged[assignment.pk] = min(at, self.now)

    def confirm_return(self, assignment: Assignment, holder: Employee, at: dt.datetime) -> None:
        if holder.user is None:
            return
        services.assignment_confirm_return(assignment=assignment, by=holder.user)
        self.confirmed[assignment.pk] = min(at, self.now)

    # ------------------------------------------------------------------ run
    def run(self) -> None:
        self.models = self._models()
        mobile_people, desktop_people, leavers = self._people()
        self._inventory(desktop_people, leavers, holders=len(mobile_people))
        mobile_devices = (
            self._offenbach_orders() if self.scenario == "offenbach" else self._halver_stock()
        )
        self._mobile_hand_overs(mobile_people, mobile_devices)
        self._accessories(mobile_people)
        self._wrong_device_answer()
        self._open_order()
        if self.plan["campaign"]:
            name, start, target = self.plan["campaign"]
            services.rollout_campaign_save(
                by=self.it, name=name, start_date=start, target_date=target
            )
        self._set_moments()

    def _models(self) -> dict[str, DeviceModel]:
        models = {}
        for key, (name, maker, number, kind, mobile) in MODELS.items():
            existing = DeviceModel.objects.filter(name=name).first()
            models[key] = existing or services.device_model_create(
                by=self.it,
                name=name,
                kind=kind,
                manufacturer=maker,
                model_number=number,
                is_mobile=mobile,
            )
        return models

    def _people(self):
        """Mobile devices go first to people with an active home-office agreement."""
        from rathausmobil.agreements.models import Agreement, AgreementStatus

        active = list(
            Employee.objects.filter(is_active=True)
            .select_related("user")
            .order_by("personnel_number")
        )
        working_mobile = set(
            Agreement.objects.filter(status=AgreementStatus.ACTIVE).values_list(
                "employee_id", flat=True
            )
        )
        demo = next((e for e in active if e.user and e.user.username == DEMO_EMPLOYEE), None)
        first = [e for e in active if e.pk in working_mobile and e is not demo]
        others = [e for e in active if e.pk not in working_mobile and e is not demo]
        self.rng.shuffle(first)
        self.rng.shuffle(others)
        # Without agreements (their demo not loaded), staff with an account come first.
        others.sort(key=lambda e: 0 if e.user_id else 1)
        wanted = self.plan["mobile"] - (1 if demo else 0)
        mobile = (first + others)[:wanted] + ([demo] if demo else [])
        chosen = {e.pk for e in mobile}
        rest = [e for e in active if e.pk not in chosen]
        logins = [e for e in rest if e.user_id and e.user.has_usable_password()]
        plain = [e for e in rest if e not in logins]
        self.rng.shuffle(plain)
        without = set(e.pk for e in plain[: round(len(rest) * self.plan["without_device"])])
        desktop_people = mobile + [e for e in rest if e.pk not in without]
        leavers = list(
            Employee.objects.filter(is_active=False).order_by("personnel_number")[
                : self.plan["leavers_with_devices"]
            ]
        )
        return mobile, desktop_people, leavers

    def _inventory(self, people: list[Employee], leavers: list[Employee], *, holders: int) -> None:
        """IT takes over the inventory from before Rathaus Mobil with the device import:
        a desktop PC at every workplace (leavers still have one), spare desktops,
        accessories in stock (those for the rollout bought half a year ago) and, in
        Halver, the notebooks and tablets bought in 2020. The import records who holds
        what since when, but no acknowledgement: the staff confirm in the app."""
        rows = []
        for person in [*people, *leavers]:
            bought = dt.date(self.rng.randint(2016, 2019), self.rng.randint(1, 12), 1)
            if person.entry_date > bought:
                bought = person.entry_date
            since = max(bought, dt.date(2016, 1, 4)) + dt.timedelta(days=self.rng.randint(1, 20))
            rows.append(
                self.row(
                    "desktop", "PC", bought=bought, status=ASSIGNED, holder=person, since=since
                )
            )
        for status, count in ((IN_STOCK, 12), (REPAIR, 2)):
            for _ in range(count):
                rows.append(self.row("desktop", "PC", bought=dt.date(2019, 3, 1), status=status))
        if self.scenario == "halver":
            rows += [
                self.row(
                    "tablet" if i < 4 else "notebook", "NB", bought=dt.date(2020, 9, 1), years=3
                )
                for i in range(self.plan["mobile"] + 6)
            ]
        for model, code, every in ACCESSORIES:
            for _ in range((holders + every - 1) // every):
                rows.append(
                    self.row(model, code, bought=self.today - dt.timedelta(days=200), years=2)
                )
        for model, code, count in (
            ("headset", "HS", 15),
            ("docking", "DO", 10),
            ("monitor", "MO", 40),
        ):
            for _ in range(max(2, count * self.plan["mobile"] // 330)):
                rows.append(self.row(model, code, bought=dt.date(2020, 11, 20), years=3))
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(
            [
                "Inventarnummer",
                "Seriennummer",
                "Modell",
                "Status",
                "Kaufdatum",
                "Garantie bis",
                "Personalnummer",
                "Ausgegeben am",
            ]
        )
        writer.writerows(rows)
        result = devices_import(
            data=out.getvalue().encode("utf-8"), filename=INVENTORY_FILE, by=self.it
        )
        if not result.ok:
            raise RuntimeError("; ".join(str(p) for p in result.problems))

    def _offenbach_orders(self) -> list[Device]:
        """An older order of 400 notebooks and tablets, delivered in three parts, the rest
        cancelled: the devices now in use came from it."""
        notebook, tablet = self.models["notebook"], self.models["tablet"]
        order = services.order_create(
            by=self.it,
            supplier="Bechtle AG",
            ordered_on=self.today - dt.timedelta(days=180),
            expected_on=self.today - dt.timedelta(days=150),
            lines=[(notebook, 360), (tablet, 40)],
            note="Rahmenvertrag Hessen, Los 2: mobile Arbeitsplätze.",
        )
        PurchaseOrder.objects.filter(pk=order.pk).update(created_at=self.moment(180))
        lines = {line.model_id: line for line in order.lines.all()}
        devices: list[Device] = []
        for days_ago, model, count, note in (
            (150, notebook, 150, "LS-2201"),
            (100, notebook, 160, "LS-2318"),
            (100, tablet, 30, "LS-2318"),
            (49, notebook, 40, "LS-2467"),
            (49, tablet, 10, "LS-2467"),
        ):
            delivery = services.order_deliver(
                order=order,
                by=self.it,
                line=lines[model.pk],
                serials=[
                    self.serial("notebook" if model == notebook else "tablet") for _ in range(count)
                ],
                delivered_on=self.today - dt.timedelta(days=days_ago),
                delivery_note=note,
            )
            devices.extend(
                Device.objects.filter(delivery=delivery)
                .select_related("model")
                .order_by("inventory_number")
            )
        services.order_cancel_rest(
            order=order,
            by=self.it,
            reason="Modell abgekündigt; der Bedarf geht in die Folgebestellung.",
        )
        return devices

    def _halver_stock(self) -> list[Device]:
        """The notebooks and tablets came with the inventory."""
        return list(
            Device.objects.filter(
                inventory_number__startswith=f"{self.prefix}-NB-",
            )
            .select_related("model")
            .order_by("inventory_number")
        )

    def _mobile_hand_overs(self, people: list[Employee], devices: list[Device]) -> None:
        """Hand-overs spread evenly over the last weeks; each takes back the person's
        desktop PC, which IT mostly retires. The holders acknowledge the receipt within
        hours or days (the newest hand-overs are partly still open) and confirm the
        desktop's return; the demo employee's (the newest) waits for both."""
        n = len(people)
        span = self.plan["weeks"] * 7
        # Use tablets sparingly: notebooks first, a few tablets among them.
        tablets = [d for d in devices if d.model.kind == DeviceKind.TABLET]
        notebooks = [d for d in devices if d.model.kind == DeviceKind.NOTEBOOK]
        share = max(1, n // 16)
        pool = notebooks[: n - share] + tablets[:share]
        pool.sort(key=lambda d: (d.delivery_id or 0, d.inventory_number))
        # The newest hand-over (the demo employee's) is a notebook: swap in the last one.
        last_notebook = max(i for i, d in enumerate(pool) if d.model.kind == DeviceKind.NOTEBOOK)
        pool[last_notebook], pool[-1] = pool[-1], pool[last_notebook]
        desktops = {
            a.employee_id: a
            for a in Assignment.objects.filter(
                returned_at__isnull=True,
                device__model__kind__in=STATIONARY_WORKPLACE_KINDS,
                employee__in=people,
            ).select_related("device")
        }
        used = set()
        for index, (person, device) in enumerate(zip(people, pool, strict=False)):
            used.add(device.pk)
            days_ago = span - (index * span) // n
            if index == n - 1 and person.user and person.user.username == DEMO_EMPLOYEE:
                services.assignment_hand_over(
                    device=device,
                    employee=person,
                    by=self.it,
                    at=self.moment(1, hour=10),
                    return_stationary=True,
                    note="Rollout: Notebook ersetzt den Arbeitsplatzrechner.",
                )
                continue
            at = self.moment(max(days_ago, 1), hour=8 + index % 8)
            assignment = services.assignment_hand_over(
                device=device,
                employee=person,
                by=self.it,
                at=at,
                return_stationary=True,
                note="Rollout: ersetzt den Arbeitsplatzrechner.",
            )
            acknowledged = at + dt.timedelta(hours=self.rng.randint(1, 60))
            if not (days_ago <= 7 and index % 3 == 0):  # the newest partly still open
                self.acknowledge(assignment, person, acknowledged)
            desktop = desktops.get(person.pk)
            if desktop is None:
                continue
            self.confirm_return(desktop, person, at + dt.timedelta(hours=2))
            if self.rng.random() < 0.9:
                services.device_set_status(
                    device=desktop.device,
                    by=self.it,
                    action="retire",
                    note="Rollout: durch ein mobiles Gerät ersetzt, Garantie abgelaufen.",
                )
        # What is left of the deliveries: most in stock, a few in repair or broken.
        rest = [d for d in devices if d.pk not in used]
        for device, action in zip(rest, ["repair"] * 3 + ["retire"] * 2, strict=False):
            services.device_set_status(
                device=device,
                by=self.it,
                action=action,
                note="Bei der Eingangsprüfung beschädigt."
                if action == "retire"
                else "Display flackert.",
            )

    def _accessories(self, mobile_people: list[Employee]) -> None:
        """Headsets and docking stations for part of the mobile staff, handed over with
        the notebook and acknowledged a few hours later."""
        holders = sorted(
            Assignment.objects.filter(
                employee__in=mobile_people,
                returned_at__isnull=True,
                device__model__kind__in=[DeviceKind.NOTEBOOK, DeviceKind.TABLET],
            ).select_related("employee__user"),
            key=lambda a: (a.handed_over_at, a.employee_id),
        )
        stock = {
            model: list(
                Device.objects.filter(
                    model=self.models[model],
                    holder__isnull=True,
                    purchase_date=self.today - dt.timedelta(days=200),
                ).order_by("inventory_number")
            )
            for model, _code, _every in ACCESSORIES
        }
        for index, mobile in enumerate(holders):
            for model, _code, every in ACCESSORIES:
                if index % every:
                    continue
                assignment = services.assignment_hand_over(
                    device=stock[model].pop(0),
                    employee=mobile.employee,
                    by=self.it,
                    at=mobile.handed_over_at,
                )
                if mobile.acknowledged_at is not None:
                    self.acknowledge(
                        assignment, mobile.employee, mobile.handed_over_at + dt.timedelta(hours=3)
                    )

    def _wrong_device_answer(self) -> None:
        """A holder with an account answers the latest accessory hand-over (or, without
        one, the latest hand-over) with "falsches Gerät" on Meine Geräte, so IT finds it
        among its tasks ("Klären")."""
        latest = (
            Assignment.objects.filter(
                returned_at__isnull=True,
                employee__user__isnull=False,
                problem="",
            )
            .exclude(employee__user__username=DEMO_EMPLOYEE)
            .select_related("employee__user", "device__model")
            .order_by("-handed_over_at", "-pk")
        )
        accessories = (DeviceKind.HEADSET, DeviceKind.DOCKING)
        rows = list(latest[:200])
        assignment = next((a for a in rows if a.device.model.kind in accessories), None)
        assignment = assignment or (rows[0] if rows else None)
        if assignment is None:
            return
        services.assignment_report_problem(
            assignment=assignment,
            by=assignment.employee.user,
            problem="wrong_device",
            note="Im Karton lag ein anderes Modell, als auf dem Ausgabebeleg steht.",
        )

    def _open_order(self) -> None:
        order = services.order_create(
            by=self.it,
            supplier="Bechtle AG" if self.scenario == "offenbach" else "Cancom GmbH",
            ordered_on=self.today - dt.timedelta(days=21),
            expected_on=self.today + dt.timedelta(days=28),
            lines=[(self.models["notebook"], self.plan["on_order"])],
            note="Nächster Abschnitt des Rollouts: Notebooks für die verbleibenden Arbeitsplätze.",
        )
        PurchaseOrder.objects.filter(pk=order.pk).update(created_at=self.moment(21))

    def _set_moments(self) -> None:
        """Acknowledgements and confirmed returns date from when the story has them
        (the services stamp the moment of the call and take no date)."""
        for field, moments in (
            ("acknowledged_at", self.acknowledged),
            ("return_confirmed_at", self.confirmed),
        ):
            rows = list(Assignment.objects.filter(pk__in=list(moments)).only("pk", field))
            for row in rows:
                setattr(row, field, moments[row.pk])
            Assignment.objects.bulk_update(rows, [field], batch_size=1000)
