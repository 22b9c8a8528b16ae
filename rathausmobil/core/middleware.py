"""Every page needs a login, except the login page itself, static files, the API
(which answers 401/403 in JSON through DRF) and views marked with Django's
`login_not_required` (a secret link such as a calendar feed, whose token is the key)."""

import time
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import Resolver404, resolve, reverse
from django_htmx.http import HttpResponseClientRedirect

OPEN_PREFIXES = ("/static/", "/api/", "/i18n/")
#: the API's documentation is a page for people: without a session it leads to the login
API_DOCS = "/api/docs/"


class LoginRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if (
            request.user.is_authenticated
            or (path.startswith(OPEN_PREFIXES) and not path.startswith(API_DOCS))
            or path in (reverse("login"), "/favicon.ico")
        ):
            return self.get_response(request)
        if path.startswith("/admin/") or (
            not path.startswith(API_DOCS) and _open_view(request.path_info)
        ):
            return self.get_response(request)
        htmx = getattr(request, "htmx", None)
        if htmx:
            # A fragment asked for after the session ran out: the whole window goes to the
            # login, which brings the person back to the page they were on.
            page = urlparse(htmx.current_url or "")
            back = (page.path or "/") + (f"?{page.query}" if page.query else "")
            return HttpResponseClientRedirect(redirect_to_login(back, settings.LOGIN_URL).url)
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)


def _open_view(path: str) -> bool:
    """Is the view at `path` marked `login_not_required`? (Asked only for anonymous
    requests.)"""
    try:
        view = resolve(path).func
    except Resolver404:
        return False
    return getattr(view, "login_required", True) is False


def note_login_time(sender, request, user, **kwargs):
    """The login itself counts as the first request (connected to `user_logged_in` in
    core/apps.py): the login saves the session anyway, and the page after it need not."""
    if getattr(request, "session", None) is not None:
        request.session[IdleTimeoutMiddleware.SEEN] = int(time.time())


class IdleTimeoutMiddleware:
    """A session ends SESSION_IDLE_MINUTES after its last request (SESSION_COOKIE_AGE),
    not after its first: each request renews it, but at most once a minute, so that a
    busy page does not write its session on every click."""

    RENEW_AFTER_SECONDS = 60
    SEEN = "_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            now = int(time.time())
            if now - session.get(self.SEEN, 0) >= self.RENEW_AFTER_SECONDS:
                session[self.SEEN] = now  # modified: saved with a new expiry
        return self.get_response(request)
