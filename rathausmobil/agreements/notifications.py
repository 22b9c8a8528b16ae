"""E-mail to the person who must act next, in German, with a link.

Mail goes out in `transaction.on_commit`, so a rolled-back change sends nothing. A mail
that cannot be sent is logged (subject and number of recipients, never the body) and
does not undo or fail the change it reports, which is saved by then. Callers pass
subject and body through gettext (German msgids, ADR 0001).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from rathausmobil.organisation.models import Role, RoleAssignment

logger = logging.getLogger(__name__)


def _addresses(users: Iterable) -> list[str]:
    seen, result = set(), []
    for user in users:
        email = getattr(user, "email", "") if user is not None else ""
        if email and email not in seen and getattr(user, "is_active", True):
            seen.add(email)
            result.append(email)
    return result


def link(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def send(*, to: Iterable, subject: str, body: str, url: str = "") -> None:
    recipients = _addresses(to)
    if not recipients:
        return
    text = (
        _("Guten Tag,")
        + f"\n\n{body}\n\n"
        + ((_("Hier geht es weiter: %(url)s") % {"url": url}) + "\n\n" if url else "")
        + _("Diese Nachricht wurde von Rathaus Mobil automatisch versandt.")
    )
    full_subject = _("Rathaus Mobil: %(subject)s") % {"subject": subject}
    messages = [(full_subject, text, settings.DEFAULT_FROM_EMAIL, [r]) for r in recipients]
    transaction.on_commit(lambda: _deliver(messages, subject=subject))


def _deliver(messages: list[tuple[str, str, str, list[str]]], *, subject: str) -> None:
    try:
        send_mass_mail(messages)
    except Exception:
        # After commit: the person's action stands; the operators learn of the mail.
        logger.exception("Mail not sent: %r to %d recipient(s)", subject, len(messages))


def employee_user(employee):
    return employee.user if employee is not None and employee.user_id else None


def deciders_of(unit) -> list:
    """The head of the unit and its deputies (supervisor role assignments)."""
    users = []
    if unit is None:
        return users
    if unit.head_id and unit.head.user_id:
        users.append(unit.head.user)
    users.extend(
        a.user
        for a in RoleAssignment.objects.filter(role=Role.SUPERVISOR, unit=unit).select_related(
            "user"
        )
    )
    return users
