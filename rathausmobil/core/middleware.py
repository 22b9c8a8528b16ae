"""Every page needs a login, except the login page itself, static files, the API
(which answers 401/403 in JSON through DRF) and views marked with Django's
`login_not_required` (a secret link such as a calendar feed, whose token is the key)."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import Resolver404, resolve, reverse

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
        if path.startswith("/admin/") or _open_view(request.path_info):
            return self.get_response(request)
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)


def _open_view(path: str) -> bool:
    """Is the view at `path` marked `login_not_required`? (Asked only for anonymous
    requests.)"""
    try:
        view = resolve(path).func
    except Resolver404:
        return False
    return getattr(view, "login_required", True) is False
