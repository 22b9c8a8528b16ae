# The pages read day rows only (docs/vpn-usage.md, "What reads what"): each gateway's day
# gets its N(t) by real hour, all gateways together get a row of their own, and the day's
# people are kept as persons (not as log names, which needed every account to count them).
# Existing rows are filled from what they hold; unit days written before keep their new
# fields empty, and the figures that need them say "unknown" for such days.

import zlib

import numpy as np
from django.db import migrations, models

from rathausmobil.usage.aggregates import bitmap_ids, day_shape, person_keys, union_bits
from rathausmobil.usage.models import unpack_counts

SHAPE = ("lo", "seconds", "peak", "peak_at", "hour_sums", "hour_peaks", "hour_counts")


def _bitmap(ids: np.ndarray) -> bytes:
    bits = np.zeros(int(ids.max()) + 1 if ids.size else 0, dtype=bool)
    bits[ids] = True
    return zlib.compress(np.packbits(bits, bitorder="little").tobytes(), 6)


def fill(apps, schema_editor):
    UsageDay = apps.get_model("usage", "UsageDay")
    TotalUsageDay = apps.get_model("usage", "TotalUsageDay")
    VpnAccount = apps.get_model("usage", "VpnAccount")
    rows = UsageDay.objects.order_by("day", "gateway_id")
    if not rows.exists():
        return
    accounts = list(VpnAccount.objects.values_list("pk", "employee_id"))
    employee_of = np.full(max(pk for pk, _ in accounts) + 1 if accounts else 1, -1)
    for pk, employee_id in accounts:
        if employee_id is not None:
            employee_of[pk] = employee_id

    def total(day, parts):
        counts = sum(unpack_counts(bytes(row.counts)) for row in parts)
        persons = [row.persons for row in parts]
        TotalUsageDay.objects.create(
            day=day,
            sessions=sum(row.sessions for row in parts),
            persons=None
            if any(p is None for p in persons)
            else zlib.compress(union_bits(persons).tobytes(), 6),
            **day_shape(counts, parts[0].lo),
        )

    day, parts = None, []
    for row in rows.iterator(chunk_size=200):
        if row.persons is not None:  # still the accounts seen that day
            seen = bitmap_ids(row.persons)
            known = seen < employee_of.size
            employees = np.full(seen.size, -1)
            employees[known] = employee_of[seen[known]]
            row.persons = _bitmap(np.unique(person_keys(seen, employees)))
        shape = day_shape(unpack_counts(bytes(row.counts)), row.lo)
        for name in SHAPE:
            setattr(row, name, shape[name])
        row.save(update_fields=["persons", *SHAPE])
        if day is not None and row.day != day:
            total(day, parts)
            parts = []
        day = row.day
        parts.append(row)
    total(day, parts)


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0002_session_unit_without_index"),
    ]

    operations = [
        migrations.RenameField(model_name="usageday", old_name="accounts", new_name="persons"),
        migrations.AddField(
            model_name="unitusageday",
            name="busy_at",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="unitusageday",
            name="busy_seconds",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="unitusageday",
            name="peak_at",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="usageday",
            name="hour_counts",
            field=models.BinaryField(null=True),
        ),
        migrations.AddField(
            model_name="usageday",
            name="hour_peaks",
            field=models.JSONField(default=list),
        ),
        migrations.AddField(
            model_name="usageday",
            name="hour_sums",
            field=models.JSONField(default=list),
        ),
        migrations.CreateModel(
            name="TotalUsageDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("lo", models.BigIntegerField()),
                ("seconds", models.IntegerField()),
                ("sessions", models.IntegerField(default=0)),
                ("peak", models.IntegerField(default=0)),
                ("peak_at", models.BigIntegerField(null=True)),
                ("persons", models.BinaryField(null=True)),
                ("hour_sums", models.JSONField(default=list)),
                ("hour_peaks", models.JSONField(default=list)),
                ("hour_counts", models.BinaryField(null=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("day",), name="total_usage_day_unique")
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
