import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Gibt das API-Token eines Benutzers aus (legt es an, falls nötig)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--renew", action="store_true", help="altes Token ungültig machen")

    def handle(self, *args, username, renew, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            self.stderr.write(f"Benutzer „{username}“ gibt es nicht.")
            sys.exit(1)
        if not user.is_active:
            self.stderr.write(f"Benutzer „{username}“ ist deaktiviert.")
            sys.exit(1)
        if renew:
            Token.objects.filter(user=user).delete()
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
