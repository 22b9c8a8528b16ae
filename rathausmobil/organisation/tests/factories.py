import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from rathausmobil.organisation.models import Employee, OrgUnit, Position, UnitKind
from rathausmobil.organisation.services import org_units_rebuild_paths


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@stadt.example")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "pw")
        if create:
            self.save(update_fields=["password"])


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"U{n}")
    name = factory.LazyAttribute(lambda u: f"Einheit {u.code}")
    kind = UnitKind.AMT

    @factory.post_generation
    def paths(self, create, extracted, **kwargs):
        if create:
            org_units_rebuild_paths()
            self.refresh_from_db(fields=["path", "depth"])


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    number = factory.Sequence(lambda n: f"S-{n:05d}")
    title = "Sachbearbeitung"
    unit = factory.SubFactory(OrgUnitFactory)


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    personnel_number = factory.Sequence(lambda n: f"{900000 + n}")
    last_name = factory.Sequence(lambda n: f"Muster{n}")
    first_name = "Erika"
    email = factory.LazyAttribute(lambda e: f"{e.personnel_number}@stadt.example")
    unit = factory.SubFactory(OrgUnitFactory)
    position = factory.LazyAttribute(lambda e: PositionFactory(unit=e.unit))
    weekly_hours = Decimal("39")
    entry_date = dt.date(2015, 1, 1)
