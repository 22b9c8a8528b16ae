"""Pages that update in parts: the one place that decides between a whole page and
one of its fragments.

A page template holds its htmx targets as named partials (django-template-partials).
For an htmx request that is not a boosted navigation the view answers the partial
alone; for everything else, the whole page. Every interaction therefore also works
as a plain link or form without JavaScript.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def is_fragment(request: HttpRequest) -> bool:
    """Does the request want a fragment of the page rather than the whole page?"""
    htmx = getattr(request, "htmx", None)
    return bool(htmx and not htmx.boosted)


def render_page(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render `template`, or only its `partial` when the request wants a fragment."""
    if partial and "#" not in template and is_fragment(request):
        template = f"{template}#{partial}"
    return render(request, template, context, status=status)


def query_without(request: HttpRequest, *names: str) -> str:
    """The request's query string without the given parameters (for page links)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()
