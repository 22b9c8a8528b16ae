"""Connects access to the agreement workflow and the HR import (called from
AccessConfig.ready). Filled in by services.py; see docs/workflows/access.md."""


def connect() -> None:
    from rathausmobil.access import services

    services.connect_hooks()
