"""create_api_token USERNAME [--renew]: the user's API token and until when it works.

The key alone goes to stdout (`TOKEN=$(python manage.py create_api_token hr)`), the expiry
date to stderr. A token that has expired (API_TOKEN_MAX_AGE_DAYS, core/api_auth.py) is
renewed; `--renew` renews a token that still works (the old key stops working at once).
"""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from rathausmobil.core.api_auth import token_expires


class Command(BaseCommand):
    help = "Gibt das API-Token eines Benutzers aus (legt es an oder erneuert es, falls nötig)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--renew", action="store_true", help="neues Token; das alte wird sofort ungültig"
        )

    def handle(self, *args, username, renew, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            self.stderr.write(f"Benutzer „{username}“ gibt es nicht.")
            sys.exit(1)
        if not user.is_active:
            self.stderr.write(f"Benutzer „{username}“ ist deaktiviert.")
            sys.exit(1)
        with transaction.atomic():
            token = Token.objects.select_for_update().filter(user=user).first()
            expired = token is not None and token_expires(token) <= timezone.now()
            if token is not None and (renew or expired):
                token.delete()
                token = None
            created = token is None
            if created:
                token = Token.objects.create(user=user)
        self.stdout.write(token.key)
        expires = timezone.localtime(token_expires(token))
        what = "Neues Token" if created else "Token"
        self.stderr.write(f"{what} gültig bis {expires:%d.%m.%Y %H:%M} Uhr.")
