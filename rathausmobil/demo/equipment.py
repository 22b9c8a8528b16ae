"""Demo records of the equipment capability: deterministic and idempotent.

Offenbach (DOMAIN.md): exactly 330 mobile workplace devices (notebooks, tablets)
in use, handed over during the last 20 weeks; 300 notebooks on order; most other
staff still at a stationary desktop PC; the campaign "Mobile Arbeitsplätze 2022"
with the target 31.12.2022. An older order shows partial deliveries and a
cancelled rest. Halver: a small inventory and one open order, no campaign.

The orders, deliveries and the demo employee's hand-over go through the services
(so they have their history); the legacy inventory and the mass of hand-overs are
written in bulk. Dates are relative to today, except the campaign's. Agreements
are read here (and only here) to give devices to people who work mobile first.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from rathausmobil.equipment import services
from rathausmobil.equipment.models import (
    Assignment,
    Device,
    DeviceKind,
    DeviceModel,
    DeviceStatus,
    PurchaseOrder,
    RolloutCampaign,
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

    def legacy(self, model: str, code: str, *, bought: dt.date, years: int = 5) -> Device:
        """A device from the inventory before Rathaus Mobil (numbered the old way)."""
        return Device(
            inventory_number=self.number(code),
            serial=self.serial(model),
            model=self.models[model],
            status=DeviceStatus.IN_STOCK,
            purchase_date=bought,
            warranty_until=services.add_months(bought, 12 * years),
        )

    # ------------------------------------------------------------------ run
    def run(self) -> None:
        self.models = self._models()
        mobile_people, desktop_people, leavers = self._people()
        desktops = self._desktops(desktop_people, leavers)
        mobile_devices = (
            self._offenbach_orders() if self.scenario == "offenbach" else self._halver_stock()
        )
        self._mobile_hand_overs(mobile_people, mobile_devices, desktops)
        self._accessories(mobile_people)
        self._open_order()
        if self.plan["campaign"]:
            name, start, target = self.plan["campaign"]
            RolloutCampaign.objects.create(name=name, start_date=start, target_date=target)

    def _models(self) -> dict[str, DeviceModel]:
        models = {}
        for key, (name, maker, number, kind, mobile) in MODELS.items():
            models[key], _created = DeviceModel.objects.get_or_create(
                name=name,
                defaults={
                    "manufacturer": maker,
                    "model_number": number,
                    "kind": kind,
                    "is_mobile": mobile,
                },
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

    def _desktops(self, people: list[Employee], leavers: list[Employee]) -> dict[int, Device]:
        """Every workplace had a stationary PC before the campaign (and leavers still have one)."""
        devices, assignments, by_person = [], [], {}
        for person in [*people, *leavers]:
            bought = dt.date(self.rng.randint(2016, 2019), self.rng.randint(1, 12), 1)
            if person.entry_date > bought:
                bought = person.entry_date
            device = self.legacy("desktop", "PC", bought=bought)
            device.status, device.holder = DeviceStatus.ASSIGNED, person
            devices.append(device)
            by_person[person.pk] = device
        for status, count in ((DeviceStatus.IN_STOCK, 12), (DeviceStatus.REPAIR, 2)):
            for _ in range(count):
                device = self.legacy("desktop", "PC", bought=dt.date(2019, 3, 1))
                device.status = status
                devices.append(device)
        Device.objects.bulk_create(devices, batch_size=1000)
        for person_pk, device in by_person.items():
            handed = timezone.make_aware(
                dt.datetime.combine(max(device.purchase_date, dt.date(2016, 1, 4)), dt.time(10))
            ) + dt.timedelta(days=self.rng.randint(1, 20))
            assignments.append(
                Assignment(
                    device=device,
                    employee_id=person_pk,
                    handed_over_at=handed,
                    handed_over_by=self.it,
                    acknowledged_at=handed + dt.timedelta(days=1),
                    source="Altbestand",
                )
            )
        Assignment.objects.bulk_create(assignments, batch_size=1000)
        return by_person

    def _backdate_last_event(self, order: PurchaseOrder, days_ago: int) -> None:
        """Move the event just written to its demo day, keeping the order of events."""
        self.counters["event"] = self.counters.get("event", 0) + 1
        day = self.today - dt.timedelta(days=days_ago)
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(11))) + dt.timedelta(
            minutes=self.counters["event"]
        )
        last = order.history.order_by("-pk").first()
        order.history.filter(pk=last.pk).update(at=at)

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
        self._backdate_last_event(order, 180)
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
            self._backdate_last_event(order, days_ago)
            devices.extend(Device.objects.filter(delivery=delivery).order_by("inventory_number"))
        services.order_cancel_rest(
            order=order,
            by=self.it,
            reason="Modell abgekündigt; der Bedarf geht in die Folgebestellung.",
        )
        self._backdate_last_event(order, 40)
        return devices

    def _halver_stock(self) -> list[Device]:
        devices = [
            self.legacy(
                "tablet" if i < 4 else "notebook", "NB", bought=dt.date(2020, 9, 1), years=3
            )
            for i in range(self.plan["mobile"] + 6)
        ]
        Device.objects.bulk_create(devices)
        return devices

    def _mobile_hand_overs(self, people, devices, desktops: dict[int, Device]) -> None:
        """Hand-overs spread evenly over the last weeks; each replaces the person's desktop.
        The demo employee's (the newest) goes through the service and waits for the
        acknowledgement."""
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
        handed, returned, rows = [], [], []
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
            acknowledged = at + dt.timedelta(hours=self.rng.randint(1, 60))
            if days_ago <= 7 and index % 3 == 0:
                acknowledged = None  # the newest hand-overs are partly still open
            device.status, device.holder = DeviceStatus.ASSIGNED, person
            handed.append(device)
            rows.append(
                Assignment(
                    device=device,
                    employee=person,
                    handed_over_at=at,
                    handed_over_by=self.it,
                    acknowledged_at=acknowledged,
                    note="Rollout: ersetzt den Arbeitsplatzrechner.",
                )
            )
            desktop = desktops.get(person.pk)
            if desktop is not None:
                desktop.status = (
                    DeviceStatus.RETIRED if self.rng.random() < 0.9 else DeviceStatus.IN_STOCK
                )
                desktop.holder = None
                returned.append(desktop)
                Assignment.objects.filter(device=desktop, returned_at__isnull=True).update(
                    returned_at=at,
                    returned_by=self.it,
                    return_confirmed_at=at + dt.timedelta(hours=2),
                    return_note=f"Ersetzt durch {device.inventory_number}.",
                )
        Device.objects.bulk_update(handed + returned, ["status", "holder"], batch_size=1000)
        Assignment.objects.bulk_create(rows, batch_size=1000)
        # What is left of the deliveries: most in stock, a few in repair or broken.
        rest = [d for d in devices if d.pk not in used]
        for device, status in zip(
            rest, [DeviceStatus.REPAIR] * 3 + [DeviceStatus.RETIRED] * 2, strict=False
        ):
            device.status = status
        Device.objects.bulk_update(rest[:5], ["status"])

    def _accessories(self, mobile_people: list[Employee]) -> None:
        """Headsets and docking stations for part of the mobile staff, some monitors and
        a stock of each."""
        devices, assignments = [], []
        holders = Assignment.objects.filter(
            employee__in=mobile_people,
            returned_at__isnull=True,
            device__model__kind__in=[DeviceKind.NOTEBOOK, DeviceKind.TABLET],
        ).values_list("employee_id", "handed_over_at")
        for index, (employee_id, at) in enumerate(sorted(holders, key=lambda h: (h[1], h[0]))):
            for model, code, every in (("headset", "HS", 2), ("docking", "DO", 3)):
                if index % every:
                    continue
                device = self.legacy(
                    model, code, bought=self.today - dt.timedelta(days=200), years=2
                )
                device.status, device.holder_id = DeviceStatus.ASSIGNED, employee_id
                devices.append(device)
                assignments.append(
                    Assignment(
                        device=device,
                        employee_id=employee_id,
                        handed_over_at=at,
                        handed_over_by=self.it,
                        acknowledged_at=at + dt.timedelta(hours=3),
                    )
                )
        for model, code, count in (
            ("headset", "HS", 15),
            ("docking", "DO", 10),
            ("monitor", "MO", 40),
        ):
            for _ in range(max(2, count * self.plan["mobile"] // 330)):
                devices.append(self.legacy(model, code, bought=dt.date(2020, 11, 20), years=3))
        Device.objects.bulk_create(devices, batch_size=1000)
        Assignment.objects.bulk_create(assignments, batch_size=1000)

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
        self._backdate_last_event(order, 21)
