"""API sign-in: a token that expires, and a session whose CSRF refusal is German. Its own
module: DRF imports the authentication classes while its views module loads, so this
must not import `rest_framework.views` (core/api.py does)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication


def token_expires(token) -> dt.datetime:
    """When a token stops working: API_TOKEN_MAX_AGE_DAYS after it was made (DRF's token
    has no expiry of its own; `created` is set when the token is made or renewed)."""
    return token.created + dt.timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` as DRF's, refused (401) once the token is older than
    API_TOKEN_MAX_AGE_DAYS, with a German message that says how to get a new one. The age
    counts from when the token was made, not from its last use: a token that leaked keeps
    working at most that long, however busy its thief."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        expires = token_expires(token)
        if expires <= timezone.now():
            raise exceptions.AuthenticationFailed(
                _(
                    "Das API-Token ist am %(date)s abgelaufen (ein Token gilt %(days)s Tage). "
                    "Ein neues Token erzeugt die IT mit „python manage.py create_api_token "
                    "%(username)s“."
                )
                % {
                    "date": f"{timezone.localtime(expires):%d.%m.%Y}",
                    "days": settings.API_TOKEN_MAX_AGE_DAYS,
                    "username": user.get_username(),
                },
                code="token_expired",
            )
        return user, token


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
