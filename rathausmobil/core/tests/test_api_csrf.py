"""A signed-in browser session that posts to the API without its CSRF token is refused in
German, as every other API error is; a token sign-in needs no CSRF token."""

from django.test import Client
from rest_framework.authtoken.models import Token


def test_a_session_post_without_csrf_is_refused_in_german(employee):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee)
    response = client.post("/api/v1/requests/", {}, content_type="application/json")
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert detail.startswith("Die Anfrage wurde abgewiesen: Das Sicherheitsmerkmal (CSRF)")
    assert "CSRF Failed" not in detail


def test_a_token_needs_no_csrf(employee):
    token = Token.objects.create(user=employee)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/requests/",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code != 403  # judged on its content (400), not refused for CSRF
