"""How the OpenAPI schema (drf-spectacular) describes the project's own API sign-in:
the German-CSRF session sign-in is a session sign-in (cookie), like DRF's. Imported in
`CoreConfig.ready()`, so the extension is registered before any schema is made."""

from drf_spectacular.authentication import SessionScheme


class GermanCsrfSessionScheme(SessionScheme):
    target_class = "rathausmobil.core.api_auth.GermanCsrfSessionAuthentication"
