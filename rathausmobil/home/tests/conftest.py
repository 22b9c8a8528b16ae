"""The start page's tests build records through the apps' own fixtures and services."""

from rathausmobil.agreements.tests.conftest import (  # noqa: F401 (fixtures)
    TODAY,
    checklist,
    make_agreement,
    make_offer,
    make_person,
    make_request,
    sign,
)
