"""API tokens expire (issue 14's security review): a token stops working
API_TOKEN_MAX_AGE_DAYS after it was made, with a German 401 that says how to get a new
one, and `create_api_token` gives a new one with its expiry date."""

import datetime as dt
import re
from io import StringIO

from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token

ORG_UNITS = "/api/v1/org-units/"


def get(client, token, path=ORG_UNITS):
    return client.get(path, headers={"Authorization": f"Token {token.key}"})


def made_days_ago(token, days: float):
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - dt.timedelta(days=days))
    token.refresh_from_db()
    return token


def test_it_takes_a_token_until_it_is_api_token_max_age_days_old(client, hr, settings):
    settings.API_TOKEN_MAX_AGE_DAYS = 90
    token = made_days_ago(Token.objects.create(user=hr), 89.9)

    assert get(client, token).status_code == 200


def test_it_refuses_an_expired_token_in_german_and_says_how_to_get_a_new_one(client, hr, settings):
    settings.API_TOKEN_MAX_AGE_DAYS = 30
    token = made_days_ago(Token.objects.create(user=hr), 31)

    response = get(client, token)

    expired_on = timezone.localtime(token.created + dt.timedelta(days=30))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == (
        f"Das API-Token ist am {expired_on:%d.%m.%Y} abgelaufen (ein Token gilt 30 Tage). "
        "Ein neues Token erzeugt die IT mit „python manage.py create_api_token hr“."
    )


def create_api_token(*args):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def expiry_in(message: str) -> dt.date:
    day = re.search(r"gültig bis (\d\d\.\d\d\.\d{4}) \d\d:\d\d Uhr\.$", message).group(1)
    return dt.datetime.strptime(day, "%d.%m.%Y").date()


def test_the_command_prints_the_key_alone_and_its_expiry_date(client, hr, settings):
    settings.API_TOKEN_MAX_AGE_DAYS = 90

    key, said = create_api_token("hr")
    again, said_again = create_api_token("hr")

    assert re.fullmatch(r"[0-9a-f]{40}", key) and again == key
    assert said.startswith("Neues Token gültig bis ") and said_again.startswith("Token gültig")
    assert expiry_in(said) == timezone.localdate() + dt.timedelta(days=90)


def test_the_command_renews_an_expired_token(client, hr, settings):
    settings.API_TOKEN_MAX_AGE_DAYS = 90
    old = made_days_ago(Token.objects.create(user=hr), 100)

    key, said = create_api_token("hr")

    assert key != old.key and said.startswith("Neues Token gültig bis ")
    assert client.get(ORG_UNITS, headers={"Authorization": f"Token {key}"}).status_code == 200
    assert get(client, old).status_code == 401


def test_the_command_renews_a_working_token_on_request(client, hr):
    old = Token.objects.create(user=hr)

    key, said = create_api_token("hr", "--renew")

    assert key != old.key and said.startswith("Neues Token gültig bis ")
    assert get(client, old).json() == {"detail": "Ungültiges Token"}
    assert client.get(ORG_UNITS, headers={"Authorization": f"Token {key}"}).status_code == 200
