"""The API token command and the API schema: plumbing every app's API shares."""

from io import StringIO

import pytest
from django.core.management import call_command


def test_it_prints_an_api_token_that_works(client, hr):
    out = StringIO()
    call_command("create_api_token", "hr", stdout=out)
    token = out.getvalue().strip()
    response = client.get("/api/v1/org-units/", headers={"Authorization": f"Token {token}"})
    assert response.status_code == 200
    assert {row["code"] for row in response.json()["results"]} >= {"A", "A1", "B"}


def test_it_refuses_a_token_for_an_unknown_user(db):
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("create_api_token", "niemand", stderr=err)
    assert "gibt es nicht" in err.getvalue()


def test_it_documents_the_whole_api_without_schema_warnings(db, tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )
    schema = (tmp_path / "schema.yml").read_text()
    for path in (
        "/api/v1/requests/{id}/approve/",
        "/api/v1/agreements/{id}/return/",
        "/api/v1/access-grants/",
    ):
        assert path in schema
