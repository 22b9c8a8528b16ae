"""Lists filter one way: a FilterSet per list, shared by its page and its API.

Each app declares its list filters in its `filters.py` as subclasses of `ListFilter`
(django-filter) and applies them to the same scoped selector on the page and in the API:

- the API names the class as the viewset's `filterset_class`; DRF's filter backend builds
  it from the query string, answers 400 for a value a filter does not know, and
  drf-spectacular documents every filter under its name;
- the page builds it with `ListFilter.for_page(request, queryset)` and reads `.qs`; a value
  a filter does not know is left out (the form shows "alle"), as on any form.

Filter names are the API's (English). A page whose links and bookmarks carry German names
(`art`, `einheit`) lists them in `page_names`; `for_page` reads the filter under the
German name only, and the page's form renders the German name. So the API documents only
the English names and a page keeps its addresses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import django_filters
from django.db.models import Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _


class ListFilter(django_filters.FilterSet):
    #: {German name on the page: filter name}, for pages whose addresses predate the API.
    page_names: ClassVar[dict[str, str]] = {}

    @classmethod
    def for_page(cls, request: HttpRequest, queryset: QuerySet) -> ListFilter:
        """The filter set of a list page, from the page's query string."""
        return cls(cls.page_data(request.GET), queryset=queryset, request=request)

    @classmethod
    def page_data(cls, query: QueryDict) -> QueryDict | None:
        """The page's query under the filter names (None when the page has no query)."""
        if not query:
            return None
        data = query.copy()
        for page_name, name in cls.page_names.items():
            data.pop(name, None)  # on the page, the filter answers to its German name only
            values = data.pop(page_name, [])
            if values:
                data.setlist(name, values)
        return data

    def chosen(self, name: str):
        """The value filter `name` applies, "" for none: what the page's form shows as
        chosen (a value the filter does not know is not applied, so not shown either)."""
        if not self.is_bound:
            return ""
        self.errors  # noqa: B018 -- validates the form
        value = self.form.cleaned_data.get(name)
        return "" if value is None else value

    def qs_without(self, *names: str) -> QuerySet:
        """The list filtered by every filter except `names`: for counts per value of one
        filter under all the others (e.g. "how many per result in this unit")."""
        queryset = self.queryset.all()
        if not self.is_bound:
            return queryset
        self.errors  # noqa: B018 -- validates the form, as `qs` does
        for name, value in self.form.cleaned_data.items():
            if name not in names:
                queryset = self.filters[name].filter(queryset, value)
        return queryset


class SearchFilter(django_filters.CharFilter):
    """The free-text search of a list (`q`): every word typed must match one of `lookups`
    (e.g. `("last_name__icontains", "personnel_number__iexact")`), so "Müller 4711" finds
    the Müller with that personnel number."""

    def __init__(self, *, lookups: Sequence[str], **kwargs):
        kwargs.setdefault("label", _("Suche"))
        super().__init__(**kwargs)
        self.lookups = tuple(lookups)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        query = Q()
        for term in (value or "").split():
            any_field = Q()
            for lookup in self.lookups:
                any_field |= Q(**{lookup: term})
            query &= any_field
        return qs.filter(query) if query else qs
