"""Single sign-on through OpenID Connect (Keycloak, ADFS, …), with mozilla-django-oidc.

With OIDC_RP_CLIENT_ID empty it does nothing: the login page shows no button, /oidc/ is
not found, `OidcBackend` signs nobody in. Otherwise the login page links to
/oidc/authenticate/, which sends the browser to the provider (authorization code flow
with PKCE, state and nonce); the provider sends it back to /oidc/callback/, and the
backend

1. fetches the tokens, checks the ID token's RS256 signature against the provider's JWKS,
   and reads the person's claims from the userinfo endpoint and the ID token;
2. finds the account by the user name claim (OIDC_USERNAME_CLAIM, lower case; the same
   name as the directory login's, so a city moving from LDAP to its provider keeps its
   accounts), or creates it without a local password; names and e-mail are refreshed;
3. synchronises the roles that OIDC_ROLE_VALUES maps to values of the claim
   OIDC_ROLES_CLAIM, through the directory login's `roles_sync` (audit source
   "Single Sign-on (OpenID Connect)");
4. links the employee record by the e-mail claim, as the directory login does (not when
   the provider says the address is not verified).

Like the directory login it never signs into a local account (one with a usable password,
or a superuser) nor into one locked in the application. Logging out ends the session at
the provider too (`provider_logout_url`). docs/security.md "Single sign-on".
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import path, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from rathausmobil.organisation.directory import employee_link_by, role_mapping, roles_sync
from rathausmobil.organisation.services import OIDC_SOURCE

logger = logging.getLogger(__name__)


def oidc_login_on() -> bool:
    """Whether staff sign in through the city's provider (the login page shows the link)."""
    return bool(settings.OIDC_RP_CLIENT_ID)


def role_values(value: str | None = None) -> dict[str, set[str]]:
    """OIDC_ROLE_VALUES ("hr=Personalamt;it=IT") as {role: {claim values}}; compared as
    they are (Keycloak's full group paths "/Personalamt" included)."""
    value = settings.OIDC_ROLE_VALUES if value is None else value
    return role_mapping(value, setting="OIDC_ROLE_VALUES")


def claim_values(claims: dict, name: str) -> set[str]:
    """The values of a claim as a set: a list (Keycloak), one string (ADFS sends a single
    group so), or absent (no groups: the mapped roles are taken away)."""
    value = claims.get(name)
    if value is None:
        return set()
    if isinstance(value, str):
        return {value.strip()}
    return {str(item).strip() for item in value}


class OidcBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend: accounts by the user name claim, never a local one;
    roles and the employee link at each login."""

    def authenticate(self, request, **kwargs):
        if not oidc_login_on():
            return None
        return super().authenticate(request, **kwargs)

    # Rights come from the roles (scoping.py), never from Django permissions.
    def get_all_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def username_of(self, claims) -> str:
        return str(claims.get(settings.OIDC_USERNAME_CLAIM) or "").strip().lower()

    def verify_claims(self, claims):
        # a longer name is refused, never cut (cut, it could name someone else's account)
        return 0 < len(self.username_of(claims)) <= 150

    def describe_user_by_claims(self, claims):
        return f"{settings.OIDC_USERNAME_CLAIM} {self.username_of(claims)}"

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(username=self.username_of(claims))

    def create_user(self, claims):
        user = self.UserModel(username=self.username_of(claims))
        user.set_unusable_password()  # the password stays with the provider
        self.copy_claims(user, claims)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            # The same person's first login in a second tab created the account a moment
            # ago: that account, under the same rules as every later login.
            return self.update_user(self.filter_users_by_claims(claims).get(), claims)
        return user

    def update_user(self, user, claims):
        if user.has_usable_password() or user.is_superuser:
            # Otherwise whoever holds a provider account named like the emergency admin
            # would become the admin (the same rule as the directory login).
            raise SuspiciousOperation(f"{user.username}: ein lokales Konto dieses Namens")
        if not user.is_active:
            raise SuspiciousOperation(f"{user.username}: in der Anwendung gesperrt")
        self.copy_claims(user, claims)
        user.save(update_fields=["first_name", "last_name", "email"])
        return user

    @staticmethod
    def copy_claims(user, claims) -> None:
        user.first_name = str(claims.get("given_name") or "")[:150]
        user.last_name = str(claims.get("family_name") or "")[:150]
        user.email = str(claims.get("email") or "")[:254]

    def get_or_create_user(self, access_token, id_token, payload):
        user = super().get_or_create_user(access_token, id_token, payload)
        if user is not None:
            claims = self.last_claims
            roles_sync(
                user=user,
                mapping=role_values(),
                groups=claim_values(claims, settings.OIDC_ROLES_CLAIM),
                via="OpenID Connect",
                source=OIDC_SOURCE,
            )
            # An address the provider says it has not verified (Keycloak lets people change
            # theirs) links no record: it could be someone else's. ADFS sends no such claim.
            if claims.get("email_verified") is not False:
                employee_link_by(user, lookup="email__iexact", value=str(claims.get("email") or ""))
        return user

    def get_userinfo(self, access_token, id_token, payload):
        """The claims of the userinfo endpoint over those of the ID token (`payload`, its
        signature and nonce checked already): ADFS answers userinfo with `sub` only and
        puts the rest into the ID token; Keycloak puts them into both."""
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):  # OpenID Connect Core 5.3.2
            raise SuspiciousOperation("userinfo names another subject than the ID token")
        self.last_claims = {**payload, **userinfo}
        return self.last_claims


def provider_logout_url(request) -> str:
    """OIDC_OP_LOGOUT_URL_METHOD: where the browser goes after logging out here. Signed in
    through the provider (the session keeps the ID token): its end_session endpoint with
    id_token_hint and the way back to the login page, so that the provider's session ends
    too and the next person at this computer is asked for their password. Otherwise (a
    local account): the login page. Called before the session is flushed."""
    back = resolve_url(settings.LOGOUT_REDIRECT_URL)
    id_token = request.session.get("oidc_id_token")
    if not (oidc_login_on() and id_token and settings.OIDC_OP_LOGOUT_ENDPOINT):
        return back
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": request.build_absolute_uri(back),
            "client_id": settings.OIDC_RP_CLIENT_ID,
        }
    )
    return f"{settings.OIDC_OP_LOGOUT_ENDPOINT}?{query}"


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST only), then to the provider's end_session endpoint when the
    person signed in through it (OIDC_OP_LOGOUT_URL_METHOD, asked before the session is
    flushed)."""

    def post(self, request, *args, **kwargs):
        next_url = import_string(settings.OIDC_OP_LOGOUT_URL_METHOD)(request)
        response = super().post(request, *args, **kwargs)
        if next_url != resolve_url(settings.LOGOUT_REDIRECT_URL):
            return HttpResponseRedirect(next_url)
        return response


def _only_when_on(view):
    def wrapped(request, *args, **kwargs):
        if not oidc_login_on():
            raise Http404
        return view(request, *args, **kwargs)

    return login_not_required(wrapped)


class CallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider. A refused login (the provider's error, no account, a local
    account's name) ends on the login page with a message, never on a page of ours."""

    def login_failure(self):
        messages.error(
            self.request,
            _(
                "Die Anmeldung mit dem Konto der Stadt ist nicht gelungen. Versuchen Sie es "
                "noch einmal, oder wenden Sie sich an die IT."
            ),
        )
        return HttpResponseRedirect(reverse("login"))


urlpatterns = [
    path(
        "authenticate/",
        _only_when_on(OIDCAuthenticationRequestView.as_view()),
        name="oidc_authentication_init",
    ),
    path("callback/", _only_when_on(CallbackView.as_view()), name="oidc_authentication_callback"),
]


def check_settings(app_configs=None, **kwargs) -> list:
    """System check: a missing endpoint or a wrong role mapping is named at start-up."""
    from django.core.checks import Error

    if not oidc_login_on():
        return []
    errors = []
    for name in (
        "OIDC_RP_CLIENT_SECRET",
        "OIDC_OP_AUTHORIZATION_ENDPOINT",
        "OIDC_OP_TOKEN_ENDPOINT",
        "OIDC_OP_USER_ENDPOINT",
        "OIDC_OP_JWKS_ENDPOINT",
    ):
        if not getattr(settings, name):
            errors.append(Error(f"{name} fehlt.", id="organisation.E002"))
    try:
        role_values()
    except ImproperlyConfigured as error:
        errors.append(Error(str(error), id="organisation.E002"))
    return errors
