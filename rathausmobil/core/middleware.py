"""Every page needs a login, except the login page itself, static files and the API
(which answers 401/403 in JSON through DRF)."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

OPEN_PREFIXES = ("/static/", "/api/", "/i18n/")


class LoginRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if (
            request.user.is_authenticated
            or path.startswith(OPEN_PREFIXES)
            or path in (reverse("login"), "/favicon.ico")
        ):
            return self.get_response(request)
        if path.startswith("/admin/"):
            return self.get_response(request)
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
