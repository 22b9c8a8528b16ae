"""The API answers what its schema says: every value that is null in an answer is marked
nullable in `/api/schema/`, so that a client generated from the schema does not break on
a request nobody has decided yet, a grant without a farm or the top unit without a parent.

The demo scenario `halver` gives records in every state; each demo login reads every list
of the API (and the first records' details) and every null is checked against the schema.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

DETAILS_PER_LIST = 5


@pytest.fixture
def halver(db):
    call_command("seed_demo", "--scenario", "halver", "--quiet")


class Schema:
    def __init__(self, document: dict):
        self.paths = document["paths"]
        self.components = document["components"]["schemas"]

    def resolve(self, node: dict) -> dict:
        while "$ref" in node:
            node = self.components[node["$ref"].rsplit("/", 1)[-1]]
        if len(node.get("allOf", ())) == 1:  # a nested serializer with nullable=True
            node = {
                **self.resolve(node["allOf"][0]),
                **{k: v for k, v in node.items() if k != "allOf"},
            }
        return node

    def nulls_not_allowed(self, value, node: dict, where: str) -> set[str]:
        node = self.resolve(node)
        if value is None:
            return set() if node.get("nullable") else {where}
        found: set[str] = set()
        if isinstance(value, dict):
            for key, item in value.items():
                if key in node.get("properties", {}):
                    found |= self.nulls_not_allowed(item, node["properties"][key], f"{where}.{key}")
        elif isinstance(value, list) and "items" in node:
            for item in value:
                found |= self.nulls_not_allowed(item, node["items"], f"{where}[]")
        return found

    def answer(self, path: str) -> dict:
        content = self.paths[path]["get"]["responses"]["200"]["content"]
        return content["application/json"]["schema"]


def test_every_null_in_an_answer_is_nullable_in_the_schema(halver):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.filter(is_superuser=True).first())
    schema = Schema(client.get("/api/schema/?format=json").json())
    lists = [p for p, ops in schema.paths.items() if "get" in ops and "{" not in p]
    details = {p.removesuffix("{id}/"): p for p in schema.paths if p.endswith("/{id}/")}
    found: set[str] = set()
    answered = 0
    for user in get_user_model().objects.filter(is_active=True):
        client.force_authenticate(user)
        for path in lists:
            response = client.get(path, {"limit": 500})
            assert response.status_code < 500, (path, user.username)
            if response.status_code != 200:
                continue
            answered += 1
            data = response.json()
            found |= schema.nulls_not_allowed(data, schema.answer(path), path)
            rows = data.get("results") if isinstance(data, dict) else data
            if path not in details or not isinstance(rows, list):
                continue
            for row in rows[:DETAILS_PER_LIST]:
                detail = client.get(details[path].replace("{id}", str(row["id"])))
                assert detail.status_code == 200, (details[path], row["id"], user.username)
                found |= schema.nulls_not_allowed(
                    detail.json(), schema.answer(details[path]), details[path]
                )
    assert answered > 20  # the demo logins did read the lists
    assert found == set()
