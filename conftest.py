"""Standard fixtures: one small administration and a person for every role.

D  Dezernat
├── A  Amt (head: amt_head)
│   └── A1 Abteilung (head: supervisor; staff: employee, colleague)
└── B  Amt
    └── B1 Abteilung (head: outsider; staff: stranger)
"""

import os
import shutil

import pytest

from rathausmobil.organisation.models import Role, RoleAssignment, UnitKind
from rathausmobil.organisation.tests.factories import EmployeeFactory, OrgUnitFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache (the menu's task count is kept per user id,
    and ids come again after a rollback)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org(db):
    d = OrgUnitFactory(code="D", name="Dezernat Test", kind=UnitKind.DEZERNAT)
    a = OrgUnitFactory(code="A", name="Amt A", parent=d)
    a1 = OrgUnitFactory(code="A1", name="Abteilung A1", parent=a, kind=UnitKind.ABTEILUNG)
    b = OrgUnitFactory(code="B", name="Amt B", parent=d)
    b1 = OrgUnitFactory(code="B1", name="Abteilung B1", parent=b, kind=UnitKind.ABTEILUNG)
    for unit in (d, a, a1, b, b1):
        unit.refresh_from_db()
    return {"D": d, "A": a, "A1": a1, "B": b, "B1": b1}


def _person(username, unit, *, head_of=None, role=None, **fields):
    user = UserFactory(username=username, first_name=username.capitalize(), last_name="Test")
    employee = EmployeeFactory(unit=unit, user=user, last_name=f"{username.capitalize()}", **fields)
    if head_of is not None:
        head_of.head = employee
        head_of.save(update_fields=["head"])
    if role is not None:
        RoleAssignment.objects.create(user=user, role=role)
    return user


@pytest.fixture
def employee(org):
    return _person("employee", org["A1"])


@pytest.fixture
def colleague(org):
    return _person("colleague", org["A1"])


@pytest.fixture
def supervisor(org):
    return _person("supervisor", org["A1"], head_of=org["A1"])


@pytest.fixture
def amt_head(org):
    return _person("amthead", org["A"], head_of=org["A"])


@pytest.fixture
def outsider(org):
    """A supervisor of another unit: must never see A1's people."""
    return _person("outsider", org["B1"], head_of=org["B1"])


@pytest.fixture
def stranger(org):
    return _person("stranger", org["B1"])


@pytest.fixture
def hr(org):
    return _person("hr", org["A"], role=Role.HR)


@pytest.fixture
def it(org):
    return _person("it", org["B"], role=Role.IT)


@pytest.fixture
def staff_council(org):
    return _person("council", org["B"], role=Role.STAFF_COUNCIL)


@pytest.fixture
def dpo(org):
    return _person("dpo", org["D"], role=Role.DPO)


@pytest.fixture
def leadership(org):
    return _person("mayor", org["D"], role=Role.LEADERSHIP)


@pytest.fixture
def listen():
    """Connect a recorder to a hook (core/hooks.py) for one test; returns its calls, each
    the argument (or the tuple of arguments) it was called with."""
    connected = []

    def do_listen(hook):
        calls = []

        def receiver(*args):
            calls.append(args[0] if len(args) == 1 else args)

        hook.connect(receiver)
        connected.append((hook, receiver))
        return calls

    yield do_listen
    for hook, receiver in connected:
        hook.disconnect(receiver)


# --------------------------------------------------------------------------- browser


def pytest_collection_modifyitems(config, items):
    """Browser tests run after all others. Playwright's sync API keeps an event loop
    running in the main thread from its first use to the end of the session, and under a
    running loop Django cannot call an async view from the test client (the health check,
    core/health.py, is one): a test of it would fail or pass by the order of the files.
    A test that uses Playwright's fixtures is a browser test, marked or not: the OIDC
    login test once ran in the middle without the marker, and every health test after it
    failed."""
    for item in items:  # a test that starts Playwright is one, marked or not
        if "playwright" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("RM_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} fehlt (apt-get install chromium).")
        pytest.skip(f"{CHROMIUM} fehlt; als root installiert `make test` es selbst.")
    return {
        **browser_type_launch_args,
        "executable_path": shutil.which(CHROMIUM) or CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--disable-quic",
        ],
    }


def watch_for_csp_violations(page, refused: list[str] | None = None) -> list[str]:
    """Collect what the browser refused under the Content-Security-Policy (an inline
    script, an inline <style>, a file from another host): Chromium reports each on the
    console. The list (`refused`, or a new one) fills while the page is used."""
    refused = [] if refused is None else refused

    def note(message):
        if "Content Security Policy" in message.text:
            refused.append(f"{page.url}: {message.text}")

    page.on("console", note)
    return refused


@pytest.fixture
def page(page):
    """pytest-playwright's page, failing the test when the browser refused anything
    under our Content-Security-Policy (settings.CONTENT_SECURITY_POLICY)."""
    refused = watch_for_csp_violations(page)
    yield page
    assert not refused, "Content-Security-Policy verletzt:\n" + "\n".join(refused)


def _log_in(page, base_url, user, password):
    page.goto(f"{base_url}/login/")
    page.get_by_label("Benutzername").fill(user.username)
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{base_url}/")
    return page


@pytest.fixture
def login(live_server, page):
    """Log in through the real login form; returns the page."""

    def do_login(user, password="pw"):
        return _log_in(page, live_server.url, user, password)

    return do_login


@pytest.fixture
def sign_in(browser, live_server):
    """Sign a user in through the login form in a fresh browser context (so several users
    can act in one test); returns their page. Keyword arguments go to the context
    (`viewport={"width": 390, "height": 844}`, `accept_downloads=True`)."""

    refused: list[str] = []

    def do_sign_in(user, password="pw", **context):
        page = browser.new_context(locale="de-DE", **context).new_page()
        watch_for_csp_violations(page, refused)
        return _log_in(page, live_server.url, user, password)

    yield do_sign_in
    assert not refused, "Content-Security-Policy verletzt:\n" + "\n".join(refused)


@pytest.fixture
def axe_check():
    """Run axe-core (WCAG 2.1 A/AA) on the page; fail on serious or critical findings."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page):
        results = axe.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
            },
        )
        serious = [
            v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
        ]
        assert not serious, "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:5]}"
            for v in serious
        )
        return results

    return check
