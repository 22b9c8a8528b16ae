"""The API's rate limit (issue 14's security review): a user who sends too many requests
in a short time gets a German 429 saying when to try again (Retry-After kept), counted in
the shared cache; a normal client never meets it."""

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

ORG_UNITS = "/api/v1/org-units/"


def get(client, token, path=ORG_UNITS):
    return client.get(path, headers={"Authorization": f"Token {token.key}"})


@pytest.fixture
def three_a_minute(monkeypatch):
    # DRF's throttles read their rates once, at import: the rates as a client would
    # meet them if API_RATE_USER=3/min were set.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "3/min"})


def test_it_says_in_german_when_to_try_again_after_too_many_requests(
    client, hr, it, three_a_minute
):
    token = Token.objects.create(user=hr)

    answers = [get(client, token) for _ in range(4)]
    other = get(client, Token.objects.create(user=it))

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    seconds = int(refused["Retry-After"])
    assert 1 <= seconds <= 60
    assert refused.json() == {
        "detail": f"Zu viele Anfragen in kurzer Zeit. Bitte in {seconds} Sekunden erneut "
        "versuchen.",
        "code": "throttled",
    }
    assert other.status_code == 200  # counted per user


def test_it_counts_requests_in_the_shared_cache(client, hr, three_a_minute):
    """The default cache is Redis in production (CACHE_URL), so every app server counts
    the same requests; a throttle with its own memory would let each allow the rate."""
    token = Token.objects.create(user=hr)

    get(client, token)
    get(client, token)

    assert UserRateThrottle.cache is cache
    assert len(cache.get(f"throttle_user_{hr.pk}")) == 2


def test_it_lets_a_normal_client_work_within_the_default_rates(client, hr):
    token = Token.objects.create(user=hr)

    answers = {get(client, token).status_code for _ in range(30)}

    assert answers == {200}


def test_it_says_one_second_in_the_singular():
    from rathausmobil.core.api import throttled_message

    assert throttled_message(0.2) == (
        "Zu viele Anfragen in kurzer Zeit. Bitte in 1 Sekunde erneut versuchen."
    )
    assert throttled_message(None) == (
        "Zu viele Anfragen in kurzer Zeit. Bitte etwas später erneut versuchen."
    )
