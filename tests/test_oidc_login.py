"""Single sign-on through OpenID Connect (organisation/oidc.py, mozilla-django-oidc) against
a real OpenID provider on loopback: panva's oidc-provider (tests/oidc/provider.js, on
Node.js). The browser follows the real redirects: our login page, the provider's login
form, the callback with the code exchanged for tokens (PKCE, RS256 against the provider's
JWKS), and at logout the provider's end_session page and back. docs/security.md
"Single sign-on (OpenID Connect)"."""

import copy
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from playwright.sync_api import expect

from rathausmobil.core.models import AuditEvent
from rathausmobil.organisation.models import Role, RoleAssignment
from rathausmobil.organisation.oidc import role_values
from rathausmobil.organisation.services import OIDC_SOURCE
from rathausmobil.organisation.tests.factories import EmployeeFactory, UserFactory

PROVIDER_DIR = Path(__file__).parent / "oidc"
CLIENT_ID = "rathausmobil"
CLIENT_SECRET = "test-secret-of-the-client"  # noqa: S105

User = get_user_model()


def _missing(message: str):
    if os.environ.get("RM_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def provider(live_server):
    """The provider, with one client whose redirect URIs are the live server's; yields its
    issuer URL and the file of its people ({login: claims}), read at every sign-in."""
    node = shutil.which("node")
    if node is None:
        _missing(
            "node fehlt (Node.js 20); die Tests der Anmeldung über OpenID Connect brauchen es."
        )
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        _missing("tests/oidc/node_modules fehlt: `make oidc-deps` (npm ci) installiert es.")
    workdir = Path(tempfile.mkdtemp(prefix="rm-oidc-"))
    people = workdir / "people.json"
    people.write_text("{}")
    port = _free_port()
    config = workdir / "config.json"
    config.write_text(
        json.dumps(
            {
                "port": port,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [f"{live_server.url}/oidc/callback/"],
                "post_logout_redirect_uris": [f"{live_server.url}/login/"],
                "accounts_file": str(people),
            }
        )
    )
    process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
        [node, str(PROVIDER_DIR / "provider.js"), str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()
        if not line.startswith("ready "):
            pytest.fail(f"Der OpenID-Provider startete nicht: {line!r}")
        yield {"issuer": line.split()[1], "people": people}
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def oidc_on(settings, provider):
    """OIDC on, as config/settings.py sets it from the environment; returns a function
    that puts a person with their claims at the provider."""
    issuer = provider["issuer"]
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{issuer}/auth"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{issuer}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{issuer}/me"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{issuer}/jwks"
    settings.OIDC_OP_LOGOUT_ENDPOINT = f"{issuer}/session/end"
    settings.OIDC_ROLE_VALUES = "hr=Personalamt;it=IT;it=IT-Admins;leadership=Verwaltungsspitze"
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"].append(issuer)  # as settings.py adds the provider
    settings.CONTENT_SECURITY_POLICY = policy

    def person(login, *, groups, email=None, **claims):
        people = json.loads(provider["people"].read_text())
        people[login] = {
            "preferred_username": login,
            "given_name": login.capitalize(),
            "family_name": "Stadt",
            "email": email or f"{login}@stadt.example",
            "email_verified": True,
            "groups": groups,
            **claims,
        }
        provider["people"].write_text(json.dumps(people))

    return person


def sign_in_at_provider(page, base_url, login, *, next_url=None):
    page.goto(f"{base_url}/login/" + (f"?next={next_url}" if next_url else ""))
    page.get_by_role("link", name="Mit dem Konto der Stadt anmelden").click()
    page.locator("input[name=login]").fill(login)  # the provider's own form
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()


def roles_of(username: str) -> set[str]:
    return set(
        RoleAssignment.objects.filter(user__username=username).values_list("role", flat=True)
    )


def oidc_events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(source=OIDC_SOURCE, action=action).order_by("pk"))


def test_it_signs_in_through_the_provider_with_roles_and_the_employee_record(
    page, live_server, oidc_on, org
):
    employee = EmployeeFactory(unit=org["A1"], email="Anna@Stadt.example")
    oidc_on("anna", groups=["Personalamt", "Kantine"])

    sign_in_at_provider(page, live_server.url, "anna")

    page.wait_for_url(f"{live_server.url}/")
    user = User.objects.get(username="anna")
    assert (user.first_name, user.last_name, user.email) == ("Anna", "Stadt", "anna@stadt.example")
    assert not user.has_usable_password()
    assert roles_of("anna") == {Role.HR}
    employee.refresh_from_db()
    assert employee.user == user
    (event,) = oidc_events("Rolle vergeben")
    assert event.actor is None
    assert event.changes == {"Rolle": ["", "Personalamt"]}
    assert event.reason == "Anmeldung über OpenID Connect: Mitglied von Personalamt"


def test_an_address_the_provider_has_not_verified_links_no_record(page, live_server, oidc_on, org):
    employee = EmployeeFactory(unit=org["A1"], email="chef@stadt.example")
    oidc_on("mallory", groups=[], email="chef@stadt.example", email_verified=False)

    sign_in_at_provider(page, live_server.url, "mallory")

    page.wait_for_url(f"{live_server.url}/")
    employee.refresh_from_db()
    assert employee.user is None


def test_logout_ends_the_session_at_the_provider_and_the_next_login_updates_the_roles(
    page, live_server, oidc_on, db
):
    oidc_on("ben", groups=["IT-Admins"])
    sign_in_at_provider(page, live_server.url, "ben")
    page.wait_for_url(f"{live_server.url}/")
    assert roles_of("ben") == {Role.IT}

    # The logout form's answer redirects to the provider (CSP form-action allows it: the
    # `page` fixture fails on any violation), which asks, then sends the browser back.
    with page.expect_request(lambda request: "/session/end" in request.url) as ended:
        page.get_by_role("button", name="Abmelden").click()
    assert "id_token_hint=" in ended.value.url
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{live_server.url}/login/")

    oidc_on("ben", groups=["Verwaltungsspitze"])
    sign_in_at_provider(page, live_server.url, "ben")  # the provider asks again: logged out
    page.wait_for_url(f"{live_server.url}/")

    assert roles_of("ben") == {Role.LEADERSHIP}
    (revoked,) = oidc_events("Rolle entzogen")
    assert revoked.changes == {"Rolle": ["IT", ""]}
    assert revoked.reason == "Anmeldung über OpenID Connect: nicht Mitglied von IT; IT-Admins"
    assert len(oidc_events("Rolle vergeben")) == 2


def test_claims_only_in_the_id_token_count_as_adfs_sends_them(page, live_server, oidc_on, db):
    oidc_on("dora", groups=["IT"], userinfo_sub_only=True)

    sign_in_at_provider(page, live_server.url, "dora")

    page.wait_for_url(f"{live_server.url}/")
    assert User.objects.get(username="dora").email == "dora@stadt.example"
    assert roles_of("dora") == {Role.IT}


@pytest.mark.parametrize(
    "account",
    [
        {"is_superuser": True, "is_staff": True},  # a superuser, even without a password
        {"password": "local-password"},  # a local account
        {"is_active": False},  # locked in the application (a leaver)
    ],
    ids=["superuser", "local", "locked"],
)
def test_a_local_or_locked_account_of_the_same_name_is_refused(
    page, live_server, oidc_on, db, account
):
    user = UserFactory(username="admin", **account)
    if "password" not in account:  # as the directory login or the single sign-on made it
        user.set_unusable_password()
        user.save()
    oidc_on("admin", groups=["IT"])

    sign_in_at_provider(page, live_server.url, "admin")

    page.wait_for_url(f"{live_server.url}/login/")
    assert page.get_by_text("Die Anmeldung mit dem Konto der Stadt ist nicht gelungen").is_visible()
    assert roles_of("admin") == set()
    # counted by axes as a failure of the address (no user name was typed here)
    (attempt,) = AccessAttempt.objects.all()
    assert (attempt.username, attempt.failures_since_start) == (None, 1)


def test_a_locked_address_is_refused_at_the_callback(page, live_server, oidc_on, settings, db):
    oidc_on("erik", groups=["IT"])
    AccessAttempt.objects.create(  # someone tried many accounts from this address
        username="someone",
        ip_address="127.0.0.1",
        user_agent="",
        get_data="",
        post_data="",
        http_accept="",
        path_info="/login/",
        failures_since_start=settings.LOGIN_FAILURE_LIMIT_ADDRESS,
    )

    sign_in_at_provider(page, live_server.url, "erik")

    expect(page.get_by_text("Zu viele fehlgeschlagene Anmeldungen.")).to_be_visible()
    assert not User.objects.filter(username="erik").exists()


def test_it_goes_back_to_the_page_asked_for(page, live_server, oidc_on, db, axe_check):
    oidc_on("carla", groups=[])
    page.goto(f"{live_server.url}/organisation/")
    page.wait_for_url(f"{live_server.url}/login/?next=/organisation/")
    axe_check(page)  # the login page with the button and the local form
    assert page.get_by_label("Benutzername").is_visible()  # the emergency admin's way in
    page.get_by_role("link", name="Mit dem Konto der Stadt anmelden").click()
    page.locator("input[name=login]").fill("carla")
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url(f"{live_server.url}/organisation/**")


def test_a_tampered_state_is_refused(client, oidc_on, settings, db):
    start = client.get(reverse("oidc_authentication_init"))
    assert start.status_code == 302
    assert start.url.startswith(f"{settings.OIDC_OP_AUTHORIZATION_ENDPOINT}?")
    assert "code_challenge_method=S256" in start.url

    response = client.get(reverse("oidc_authentication_callback"), {"code": "x", "state": "forged"})

    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_a_callback_without_state_is_refused(client, oidc_on, db):
    response = client.get(reverse("oidc_authentication_callback"), {"code": "x"})

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session


def test_with_oidc_off_nothing_changes(client, db):
    page = client.get(reverse("login"))
    assert "Mit dem Konto der Stadt anmelden" not in page.content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/", {"code": "x", "state": "y"}).status_code == 404


def test_the_role_values_are_checked():
    assert role_values("hr=Personalamt; it=/IT ;it=IT-Admins") == {
        "hr": {"Personalamt"},
        "it": {"/IT", "IT-Admins"},
    }
    with pytest.raises(ImproperlyConfigured):
        role_values("superuser=Admins")


def test_the_settings_from_the_environment_allow_the_logout_at_the_provider():
    """config/settings.py as a city sets it: all endpoints given, `check` is silent, and
    the provider's origin (only it) joins the CSP's form-action for the logout's redirect."""
    base = "https://sso.stadt.example/realms/stadt/protocol/openid-connect"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "OIDC_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        OIDC_RP_CLIENT_ID="rathausmobil",
        OIDC_RP_CLIENT_SECRET="x",
        OIDC_OP_AUTHORIZATION_ENDPOINT=f"{base}/auth",
        OIDC_OP_TOKEN_ENDPOINT=f"{base}/token",
        OIDC_OP_USER_ENDPOINT=f"{base}/userinfo",
        OIDC_OP_JWKS_ENDPOINT=f"{base}/certs",
        OIDC_OP_LOGOUT_ENDPOINT=f"{base}/logout",
        OIDC_ROLE_VALUES="hr=/Personalamt",
    )
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "from django.core.management import call_command; call_command('check'); "
        "print(' '.join(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']))"
    )
    done = subprocess.run(  # noqa: S603 - our own settings, fixed arguments
        [sys.executable, "-c", script],
        cwd=Path(__file__).parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().splitlines()[-1] == "'self' https://sso.stadt.example"


def test_two_first_logins_at_once_end_in_one_account(db):
    """Two tabs finish a new person's first login at the same moment: both looked for the
    account before either created it, so both create it. The second finds the first's
    account instead of failing on the unique user name (a 500 before)."""
    from rathausmobil.organisation.oidc import OidcBackend

    backend = OidcBackend()
    claims = {"preferred_username": "neu.person", "given_name": "Neu", "email": "n@stadt.example"}
    first = backend.create_user(claims)

    second = backend.create_user(claims)  # the other tab, a moment later

    assert second.pk == first.pk and User.objects.filter(username="neu.person").count() == 1
