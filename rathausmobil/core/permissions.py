"""Role checks for views: a page one's role does not include answers 403."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from rathausmobil.core.scoping import scope_for


def role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not scope_for(request.user).has(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
