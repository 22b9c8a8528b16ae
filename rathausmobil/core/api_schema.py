"""How the OpenAPI schema (drf-spectacular) describes the project's own API. Imported in
`CoreConfig.ready()`, so the extensions are registered before any schema is made.

- The German-CSRF session sign-in is a session sign-in (cookie), like DRF's.
- ``document_common_errors`` (a postprocessing hook, settings.SPECTACULAR_SETTINGS): the
  answers every operation can give besides its own, so that a client generated from the
  schema knows them (found by the schemathesis run, core/tests/test_api_schemathesis.py).
- ``OneObjectSchema``: for a viewset's ``list`` that answers one object, not a list.
"""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.openapi import AutoSchema


class GermanCsrfSessionScheme(SessionScheme):
    target_class = "rathausmobil.core.api_auth.GermanCsrfSessionAuthentication"


class OneObjectSchema(AutoSchema):
    """A ``list`` action that answers one object (``/presence/my-week/``): drf-spectacular
    would describe its answer as an array."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


ERROR_COMPONENT = "ApiError"
ERROR_SCHEMA = {
    "type": "object",
    "description": "Eine Fehlermeldung auf Deutsch; `code` nennt die Art, wo es eine gibt.",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail"],
}
PAGING = {"limit", "offset"}


def _error(description: str) -> dict:
    ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def _common_errors(operation: dict) -> dict[str, dict]:
    params = operation.get("parameters", [])
    errors = {}
    if any(p["in"] == "query" and p["name"] not in PAGING for p in params):
        errors["400"] = {
            "description": "Ein Filter hat einen ungültigen Wert (deutsche Meldung je Filter)",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    if {} not in operation.get("security", []):  # {}: no sign-in needed
        errors["401"] = _error("Nicht angemeldet, Token ungültig oder abgelaufen")
    errors["403"] = _error("Dafür fehlt Ihnen die Berechtigung")
    if any(p["in"] == "path" for p in params):
        errors["404"] = _error("Nicht gefunden (oder nicht sichtbar)")
    errors["429"] = _error("Zu viele Anfragen in kurzer Zeit (wann erneut: `Retry-After`)")
    return errors


def document_common_errors(result, generator, request, public):
    """Add to every operation the error answers the API gives for any operation (sign-in,
    permission, a record not found or not visible, a filter value refused, the rate
    limit), where the operation does not describe them itself."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, response in _common_errors(operation).items():
                operation["responses"].setdefault(code, response)
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    return result
