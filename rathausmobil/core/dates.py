"""Calendar arithmetic the domain needs in several places."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def add_months(date: dt.date, months: int) -> dt.date:
    """The same day `months` later; the month's last day where that day does not exist
    (31 January + 1 month = 28 or 29 February)."""
    month = date.month - 1 + months
    year, month = date.year + month // 12, month % 12 + 1
    for day in (date.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise ValueError(date)


def german_date(value: dt.date | dt.datetime | None) -> str:
    """`31.01.2027`, the local day of a moment, or "–" for none (in messages, history
    reasons and audit changes, which are stored as text)."""
    if value is None:
        return "–"
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return value.strftime("%d.%m.%Y")


def day_end(day: dt.date) -> dt.datetime:
    """The first moment after `day` (local midnight that ends it): "as of the end of the
    day" is everything that happened before this moment."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """The last day of every month from `first`'s month to `last`'s, the last one cut at
    `last` itself (a trend's points: one per month, the current month up to today)."""
    days = []
    month = first.replace(day=1)
    while month <= last:
        end = add_months(month, 1) - dt.timedelta(days=1)
        days.append(min(end, last))
        month = add_months(month, 1)
    return days
