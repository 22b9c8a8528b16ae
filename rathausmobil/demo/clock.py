"""The demo's clock: the story happens over time (docs/demo.md).

The demo calls the services a person uses, and they stamp what they write with the
moment of the call: `auto_now_add` fields (`created_at`, `StatusChange.at`,
`AuditEvent.created_at`, `Pledge.signed_at`, ...) and `timezone.localdate()` all read
`django.utils.timezone.now`. While the demo plays a moment of its story, `story_moment`
moves that function to the moment, so the records carry the story's dates exactly as if
the person had acted then; nothing is back-dated beside the services afterwards.

The clock ticks: inside a block it runs on from the story moment at the real pace, so
records made one after the other keep their order. Blocks nest (an outer block for the
demo's today, inner ones for the moments before it). Only the seed command uses it; it
is not thread-safe and must never run in a server process.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone


def moment(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """`day` at `hour`:`minute`, local time (aware)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@contextmanager
def story_moment(when: dt.datetime | dt.date, hour: int = 9, minute: int = 0) -> Iterator[None]:
    """Run the block as if it were `when` (a day: at `hour`:`minute`)."""
    if not isinstance(when, dt.datetime):
        when = moment(when, hour, minute)
    started = time.monotonic()
    previous = timezone.now
    timezone.now = lambda: when + dt.timedelta(seconds=time.monotonic() - started)
    try:
        yield
    finally:
        timezone.now = previous
