"""Benchmark: Meine Aufgaben (the start page, `home:index`) and the menu's count
(`home:todo_count`) at the size of a large city.

Builds, with bulk inserts, 50,000 employees through the HR import (org tree of
bench/employee_list.py, every unit with a head) and around them what gives people
tasks: agreements in every status (pending without consent, consented and waiting,
agreed, active, some running out with or without a renewal, ending, ended,
declined), requests (approved, submitted and some overdue and escalated, refused,
withdrawn, drafts) with their history, offers (open, accepted, declined, pandemic),
the checklist in two versions with pledges missing for some, eligibility
assessments (some positions not assessed, some reviews due), devices with
hand-overs (unconfirmed receipts, a few receipt problems, leavers' devices, returns
to confirm, people waiting for a device), VPN grants (active, requested before and
on their access day), overdue orders, and a pandemic period in force.

Then, for one person of each role (an employee whose consent is pending, the head of
a Dezernat with thousands below, HR, IT, the staff council, the data-protection
officer), it prints a table: median and max time of GET / and of GET
/aufgaben/anzahl/ over --repeat requests, the queries of each, the task lines shown
and the menu's count; then each role's time and queries per provider
(`core.todos.todo_providers`, the scope already computed), slowest first.

Runs against a throw-away test database of the configured engine:
    .venv/bin/python bench/start_page.py                              # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_start .venv/bin/python bench/start_page.py
Options: --employees N (default 50000), --repeat N (default 20), --show (the task lines)
"""

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

BATCH = 5000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--show", action="store_true", help="print each role's task lines")
    args = parser.parse_args()

    from employee_list import throwaway_database

    with throwaway_database("bench_start.sqlite3") as connection:
        run(args, connection)


# --------------------------------------------------------------------------- the city


class City:
    """The people the benchmark signs in as, and how much was built."""

    def __init__(self):
        self.users = {}  # role label -> user
        self.figures = {}  # what was built, for the summary line


