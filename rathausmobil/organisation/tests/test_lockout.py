"""Lockout after repeated failed logins (organisation/lockout.py, django-axes): per
account and per address, in German, lifted by time or by IT, audited, and the address is
the client's behind a trusted proxy."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from rathausmobil.core.models import AuditEvent
from rathausmobil.organisation import lockout
from rathausmobil.organisation.tests.factories import UserFactory

PASSWORD = "Richtiges-Passwort-1"


@pytest.fixture
def person(db):
    return UserFactory(username="erika", password=PASSWORD)


def login(client, username, password, *, address="203.0.113.7", admin=False):
    url = "/admin/login/" if admin else reverse("login")
    return client.post(
        url,
        {"username": username, "password": password},
        HTTP_X_FORWARDED_FOR=address,  # the test client is 127.0.0.1, a trusted proxy
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_right_password_still_works_after_fewer_failures_than_the_limit(
    client, person, settings
):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert login(client, "erika", "falsch").status_code == 200
    # The failure that reaches the limit is answered with the lock (tested below).
    response = login(client, "erika", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)
    # A successful login clears the count.
    assert not AccessAttempt.objects.filter(username="erika").exists()


def test_the_account_is_locked_after_the_limit_even_for_the_right_password_and_another_address(
    client, person, settings
):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        login(client, "erika", "falsch")

    response = login(client, "erika", PASSWORD, address="198.51.100.20")

    assert response.status_code == 429
    page = response.content.decode()
    assert "Zu viele fehlgeschlagene Anmeldungen." in page
    assert f"für {settings.LOGIN_LOCKOUT_MINUTES} Minuten gesperrt" in page
    assert "die IT" in page
    assert not signed_in(client)


def test_the_message_is_the_same_for_an_account_that_does_not_exist(client, db, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        login(client, "niemand", "falsch")
    response = login(client, "niemand", "falsch")
    assert response.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldungen." in response.content.decode()


def test_the_admin_login_is_locked_as_well(client, person, settings):
    person.is_staff = person.is_superuser = True
    person.save()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        login(client, "erika", "falsch", admin=True)
    response = login(client, "erika", PASSWORD, admin=True)
    assert response.status_code == 429
    assert not signed_in(client)


def test_an_address_is_locked_after_its_own_higher_limit_on_many_accounts(client, db, settings):
    settings.LOGIN_FAILURE_LIMIT_ADDRESS = 12
    UserFactory(username="max", password=PASSWORD)
    # One password tried on many accounts, each below the account limit.
    for n in range(11):
        assert login(client, f"konto{n}", "Sommer2026").status_code == 200
    # The 12th failure reaches the limit and is answered with the lock at once.
    assert login(client, "konto11", "Sommer2026").status_code == 429
    response = login(client, "max", PASSWORD)
    assert response.status_code == 429, "the address is locked, whichever account it tries"
    # Another address is not affected.
    assert login(client, "max", PASSWORD, address="198.51.100.20").status_code == 302


def test_a_successful_login_from_the_same_address_keeps_another_accounts_lock(
    client, person, settings
):
    UserFactory(username="max", password=PASSWORD)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        login(client, "erika", "falsch")
    assert login(client, "max", PASSWORD).status_code == 302
    client.logout()
    assert login(client, "erika", PASSWORD).status_code == 429


def test_the_lock_ends_by_itself_after_the_configured_minutes(client, person, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        login(client, "erika", "falsch")
    assert login(client, "erika", PASSWORD).status_code == 429

    earlier = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES, seconds=1)
    AccessAttempt.objects.update(attempt_time=earlier)

    assert login(client, "erika", PASSWORD).status_code == 302
    assert signed_in(client)


def test_it_lifts_a_lock_on_the_page_and_the_dpo_reads_it_in_the_audit_log(
    client, person, it, settings
):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        login(client, "erika", "falsch")

    client.force_login(it)
    page = client.get(reverse("organisation:login_locks")).content.decode()
    assert "erika" in page and "Sperre für erika aufheben" in page
    assert "203.0.113.7" not in page, "one address below its limit is not locked"

    response = client.post(
        reverse("organisation:login_locks"), {"kind": "username", "value": "erika"}, follow=True
    )
    assert "Die Sperre für „erika“ ist aufgehoben." in response.content.decode()
    event = AuditEvent.objects.get(action="login_unlocked")
    assert event.actor == it and event.object_label == "erika"
    assert event.changes["art"] == "username"

    # A second click (or a stale page) changes nothing and says so.
    again = client.post(
        reverse("organisation:login_locks"), {"kind": "username", "value": "erika"}, follow=True
    )
    assert "Für „erika“ besteht keine Sperre mehr." in again.content.decode()
    assert AuditEvent.objects.filter(action="login_unlocked").count() == 1

    client.logout()
    assert login(client, "erika", PASSWORD).status_code == 302


def test_only_it_and_superusers_see_the_locks(client, hr, employee, db):
    for user in (hr, employee):
        client.force_login(user)
        assert client.get(reverse("organisation:login_locks")).status_code == 403
        assert (
            client.post(
                reverse("organisation:login_locks"), {"kind": "username", "value": "x"}
            ).status_code
            == 403
        )


def test_a_forged_form_lifts_nothing(client, it, person, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        login(client, "erika", "falsch")
    client.force_login(it)
    response = client.post(
        reverse("organisation:login_locks"), {"kind": "ip_address", "value": "erika"}, follow=True
    )
    assert "Bitte eine Sperre aus der Liste wählen." in response.content.decode()
    assert AccessAttempt.objects.filter(username="erika").exists()


def test_the_locks_page_costs_the_same_queries_for_many_locks(
    client, it, settings, django_assert_max_num_queries
):
    now = timezone.now()
    AccessAttempt.objects.bulk_create(
        AccessAttempt(
            username=f"konto{n}",
            ip_address=f"10.0.{n // 250}.{n % 250}",
            user_agent="x",
            failures_since_start=settings.LOGIN_FAILURE_LIMIT,
            attempt_time=now,
            get_data="",
            post_data="",
            http_accept="",
            path_info="/login/",
        )
        for n in range(300)
    )
    client.force_login(it)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("organisation:login_locks")).content.decode()
    assert page.count("aufheben</button>") == 300


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.9", "", "203.0.113.9"),
        # Not from our proxy: X-Forwarded-For is whatever the client wrote.
        ("203.0.113.9", "10.1.1.1", "203.0.113.9"),
        ("127.0.0.1", "10.1.1.1", "10.1.1.1"),
        # The client may prepend anything; the proxy appends the address it saw.
        ("127.0.0.1", "1.2.3.4, 10.1.1.1", "10.1.1.1"),
        ("127.0.0.1", "kaputt", "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
        # A network of proxies (containers behind the host's nginx).
        ("172.18.0.1", "10.1.1.1, 172.18.0.7", "10.1.1.1"),
        ("::1", "2001:db8::5", "2001:db8::5"),
    ],
)
def test_the_client_address_comes_from_a_trusted_proxy_only(remote, forwarded, expected, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1", "172.16.0.0/12"]
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert lockout.client_ip(request) == expected


def test_old_attempts_are_deleted_by_the_daily_job(db, settings):
    old = timezone.now() - timedelta(days=settings.LOGIN_ATTEMPTS_RETENTION_DAYS + 1)
    for name, when in (("alt", old), ("neu", timezone.now())):
        attempt = AccessAttempt.objects.create(
            username=name,
            ip_address="10.0.0.1",
            user_agent="x",
            failures_since_start=1,
            get_data="",
            post_data="",
            http_accept="",
            path_info="/login/",
        )
        # attempt_time is set on creation; move it as the days would.
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=when)
    assert lockout.remove_old_attempts(timezone.localdate()) == 1
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["neu"]
