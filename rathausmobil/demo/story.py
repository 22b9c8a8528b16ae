"""The demo's calendar: when what happens in the story (docs/demo.md).

The campaign begins in May 2020 (the first HR import, the assessments, the inventory
and the rollout campaign); VPN is opened to almost everyone in 2020; the devices come
in partial deliveries over the following years; the day of the Offenbach press article
(20.01.2021) is a day of the story like any other. Every module of the demo takes its
dates from here and plays each moment up to the demo's today (`seed_demo --today`).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

CAMPAIGN_START = dt.date(2020, 5, 4)  # Monday: first HR import, inventory, campaign
ASSESSMENTS = (dt.date(2020, 5, 11), dt.date(2020, 6, 26))  # the heads assess the positions
VPN_OPENING = (dt.date(2020, 5, 11), dt.date(2020, 12, 18))  # IT opens the VPN to staff
ARTICLE_DAY = dt.date(2021, 1, 20)  # "Stadt baut Homeoffice seit Mitte 2020 aus"
SECOND_LOCKDOWN = dt.date(2020, 12, 16)  # VPN use rises (and stays up in January 2021)
# VPN logs before the article: from two weeks before the lockdown to the day before it.
ARTICLE_LOGS = (dt.date(2020, 12, 2), ARTICLE_DAY - dt.timedelta(days=1))
TURNOVER_FROM = dt.date(2021, 3, 31)  # after the article one person leaves per month


def demo_today(today: dt.date | None = None) -> dt.date:
    """The demo's today: `--today`, or the real today."""
    return today or timezone.localdate()


def spread(rng, first: dt.date, last: dt.date) -> dt.date:
    """A random day from first to last (both included)."""
    return first + dt.timedelta(days=rng.randint(0, max((last - first).days, 0)))


def workday(day: dt.date) -> dt.date:
    """The day itself, or the Monday after a weekend day."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day
