"""Demo records of the equipment capability: deterministic and idempotent.

Offenbach (DOMAIN.md) tells the rollout over time (docs/demo.md): in May 2020 IT takes
over the inventory (a desktop PC at every workplace) and sets up the campaign
"Mobile Arbeitsplätze 2022" with the target 31.12.2022; notebooks and tablets arrive in
partial deliveries of several orders (`OFFENBACH_ORDERS`) and are handed over in the
weeks after each delivery. On the article's day (20.01.2021) exactly 330 are in use and
300 more are on order; after it the deliveries slow down (the chip shortage), the target
passes, and by today the rollout is late but nearly done, with a last order open.
Halver: a small inventory and one open order, no campaign.

Everything goes through the front door, as IT and the staff would do it, so every
record has the history and audit rows the pages would have written, each played on the
demo clock at its moment of the story (`demo/clock.py`):

- IT sets up the device models (`device_model_create`) and takes over the existing
  inventory with the device import, the file IT would upload (`devices_import`): the
  desktop PCs with who holds them since when, spare desktops, accessories in stock,
  and in Halver the notebooks and tablets bought before.
- The notebooks and tablets arrive through orders (`order_create`, `order_deliver`,
  `order_cancel_rest`).
- IT hands them over (`assignment_hand_over`, taking back the desktop PC), the
  holders acknowledge the receipt and confirm the desktop's return
  (`assignment_acknowledge`, `assignment_confirm_return`), and IT retires most of the
  returned desktops and sends a few delivered devices to repair (`device_set_status`).
- The campaign is saved as on the rollout page (`rollout_campaign_save`).

Agreements are read here (and only here) to give devices to people who work mobile
first. People who leave later in the story get no mobile device.
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
from rathausmobil.demo import story
from rathausmobil.demo.clock import story_moment
from rathausmobil.equipment import services
from rathausmobil.equipment.importing import devices_import
from rathausmobil.equipment.models import (
    STATIONARY_WORKPLACE_KINDS,
    Assignment,
    Device,
    DeviceKind,
    DeviceModel,
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
        "mobile": 330,  # notebooks and tablets in use on the article's day (DOMAIN.md)
        "on_order": 300,
        "weeks": 20,
        "without_device": 0.04,  # share of the other staff with no workplace device at all
        "leavers_with_devices": 3,
        "campaign": ("Mobile Arbeitsplätze 2022", story.CAMPAIGN_START, dt.date(2022, 12, 31)),
    },
    "halver": {
        "prefix": "HV",
        "mobile": 30,
        "on_order": 20,
        "weeks": 20,  # hand-overs spread over the 20 weeks before the demo's today
        "without_device": 0.05,
        "leavers_with_devices": 1,
        "campaign": None,
    },
}
# Offenbach's orders of notebooks and tablets: ordered on, expected on, notebooks, tablets,
# the deliveries (day, notebooks, tablets, delivery note, hand-overs in the weeks after
# it, over how many weeks) and when the rest was cancelled. 330 handed over by the
# article's day; the 300 of the second order are then awaited.
D = dt.date
OFFENBACH_ORDERS = [
    {
        "ordered": D(2020, 5, 18),
        "expected": D(2020, 7, 1),
        "lines": (360, 40),
        "note": "Rahmenvertrag Hessen, Los 2: mobile Arbeitsplätze.",
        "deliveries": [
            (D(2020, 7, 6), 150, 0, "LS-2007", 145, 10),
            (D(2020, 9, 21), 160, 30, "LS-2039", 115, 8),
            (D(2020, 11, 23), 40, 10, "LS-2048", 70, 8),
        ],
        "cancel": (D(2020, 12, 14), "Modell abgekündigt; der Bedarf geht in die Folgebestellung."),
    },
    {
        "ordered": D(2020, 12, 18),
        "expected": D(2021, 3, 1),
        "lines": (300, 0),
        "note": "Zweiter Abschnitt des Rollouts: Notebooks für die Ämter mit Bürgerkontakt.",
        "deliveries": [
            (D(2021, 3, 8), 150, 0, "LS-2111", 205, 12),  # with the 55 left in stock
            (D(2021, 5, 17), 150, 0, "LS-2140", 150, 10),
        ],
    },
    {
        "ordered": D(2021, 9, 13),
        "expected": D(2021, 12, 1),
        "lines": (200, 0),
        "note": "Dritter Abschnitt; Lieferzeiten wegen der Chipknappheit unsicher.",
        "deliveries": [
            (D(2022, 1, 24), 60, 0, "LS-2204", 60, 8),
            (D(2022, 6, 20), 80, 0, "LS-2231", 80, 10),
            (D(2022, 11, 14), 40, 0, "LS-2262", 40, 8),
            (D(2023, 3, 6), 20, 0, "LS-2309", 20, 6),
        ],
    },
    {
        "ordered": D(2023, 9, 11),
        "expected": D(2023, 12, 1),
        "lines": (150, 0),
        "note": "Vierter Abschnitt: verbleibende Arbeitsplätze.",
        "deliveries": [
            (D(2024, 2, 5), 50, 0, "LS-2407", 50, 8),
            (D(2024, 9, 9), 30, 0, "LS-2436", 30, 8),
        ],
        "cancel": (D(2025, 1, 13), "Rahmenvertrag ausgelaufen; Rest wird neu ausgeschrieben."),
    },
]


def last_order(real_today: dt.date) -> dict:
    """The last order, still open: placed twelve weeks before the real today, a first
    part delivered seven weeks ago and being handed over, so that the rollout shows a pace
    (and a projection) whenever the demo is loaded."""
    delivered = real_today - dt.timedelta(weeks=7)
    return {
        "ordered": real_today - dt.timedelta(weeks=12),
        "expected": real_today + dt.timedelta(weeks=6),
        "lines": (120, 0),
        "note": "Letzter Abschnitt des Rollouts: Notebooks für die verbleibenden Arbeitsplätze.",
        "deliveries": [(delivered, 40, 0, f"LS-{delivered:%y%m}", 40, 8)],
    }


ACCESSORY_STOCK_BOUGHT = D(2020, 3, 2)
DEMO_EMPLOYEE = "beschaeftigte"  # gets a notebook that waits for the acknowledgement
INVENTORY_FILE = "Altbestand-Inventar.csv"
IN_STOCK, ASSIGNED, REPAIR = "auf Lager", "ausgegeben", "in Reparatur"  # as the file says it
# Part of the mobile staff get a headset (every 2nd) and a docking station (every 3rd).
ACCESSORIES = (("headset", "HS", 2), ("docking", "DO", 3))


def seed(scenario: str, *, leaving: frozenset[str] = frozenset()) -> None:
    """`leaving`: personnel numbers of people who leave later in the story."""
    if Device.objects.exists():
        return  # already loaded: the demo is idempotent
    with transaction.atomic():
        _Seeder(scenario, leaving).run()


class _Seeder:
    def __init__(self, scenario: str, leaving: frozenset[str] = frozenset()):
        self.scenario = scenario
        self.leaving = leaving
        self.plan = PLAN[scenario]
        self.prefix = self.plan["prefix"]
        self.rng = random.Random(f"equipment-{scenario}")
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.it = self._it_user()
        self.counters: dict[str, int] = {}

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _it_user():
        User = get_user_model()
        user = User.objects.filter(username="it").first()
        user = user or User.objects.filter(is_superuser=True).order_by("pk").first()
        if user is None:
            raise RuntimeError("Für die Geräte-Demo fehlt die Demo-Anmeldung „it“.")
        return user

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
        if holder.user is None or at >= self.now:
            return
        with story_moment(at):
            services.assignment_acknowledge(assignment=assignment, by=holder.user)

    def confirm_return(self, assignment: Assignment, holder: Employee, at: dt.datetime) -> None:
        if holder.user is None or at >= self.now:
            return
        with story_moment(at):
            services.assignment_confirm_return(assignment=assignment, by=holder.user)

    # ------------------------------------------------------------------ run
    def run(self) -> None:
        with story_moment(story.CAMPAIGN_START, 10):
            self.models = self._models()
            mobile_people, desktop_people, leavers = self._people()
            self._inventory(desktop_people, leavers, holders=self.plan["mobile"])
            if self.plan["campaign"]:
                name, start, target = self.plan["campaign"]
                services.rollout_campaign_save(
                    by=self.it, name=name, start_date=start, target_date=target
                )
        if self.scenario == "offenbach":
            waves = self._offenbach_orders()
        else:
            span = self.plan["weeks"] * 7
            waves = [(self.today - dt.timedelta(days=span), self._halver_stock(), 30, span)]
        self._mobile_hand_overs(mobile_people, waves)
        self._wrong_device_answer()
        if self.scenario != "offenbach":
            self._open_order()

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
        """Mobile devices go first to people with an active home-office agreement, then
        to staff with an account; the demo employee gets the newest. The desktop PCs of
        the inventory are at the workplaces of everyone employed when the campaign began."""
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
        staying = [e for e in active if e.personnel_number not in self.leaving and e is not demo]
        first = [e for e in staying if e.pk in working_mobile]
        others = [e for e in staying if e.pk not in working_mobile]
        self.rng.shuffle(first)
        self.rng.shuffle(others)
        # Without agreements (their demo not loaded), staff with an account come first.
        others.sort(key=lambda e: 0 if e.user_id else 1)
        mobile = first + others
        self.demo_employee = demo
        at_start = [e for e in active if e.entry_date <= story.CAMPAIGN_START]
        chosen = {e.pk for e in mobile[: self.plan["mobile"]]} | ({demo.pk} if demo else set())
        rest = [e for e in at_start if e.pk not in chosen]
        logins = [e for e in rest if e.user_id and e.user.has_usable_password()]
        plain = [e for e in rest if e not in logins]
        self.rng.shuffle(plain)
        without = set(e.pk for e in plain[: round(len(rest) * self.plan["without_device"])])
        desktop_people = [e for e in at_start if e.pk not in without]
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
            since = min(since, story.CAMPAIGN_START - dt.timedelta(days=1))
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
                    "tablet" if i < 4 else "notebook", "NB", bought=dt.date(2020, 3, 2), years=3
                )
                for i in range(self.plan["mobile"] + 6)
            ]
        for model, code, every in ACCESSORIES:
            for _ in range((holders + every - 1) // every):
                rows.append(self.row(model, code, bought=ACCESSORY_STOCK_BOUGHT, years=2))
        for model, code, count in (
            ("headset", "HS", 15),
            ("docking", "DO", 10),
            ("monitor", "MO", 40),
        ):
            for _ in range(max(2, count * self.plan["mobile"] // 330)):
                rows.append(self.row(model, code, bought=dt.date(2020, 2, 3), years=3))
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

    def _offenbach_orders(self) -> list[tuple[dt.date, list[Device], int, int]]:
        """The orders of the story up to the demo's today, each delivery on its day, a
        few devices damaged at the intake; returns the hand-over waves: (first day, the
        devices delivered, how many to hand over, over how many days)."""
        notebook, tablet = self.models["notebook"], self.models["tablet"]
        waves = []
        for plan in [*OFFENBACH_ORDERS, last_order(dt.date.today())]:
            if plan["ordered"] > self.today:
                break
            with story_moment(plan["ordered"], 11):
                order = services.order_create(
                    by=self.it,
                    supplier="Bechtle AG",
                    ordered_on=plan["ordered"],
                    expected_on=plan["expected"],
                    lines=[
                        (model, count)
                        for model, count in zip((notebook, tablet), plan["lines"], strict=True)
                        if count
                    ],
                    note=plan["note"],
                )
            lines = {line.model_id: line for line in order.lines.all()}
            for day, notebooks, tablets, note, hand_overs, weeks in plan["deliveries"]:
                if day > self.today:
                    break
                devices: list[Device] = []
                for model, count in ((notebook, notebooks), (tablet, tablets)):
                    if not count:
                        continue
                    with story_moment(day, 13):
                        delivery = services.order_deliver(
                            order=order,
                            by=self.it,
                            line=lines[model.pk],
                            serials=[
                                self.serial("notebook" if model == notebook else "tablet")
                                for _ in range(count)
                            ],
                            delivered_on=day,
                            delivery_note=note,
                        )
                    devices.extend(
                        Device.objects.filter(delivery=delivery)
                        .select_related("model")
                        .order_by("inventory_number")
                    )
                if note == "LS-2039":  # damaged at the intake: three to repair, two broken
                    with story_moment(day, 15):
                        for device, action in zip(
                            devices[-5:], ["repair"] * 3 + ["retire"] * 2, strict=True
                        ):
                            services.device_set_status(
                                device=device,
                                by=self.it,
                                action=action,
                                note="Bei der Eingangsprüfung beschädigt."
                                if action == "retire"
                                else "Display flackert.",
                            )
                    devices = devices[:-5]
                waves.append((day + dt.timedelta(days=2), devices, hand_overs, weeks * 7))
            if "cancel" in plan and plan["cancel"][0] <= self.today:
                day, reason = plan["cancel"]
                with story_moment(day, 10):
                    services.order_cancel_rest(order=order, by=self.it, reason=reason)
        return waves

    def _halver_stock(self) -> list[Device]:
        """The notebooks and tablets came with the inventory."""
        return list(
            Device.objects.filter(
                inventory_number__startswith=f"{self.prefix}-NB-",
            )
            .select_related("model")
            .order_by("inventory_number")
        )

    def _mobile_hand_overs(self, people: list[Employee], waves) -> None:
        """After each delivery IT hands the devices over, evenly over the weeks after it
        (working days, up to the demo's yesterday); each takes back the person's desktop
        PC, which IT mostly retires the next day. The holders acknowledge the receipt
        within hours or days (the newest hand-overs are partly still open) and confirm
        the desktop's return; the first holders get a headset (every 2nd) and a docking
        station (every 3rd) with it. The demo employee's notebook is the newest
        hand-over and waits for both."""
        stock: list[Device] = []
        days: list[dt.date] = []
        for first, devices, count, span in waves:
            stock.extend(devices)
            for k in range(count):
                day = story.workday(first + dt.timedelta(days=(k * span) // count))
                if day >= self.today:
                    break
                days.append(day)
        # Devices are handed out in delivery order; never more than were delivered.
        pairs = list(zip(days, stock, strict=False))
        if not pairs:
            return
        demo = self.demo_employee
        holders = list(people[: len(pairs)])
        if demo is not None:
            # The newest hand-over is the demo employee's, and a notebook.
            last_nb = max(
                i
                for i, (_d, device) in enumerate(pairs)
                if device.model.kind == DeviceKind.NOTEBOOK
            )
            devices = [device for _d, device in pairs]
            devices[last_nb], devices[-1] = devices[-1], devices[last_nb]
            pairs = list(zip([d for d, _x in pairs], devices, strict=True))
            holders = holders[: len(pairs) - 1] + [demo]
        desktops = {
            a.employee_id: a
            for a in Assignment.objects.filter(
                returned_at__isnull=True,
                device__model__kind__in=STATIONARY_WORKPLACE_KINDS,
                employee__in=holders,
            ).select_related("device")
        }
        accessories = {
            model: list(
                Device.objects.filter(
                    model=self.models[model],
                    holder__isnull=True,
                    purchase_date=ACCESSORY_STOCK_BOUGHT,
                ).order_by("inventory_number")
            )
            for model, _code, _every in ACCESSORIES
        }
        for index, ((day, device), person) in enumerate(zip(pairs, holders, strict=False)):
            newest = person is demo and index == len(pairs) - 1
            if newest:
                day = self.today - dt.timedelta(days=1)
            at = self.moment_on(day, hour=10 if newest else 8 + index % 8)
            with story_moment(at):
                assignment = services.assignment_hand_over(
                    device=device,
                    employee=person,
                    by=self.it,
                    at=at,
                    return_stationary=True,
                    note="Rollout: Notebook ersetzt den Arbeitsplatzrechner."
                    if newest
                    else "Rollout: ersetzt den Arbeitsplatzrechner.",
                )
                given = []
                if index < self.plan["mobile"] and not newest:
                    for model, _code, every in ACCESSORIES:
                        if index % every == 0 and accessories[model]:
                            given.append(
                                services.assignment_hand_over(
                                    device=accessories[model].pop(0),
                                    employee=person,
                                    by=self.it,
                                    at=at,
                                )
                            )
            if newest:
                continue
            recent = (self.today - day).days <= 7 and index % 3 == 0
            if not recent:  # the newest partly still open
                acknowledged = at + dt.timedelta(hours=self.rng.randint(1, 60))
                self.acknowledge(assignment, person, acknowledged)
                for accessory in given:
                    self.acknowledge(accessory, person, acknowledged + dt.timedelta(minutes=5))
            desktop = desktops.get(person.pk)
            if desktop is None:
                continue
            self.confirm_return(desktop, person, at + dt.timedelta(hours=2))
            retired = at + dt.timedelta(days=1)
            if self.rng.random() < 0.9 and retired < self.now:
                with story_moment(retired):
                    services.device_set_status(
                        device=desktop.device,
                        by=self.it,
                        action="retire",
                        note="Rollout: durch ein mobiles Gerät ersetzt, Garantie abgelaufen.",
                    )

    def moment_on(self, day: dt.date, hour: int = 9) -> dt.datetime:
        minute = self.rng.randrange(0, 60, 5)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

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
        ordered = self.today - dt.timedelta(days=21)
        with story_moment(ordered, 11):
            self._create_open_order(ordered)

    def _create_open_order(self, ordered: dt.date) -> None:
        services.order_create(
            by=self.it,
            supplier="Bechtle AG" if self.scenario == "offenbach" else "Cancom GmbH",
            ordered_on=ordered,
            expected_on=self.today + dt.timedelta(days=28),
            lines=[(self.models["notebook"], self.plan["on_order"])],
            note="Nächster Abschnitt des Rollouts: Notebooks für die verbleibenden Arbeitsplätze.",
        )
