"""API sign-in. Its own module: DRF imports the authentication classes while its views
module loads, so this must not import `rest_framework.views` (core/api.py does)."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication


class GermanCsrfSessionAuthentication(SessionAuthentication):
    """Session sign-in for the API (the browsable docs, htmx), whose failed CSRF check
    answers in German like every other API error, instead of DRF's "CSRF Failed: …"."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise exceptions.PermissionDenied(
                _(
                    "Die Anfrage wurde abgewiesen: Das Sicherheitsmerkmal (CSRF) fehlt oder ist "
                    "abgelaufen. Bitte laden Sie die Seite neu, oder melden Sie sich am API mit "
                    "einem Token an."
                )
            ) from None
