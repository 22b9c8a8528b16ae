"""Domain errors: a rule of the domain said no. Messages are German (gettext) and
meant for the person who acted."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A rule of the domain said no. Views turn it into a message, the API into 409 Conflict."""

    status_code = 409

    def __init__(self, message: str, *, code: str = "conflict"):
        super().__init__(message)
        self.message = str(message)
        self.code = code


class NotAllowed(DomainError):
    """The person may not do this (HTTP 403 in the API)."""

    status_code = 403

    def __init__(self, message: str | None = None):
        super().__init__(message or _("Dafür fehlt Ihnen die Berechtigung."), code="not_allowed")