def build(args) -> City:
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone
    from employee_list import employees_file, org_units_file

    from rathausmobil.access.models import AccessGrant, GrantStatus, VpnGateway
    from rathausmobil.agreements.models import (
        Agreement,
        AgreementStatus,
        ChecklistVersion,
        Offer,
        OfferStatus,
        PandemicGapReason,
        PandemicPeriod,
        Pledge,
        RequestStatus,
        WorkKind,
        WorkRequest,
    )
    from rathausmobil.core.dates import add_months
    from rathausmobil.core.models import SeenMarker, StatusChange
    from rathausmobil.eligibility.models import EligibilityResult, PositionAssessment
    from rathausmobil.equipment.models import (
        Assignment,
        Device,
        DeviceModel,
        DeviceStatus,
        OrderStatus,
        PurchaseOrder,
        ReceiptProblem,
    )
    from rathausmobil.organisation.importing import employees_import, org_units_import
    from rathausmobil.organisation.models import Employee, OrgUnit, Role, RoleAssignment
    from rathausmobil.organisation.tests.factories import UserFactory

    rng = random.Random(12)
    city = City()
    today = timezone.localdate()
    now = timezone.now()

    def days(n: int) -> dt.timedelta:
        return dt.timedelta(days=n)

    def at(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))

    # ----------------------------------------------------------------- people and heads
    start = time.perf_counter()
    units_data, codes = org_units_file(max(100, args.employees // 40))
    assert org_units_import(data=units_data, filename="units.csv").ok
    assert employees_import(data=employees_file(args.employees, codes), filename="e.csv").ok
    imported = time.perf_counter() - start

    start = time.perf_counter()
    units = {u.pk: u for u in OrgUnit.objects.order_by("code")}
    staff_of: dict[int, list[int]] = {}
    position_of: dict[int, int] = {}
    unit_of: dict[int, int] = {}
    for pk, unit_id, position_id in Employee.objects.order_by("pk").values_list(
        "pk", "unit_id", "position_id"
    ):
        staff_of.setdefault(unit_id, []).append(pk)
        position_of[pk] = position_id
        unit_of[pk] = unit_id
    children: dict[int, list[int]] = {}
    for unit in units.values():
        if unit.parent_id:
            children.setdefault(unit.parent_id, []).append(unit.pk)
    # Every unit has a head: the first of its own staff; a Dezernat (no staff of its
    # own) the second person of its first Amt.
    for unit in units.values():
        if staff_of.get(unit.pk):
            unit.head_id = staff_of[unit.pk][0]
        else:
            unit.head_id = staff_of[min(children[unit.pk], key=lambda c: units[c].code)][1]
    OrgUnit.objects.bulk_update(list(units.values()), ["head"], batch_size=1000)
    heads = {u.head_id for u in units.values()}

    def decider(employee_id: int) -> int:
        """The unit whose head decides (agreements.services.shared.responsible_unit)."""
        unit = units[unit_of[employee_id]]
        while unit.head_id == employee_id:
            unit = units[unit.parent_id]
        return unit.pk

    # The roles' own people, with nothing pending of their own (HR, IT, staff council,
    # DPO are staff too): four people of the last unit, not its head.
    quiet = staff_of[max(units.values(), key=lambda u: u.code).pk][2:6]
    big = OrgUnit.objects.get(code="D1")
    for label, role, employee_id in [
        ("HR", Role.HR, quiet[0]),
        ("IT", Role.IT, quiet[1]),
        ("staff council", Role.STAFF_COUNCIL, quiet[2]),
        ("DPO", Role.DPO, quiet[3]),
    ]:
        user = UserFactory(username=f"bench-{role}")
        RoleAssignment.objects.create(user=user, role=role)
        Employee.objects.filter(pk=employee_id).update(user=user)
        city.users[label] = user
    head_user = UserFactory(username="bench-head")
    Employee.objects.filter(pk=big.head_id).update(user=head_user)

    # Leavers: a few leave within the month (active), a few have left (inactive); both
    # keep their devices until IT takes them back.
    people = [pk for pk in position_of if pk not in heads and pk not in quiet]
    leaving = set(rng.sample(people, len(people) // 250))
    gone = set(rng.sample([p for p in people if p not in leaving], len(people) // 1000))
    Employee.objects.filter(pk__in=leaving).update(exit_date=today + days(rng.randint(1, 30)))
    Employee.objects.filter(pk__in=gone).update(exit_date=today - days(20), is_active=False)

    # ----------------------------------------------------------------- eligibility
    assessments = []
    eligible_positions = []
    for pk in people + sorted(heads):
        position_id = position_of[pk]
        u = rng.random()
        if u < 0.12:
            continue  # not assessed yet
        result = (
            EligibilityResult.ELIGIBLE
            if u < 0.6
            else EligibilityResult.PARTIAL
            if u < 0.8
            else EligibilityResult.NOT_ELIGIBLE
        )
        if result != EligibilityResult.NOT_ELIGIBLE:
            eligible_positions.append(position_id)
        assessed = today - days(rng.randint(30, 900))
        if rng.random() < 0.1:  # an earlier assessment, superseded
            assessments.append(
                PositionAssessment(
                    position_id=position_id,
                    result=EligibilityResult.NOT_ELIGIBLE,
                    movable_share=10,
                    share_e1=90,
                    assessed_on=assessed - days(400),
                    is_current=False,
                    superseded_at=at(assessed),
                    assessor_name="Leitung",
                )
            )
        assessments.append(
            PositionAssessment(
                position_id=position_id,
                result=result,
                movable_share={"eligible": 80, "partial": 40, "not_eligible": 10}[result],
                share_e1=20,
                assessed_on=assessed,
                review_date=today - days(rng.randint(1, 60))
                if rng.random() < 0.04
                else assessed + days(1095),
                assessor_name="Leitung",
            )
        )
    PositionAssessment.objects.bulk_create(assessments, batch_size=BATCH)

    # ----------------------------------------------------------------- agreements
    def pattern(kind=None) -> dict:
        kind = (
            kind
            or rng.choices(
                [WorkKind.ALTERNATING, WorkKind.OCCASIONAL, WorkKind.TELEWORK], [7, 2, 1]
            )[0]
        )
        return {
            "kind": kind,
            "weekdays": sorted(rng.sample(range(5), rng.choice([1, 2, 3]))),
            "working_days_per_week": 5,
        }

    # (employee, status, values) for each agreement; its origin is a request or an offer.
    specs = []
    open_holders: dict[int, str] = {}  # employee -> status of the open agreement
    for pk in people + sorted(heads):
        u = rng.random()
        values = pattern()
        if u < 0.30:
            status = AgreementStatus.ACTIVE
            if rng.random() < 0.06:  # runs out within the reminder period
                end = today + days(rng.randint(1, 59))
                begin = add_months(end, -24) + days(1)
            else:
                begin = today - days(rng.randint(30, 900))
                end = add_months(begin, 36) - days(1)
            values |= {
                "start_date": begin,
                "end_date": end,
                "trial_end_date": add_months(begin, 6),
                "accepted_at": at(begin - days(10)),
                "activated_at": at(begin),
            }
        elif u < 0.32:
            status = AgreementStatus.ENDING
            begin = today - days(rng.randint(100, 900))
            values |= {
                "start_date": begin,
                "end_date": add_months(begin, 36) - days(1),
                "accepted_at": at(begin - days(10)),
                "activated_at": at(begin),
                "end_kind": "return",
                "notice_given_at": now - days(rng.randint(1, 20)),
                "effective_end_date": today + days(rng.randint(10, 40)),
            }
        elif u < 0.35:
            status = AgreementStatus.ENDED
            begin = today - days(rng.randint(1200, 1500))
            end = begin + days(rng.randint(200, 1000))
            values |= {
                "start_date": begin,
                "end_date": end,
                "accepted_at": at(begin - days(10)),
                "activated_at": at(begin),
                "end_kind": "expiry",
                "effective_end_date": end,
            }
        elif u < 0.37:
            status = AgreementStatus.AGREED
            begin = today + days(rng.randint(1, 40))
            values |= {"start_date": begin, "accepted_at": now - days(rng.randint(1, 10))}
        elif u < 0.39:
            status = AgreementStatus.PENDING  # waits for the person's consent
            values |= {"start_date": today + days(rng.randint(7, 60))}
        elif u < 0.40:
            status = AgreementStatus.PENDING  # consented, waits for pledge or device
            begin = today + days(rng.randint(1, 40))
            values |= {"start_date": begin, "accepted_at": now - days(rng.randint(1, 10))}
        elif u < 0.405:
            status = AgreementStatus.DECLINED
            values |= {"start_date": today + days(rng.randint(7, 60))}
        else:
            continue
        values.setdefault("end_date", add_months(values["start_date"], 36) - days(1))
        specs.append((pk, status, values))
        if status not in (AgreementStatus.ENDED, AgreementStatus.DECLINED):
            open_holders[pk] = status

    # Where each agreement came from: an approved request (4 in 5) or an accepted offer.
    origin_requests, origin_offers = [], []
    for pk, _status, values in specs:
        decided = min(now, at(values["start_date"] - days(20)))
        common = {
            "employee_id": pk,
            "kind": values["kind"],
            "weekdays": values["weekdays"],
            "start_date": values["start_date"],
            "end_date": values["end_date"],
        }
        if rng.random() < 0.8:
            origin_requests.append(
                WorkRequest(
                    **common,
                    status=RequestStatus.APPROVED,
                    decider_unit_id=decider(pk),
                    submitted_at=decided - days(14),
                    due_date=(decided - days(14)).date() + days(28),
                    decided_at=decided,
                )
            )
            origin_offers.append(None)
        else:
            origin_requests.append(None)
            origin_offers.append(Offer(**common, status=OfferStatus.ACCEPTED, answered_at=decided))
    WorkRequest.objects.bulk_create([r for r in origin_requests if r], batch_size=BATCH)
    Offer.objects.bulk_create([o for o in origin_offers if o], batch_size=BATCH)
    agreements = [
        Agreement(
            employee_id=pk,
            status=status,
            request=origin_requests[i],
            offer=origin_offers[i],
            **values,
        )
        for i, (pk, status, values) in enumerate(specs)
    ]
    Agreement.objects.bulk_create(agreements, batch_size=BATCH)
    # Some agreements that run out have a renewal, waiting for the person's consent.
    renewals = [
        Agreement(
            employee_id=a.employee_id,
            status=AgreementStatus.PENDING,
            renewal_of=a,
            kind=a.kind,
            weekdays=a.weekdays,
            start_date=a.end_date + days(1),
            end_date=add_months(a.end_date, 36),
        )
        for a in agreements
        if a.status == AgreementStatus.ACTIVE
        and a.end_date <= today + days(60)
        and rng.random() < 0.3
    ]
    Agreement.objects.bulk_create(renewals, batch_size=BATCH)

    # ----------------------------------------------------------------- other requests, offers
    without = [pk for pk in people if pk not in open_holders]
    requests = []
    for pk in without:
        u = rng.random()
        values = pattern() | {"employee_id": pk}
        values["start_date"] = today + days(rng.randint(20, 90))
        if u < 0.03:
            submitted = today - days(rng.randint(1, 60))
            unit_id = decider(pk)
            level = 0
            if submitted + days(28 + 14) < today and units[unit_id].parent_id:
                unit_id, level = units[unit_id].parent_id, 1  # escalated
            requests.append(
                WorkRequest(
                    **values,
                    status=RequestStatus.SUBMITTED,
                    decider_unit_id=unit_id,
                    escalation_level=level,
                    submitted_at=at(submitted),
                    due_date=submitted + days(28),
                )
            )
        elif u < 0.05:
            decided = now - days(rng.randint(1, 365))
            requests.append(
                WorkRequest(
                    **values,
                    status=RequestStatus.REJECTED,
                    decider_unit_id=decider(pk),
                    submitted_at=decided - days(10),
                    due_date=(decided - days(10)).date() + days(28),
                    decided_at=decided,
                    reason_codes=[rng.choice(["R1", "R2", "R3", "R5"])],
                    justification="Publikumsverkehr an allen Tagen.",
                )
            )
        elif u < 0.055:
            requests.append(WorkRequest(**values, status=RequestStatus.WITHDRAWN))
        elif u < 0.06:
            requests.append(WorkRequest(**values, status=RequestStatus.DRAFT))
    WorkRequest.objects.bulk_create(requests, batch_size=BATCH)

    offers = []
    for pk in without:
        u = rng.random()
        if u < 0.01:
            kind = WorkKind.PANDEMIC if rng.random() < 0.3 else None
            offers.append(
                Offer(
                    **pattern(kind),
                    employee_id=pk,
                    status=OfferStatus.OFFERED,
                    start_date=today + days(rng.randint(7, 40)),
                )
            )
        elif u < 0.015:
            offers.append(
                Offer(
                    **pattern(),
                    employee_id=pk,
                    status=OfferStatus.DECLINED,
                    start_date=today + days(10),
                    answered_at=now - days(rng.randint(1, 200)),
                )
            )
    Offer.objects.bulk_create(offers, batch_size=BATCH)

    # ----------------------------------------------------------------- history
    kinds = ContentType.objects.get_for_models(WorkRequest, Offer, Agreement)
    changes = []

    def history(obj, *moves):
        for action, old, new in moves:
            changes.append(
                StatusChange(
                    content_type=kinds[type(obj)],
                    object_id=obj.pk,
                    action=action,
                    from_status=old,
                    to_status=new,
                )
            )

    moves_of_request = {
        RequestStatus.DRAFT: [],
        RequestStatus.SUBMITTED: [("submit", "draft", "submitted")],
        RequestStatus.APPROVED: [
            ("submit", "draft", "submitted"),
            ("approve", "submitted", "approved"),
        ],
        RequestStatus.REJECTED: [
            ("submit", "draft", "submitted"),
            ("reject", "submitted", "rejected"),
        ],
        RequestStatus.WITHDRAWN: [("withdraw", "draft", "withdrawn")],
    }
    for request in [r for r in origin_requests if r] + requests:
        history(request, ("create", "", "draft"), *moves_of_request[request.status])
    for offer in [o for o in origin_offers if o] + offers:
        answer = {"offered": [], "accepted": [("accept", "offered", "accepted")]}.get(
            offer.status, [("decline", "offered", "declined")]
        )
        history(offer, ("offer", "", "offered"), *answer)
    for agreement in agreements + renewals:
        moves = [("create", "", "pending")]
        if agreement.status != "pending":
            moves.append(("status", "pending", agreement.status))
        history(agreement, *moves)
    StatusChange.objects.bulk_create(changes, batch_size=BATCH)

    # ----------------------------------------------------------------- the checklist, pledges
    items = [{"key": f"p{i}", "text": f"Punkt {i}", "mandatory": i < 6} for i in range(8)]
    v1 = ChecklistVersion.objects.create(number=1, items=items[:6])
    v2 = ChecklistVersion.objects.create(number=2, items=items)
    answers = {item["key"]: True for item in items}
    pledges = []
    for pk, status in open_holders.items():
        u = rng.random()
        if status == AgreementStatus.PENDING and u < 0.5:
            continue  # pledges when consenting
        if u < 0.05:
            continue  # never pledged
        pledges.append(Pledge(employee_id=pk, version=v1, answers=answers, is_valid=True))
        if u < 0.12:
            continue  # not yet on the current version
        pledges.append(Pledge(employee_id=pk, version=v2, answers=answers, is_valid=True))
    Pledge.objects.bulk_create(pledges, batch_size=BATCH)

    # ----------------------------------------------------------------- devices
    notebook = DeviceModel.objects.create(name="Notebook 14", kind="notebook", is_mobile=True)
    desktop = DeviceModel.objects.create(name="Desktop PC", kind="desktop", is_mobile=False)
    devices = []  # (model, holder; None: in stock)
    for pk in sorted(position_of):
        status = open_holders.get(pk)
        u = rng.random()
        if status in (AgreementStatus.ACTIVE, AgreementStatus.ENDING):
            model = notebook if u < 0.85 else desktop
        elif status is not None and u < 0.5:
            model = None  # consented or agreed, waits for a device
        else:
            model = notebook if u < 0.3 else desktop if u < 0.93 else None
        if model is not None:
            devices.append((model, pk))
    devices += [(notebook, None)] * 3000
    rows = [
        Device(
            inventory_number=f"INV-{i:06d}",
            serial=f"SN{i:08d}",
            model=model,
            status=DeviceStatus.ASSIGNED if holder else DeviceStatus.IN_STOCK,
            holder_id=holder,
            purchase_date=dt.date(2022, 1, 1),
        )
        for i, (model, holder) in enumerate(devices)
    ]
    Device.objects.bulk_create(rows, batch_size=BATCH)
    it_user = city.users["IT"]
    assignments = []
    for device in rows:
        if device.holder_id is None:
            continue
        u = rng.random()
        handed = now - days(rng.randint(30, 900))
        a = Assignment(
            device=device,
            employee_id=device.holder_id,
            handed_over_at=handed,
            handed_over_by=it_user,
            acknowledged_at=handed + days(1),
        )
        if u < 0.02:  # receipt not yet confirmed
            a.handed_over_at = now - days(rng.randint(1, 20))
            a.acknowledged_at = None
        elif u < 0.0205:  # "nicht erhalten" / "falsches Gerät"
            a.handed_over_at = now - days(rng.randint(2, 20))
            a.acknowledged_at = None
            a.problem = rng.choice([ReceiptProblem.NOT_RECEIVED, ReceiptProblem.WRONG_DEVICE])
            a.problem_note = "Karton war leer."
            a.problem_reported_at = now - days(1)
        assignments.append(a)
    # Earlier hand-overs of stock devices, returned; a few returns wait for the person's
    # confirmation.
    stock = [d for d in rows if d.holder_id is None]
    for device in stock[:2000]:
        handed = now - days(rng.randint(400, 900))
        returned = handed + days(rng.randint(100, 300))
        confirmed = None if rng.random() < 0.1 else returned + days(1)
        assignments.append(
            Assignment(
                device=device,
                employee_id=rng.choice(people),
                handed_over_at=handed,
                handed_over_by=it_user,
                acknowledged_at=handed + days(1),
                returned_at=returned,
                returned_by=it_user,
                return_confirmed_at=confirmed,
            )
        )
    Assignment.objects.bulk_create(assignments, batch_size=BATCH)
    for n in range(6):
        PurchaseOrder.objects.create(
            number=f"B-{n:04d}",
            supplier="Bechtle",
            ordered_on=today - days(60),
            expected_on=today + days(20 - 10 * n),
            status=OrderStatus.OPEN if n % 3 else OrderStatus.PARTIAL,
        )

    # ----------------------------------------------------------------- access
    gateway = VpnGateway.objects.create(
        name="GW", product="wireguard", capacity=60_000, is_default=True
    )
    grants = []
    for agreement in agreements:
        vpn = {"employee_id": agreement.employee_id, "kind": "vpn", "gateway": gateway}
        if agreement.status in (AgreementStatus.ACTIVE, AgreementStatus.ENDING):
            grants.append(
                AccessGrant(
                    **vpn,
                    agreement=agreement,
                    status=GrantStatus.ACTIVE,
                    granted_at=at(agreement.start_date),
                )
            )
        elif agreement.status == AgreementStatus.ENDED:
            grants.append(
                AccessGrant(
                    **vpn,
                    agreement=agreement,
                    status=GrantStatus.REVOKED,
                    granted_at=at(agreement.start_date),
                    revoked_at=at(agreement.effective_end_date),
                )
            )
        elif agreement.accepted_at is not None:  # agreed, or consented and waiting
            grants.append(AccessGrant(**vpn, agreement=agreement, status=GrantStatus.REQUESTED))
    with_grant = {g.employee_id for g in grants if g.status != GrantStatus.REVOKED}
    for pk in rng.sample([p for p in without if p not in with_grant], 40):
        grants.append(
            AccessGrant(
                employee_id=pk,
                kind="vpn",
                gateway=gateway,
                status=GrantStatus.REQUESTED,
                reason="Rufbereitschaft",
            )
        )
    AccessGrant.objects.bulk_create(grants, batch_size=BATCH)

    # ----------------------------------------------------------------- pandemic, staff council
    period = PandemicPeriod.objects.create(
        start_date=today - days(20), end_date=today + days(70), legal_basis="§ 28b IfSG"
    )
    PandemicGapReason.objects.bulk_create(
        [
            PandemicGapReason(period=period, position_id=p, reason="Publikumsverkehr")
            for p in rng.sample(eligible_positions, len(eligible_positions) // 30)
        ],
        batch_size=BATCH,
    )
    SeenMarker.objects.create(
        user=city.users["staff council"], key="agreements.refusals", seen_at=now - days(30)
    )

    # ----------------------------------------------------------------- the employee
    # Her agreement waits for her consent and her pledge, and IT has just handed her a
    # device whose receipt she has not confirmed yet.
    chosen = (
        Agreement.objects.filter(
            status=AgreementStatus.PENDING,
            accepted_at__isnull=True,
            renewal_of__isnull=True,
            employee__is_active=True,
            employee__exit_date__isnull=True,
        )
        .exclude(employee_id__in=heads)
        .exclude(employee__pledges__version=v2)
        .order_by("pk")
        .values_list("employee_id", flat=True)
    )
    holding = {holder for _model, holder in devices if holder}
    chosen = next(pk for pk in chosen if pk in holding)
    Assignment.objects.filter(employee_id=chosen, returned_at__isnull=True).update(
        acknowledged_at=None, handed_over_at=now - days(2)
    )
    employee_user = UserFactory(username="bench-employee")
    Employee.objects.filter(pk=chosen).update(user=employee_user)
    below = Employee.objects.filter(unit__path__startswith=big.path, is_active=True).count()
    city.users = {
        "employee, consent pending": employee_user,
        f"head of D1 ({below:,} below)": head_user,
        **city.users,
    }
    city.figures = {
        "import": imported,
        "setup": time.perf_counter() - start,
        "units": len(units),
        "agreements": len(agreements) + len(renewals),
        "requests": len(requests) + sum(1 for r in origin_requests if r),
        "offers": len(offers) + sum(1 for o in origin_offers if o),
        "history": len(changes),
        "pledges": len(pledges),
        "assessments": len(assessments),
        "devices": len(rows),
        "assignments": len(assignments),
        "grants": len(grants),
    }
    return city


# --------------------------------------------------------------------------- measuring


def run(args, connection):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone
    from employee_list import QueryCounter, timed

    from rathausmobil.core.todos import todo_providers, todos_for
    from rathausmobil.organisation.scoping import scope_for

    city = build(args)
    if connection.vendor == "postgresql":
        # In operation autovacuum has analysed the tables long before anyone signs in;
        # right after the bulk load the planner would guess from empty statistics.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    f = city.figures
    print(
        f"engine: {connection.vendor}; employees: {args.employees:,}; org units: {f['units']:,}; "
        f"HR import {f['import']:.1f} s, the rest set up in {f['setup']:.1f} s"
    )
    print(
        f"agreements {f['agreements']:,}, requests {f['requests']:,}, offers {f['offers']:,}, "
        f"status history {f['history']:,}, pledges {f['pledges']:,}, assessments "
        f"{f['assessments']:,}, devices {f['devices']:,}, hand-overs {f['assignments']:,}, "
        f"access grants {f['grants']:,}; pandemic period in force"
    )
    print(f"repeat: {args.repeat} requests each (after one that counts the queries)")
    print()

    header = (
        f"{'role':<28} {'lines':>5} {'count':>6} | {'GET / median':>12} {'max':>7} {'queries':>7}"
        f" | {'/aufgaben/anzahl/ median':>24} {'max':>7} {'queries':>7}"
    )
    print(header)
    print("-" * len(header))
    providers = {}
    for label, user in city.users.items():
        client = Client()
        client.force_login(user)
        row = {}
        for name, url in [("page", "/"), ("count", "/aufgaben/anzahl/")]:
            queries = QueryCounter()
            with connection.execute_wrapper(queries):
                response = client.get(url)
            assert response.status_code == 200, (label, url, response.status_code)
            if name == "page":
                row["lines"] = len(response.context["todos"])
                row["total"] = response.context["total"]
                shown = response.context["todos"]
            median, worst = timed(lambda url=url, client=client: client.get(url), args.repeat)
            row[name] = (median, worst, queries.count)
        page, count = row["page"], row["count"]
        print(
            f"{label:<28} {row['lines']:>5} {row['total']:>6,} | {page[0]:>9.0f} ms {page[1]:>4.0f} ms"
            f" {page[2]:>7} | {count[0]:>21.0f} ms {count[1]:>4.0f} ms {count[2]:>7}",
            flush=True,
        )
        if args.show:
            for todo in shown:
                print(f"    {todo.urgency.name:<7} {todo.count:>6,}  {todo.title}")

        # Each provider alone, the scope already known (as the second one on the page).
        fresh = get_user_model().objects.get(pk=user.pk)
        scope_for(fresh)
        today = timezone.localdate()
        providers[label] = []
        queries = QueryCounter()
        with connection.execute_wrapper(queries):
            todos_for(get_user_model().objects.get(pk=user.pk))
        median, worst = timed(
            lambda pk=user.pk: todos_for(get_user_model().objects.get(pk=pk)), args.repeat
        )
        providers[label].append(
            (median, worst, queries.count, "todos_for (user, scope, every provider)")
        )
        for name, provider in todo_providers.receivers:
            queries = QueryCounter()
            with connection.execute_wrapper(queries):
                provider(fresh, today)
            median, worst = timed(lambda p=provider, u=fresh, d=today: p(u, d), args.repeat)
            providers[label].append((median, worst, queries.count, name))

    print()
    print(
        "median / max ms and queries: all of todos_for (user, scope, every provider), then "
        "each provider alone (scope known), slowest first:"
    )
    for label, rows in providers.items():
        whole, *each = rows
        each.sort(reverse=True)
        print(
            f"  {label}: "
            + "; ".join(f"{name} {m:.0f}/{w:.0f} ms, {q} q" for m, w, q, name in [whole, *each])
        )


if __name__ == "__main__":
    main()
