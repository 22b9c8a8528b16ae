"""Long lists page by seek (keyset), the one way; and the API's page size.

A page of a long list is "the `size` rows that follow the last row shown", not "rows
24,950 to 24,999": the database walks an index from that row on, so the 500th page costs
what the first costs (an OFFSET reads and throws away every row before it), and a row
inserted while someone pages neither repeats nor hides a row.

    page = request_page(request, filterset.qs, ordering=("last_name", "first_name"))

gives a `KeysetPage`: its rows, the cursors of the next and the previous page, where it
starts and how many rows the list has. The page links come from one include,
`templates/includes/pager.html` ("Erste Seite", "Zurück", "Weiter"; plain links that htmx
turns into `#results` fragments).

- **Ordering** is total: it ends at the first column that is unique on its own (the pk,
  or e.g. the inventory number), else `pk` is appended, so rows with equal names still
  come in one order. A nullable column sorts its NULLs last ascending and first
  descending on both engines (PostgreSQL's own rule, so its indexes serve).
- **Cursors** (`?nach=` the next page, `?vor=` the previous one) hold the boundary row's
  ordering values and its position, signed with the secret key and salted with the list's
  model and ordering. A cursor that was tampered with, belongs to another list or is
  garbage gives the first page, never an error. A cursor says where to continue, never
  what to show: the rows are always the viewer's own scoped and filtered list.
- **Counts** ("51–100 von 49.987") are exact without counting 50,000 rows per view: a
  first page that holds every row needs no count; a longer list's count is a kept figure
  (`core.figures.kept`, keyed by the list's SQL, so by scope and filter): counted once
  and read until the next write passes the audit trail, which renews every kept figure,
  or at most `FIGURES_MAX_AGE` seconds. So a person who acts (grants access, hands over a
  device) sees the count after their change; a count misses only writes that bypass the
  services, for at most a few minutes. (With the shared Redis cache of production a
  write renews the counts of every process; with the memory cache of the one-process
  demo, too.)

The JSON API keeps limit/offset paging (`ApiPagination`), capped at `MAX_API_LIMIT` rows
per request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, ValidationError
from django.db.models import F, Model, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from rest_framework.pagination import LimitOffsetPagination

from rathausmobil.core.figures import kept

#: the query parameters of the page links (German, as the pages' other parameters)
AFTER = "nach"
BEFORE = "vor"
#: what a page's own links leave out of the list's query (with the former `page`)
CURSOR_PARAMS = (AFTER, BEFORE, "page")

DEFAULT_SIZE = 50

MAX_API_LIMIT = 500


# --------------------------------------------------------------------------- the ordering


@dataclass(frozen=True)
class _Key:
    """One column of the ordering: its path, its direction and whether it may be NULL."""

    path: str
    descending: bool
    nullable: bool

    def reversed(self) -> _Key:
        return _Key(self.path, not self.descending, self.nullable)

    def order_by(self):
        expression = F(self.path)
        if self.descending:
            return expression.desc(nulls_first=True) if self.nullable else expression.desc()
        return expression.asc(nulls_last=True) if self.nullable else expression.asc()

    def equal(self, value) -> Q:
        return Q(**{f"{self.path}__isnull": True}) if value is None else Q(**{self.path: value})

    def beyond(self, value) -> Q:
        """Rows that come after `value` in this column's order (NULLs last ascending)."""
        nothing = Q(pk__in=[])
        if self.descending:
            if value is None:
                return Q(**{f"{self.path}__isnull": False})
            return Q(**{f"{self.path}__lt": value})
        if value is None:
            return nothing
        after = Q(**{f"{self.path}__gt": value})
        return after | Q(**{f"{self.path}__isnull": True}) if self.nullable else after

    def not_before(self, value) -> Q:
        """A redundant range on the first column that lets an index scan start at `value`."""
        if self.nullable or value is None:
            return Q()
        return Q(**{f"{self.path}__{'lte' if self.descending else 'gte'}": value})


def _keys(model: type[Model], ordering: Sequence[str]) -> tuple[_Key, ...]:
    """The ordering as keys, made total: it ends at the first column that is unique on
    its own (the pk, or a unique NOT NULL field of the model, e.g. an inventory number,
    whose index then serves alone), or else `pk` is appended."""
    keys = []
    for name in (name for name in ordering if name):
        path = name.lstrip("-")
        keys.append(_Key(path, name.startswith("-"), _nullable(model, path)))
        if _unique(model, path):
            return tuple(keys)
    return (*keys, _Key("pk", False, False))


def _unique(model: type[Model], path: str) -> bool:
    if path == "pk":
        return True
    try:
        field = model._meta.get_field(path)
    except FieldDoesNotExist:
        return False
    return bool(field.unique and not field.null and not field.is_relation)


def _nullable(model: type[Model], path: str) -> bool:
    """May the column at `path` be NULL (it or a relation on the way to it)?"""
    current = model
    for part in path.split("__"):
        if part == "pk":
            return False
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return True  # an annotation: assume the worst
        if field.null:
            return True
        if field.is_relation and field.related_model is not None:
            if not (field.many_to_one or field.one_to_one) or field.auto_created:
                return True  # a reverse relation may have no row
            current = field.related_model
    return False


def _seek(keys: Sequence[_Key], values: Sequence) -> Q:
    """Rows after the row with `values`, in the order of `keys`."""
    query = Q(pk__in=[])
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        query |= equal & key.beyond(value)
        equal &= key.equal(value)
    if len(keys) == 1:
        return query
    return keys[0].not_before(values[0]) & query


def _value_names(keys: Sequence[_Key]) -> list[str]:
    return [f"keyset_{i}" for i in range(len(keys))]


def _with_values(queryset: QuerySet, keys: Sequence[_Key]) -> QuerySet:
    """The rows with their ordering values as attributes `keyset_0`, `keyset_1`, ... (read
    in the same query, also through relations, for the cursors)."""
    return queryset.annotate(**{f"keyset_{i}": F(key.path) for i, key in enumerate(keys)})


# --------------------------------------------------------------------------- cursors


def _signer(model: type[Model], keys: Sequence[_Key]) -> signing.Signer:
    ordering = ",".join(("-" if k.descending else "") + k.path for k in keys)
    return signing.Signer(salt=f"rathausmobil.keyset:{model._meta.label}:{ordering}")


def _json_value(value):
    """A value JSON can carry; the filter turns it back (dates and decimals as text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _encode(signer, values: Sequence, position: int) -> str:
    return signer.sign_object({"k": [_json_value(v) for v in values], "i": position})


def _decode(signer, cursor: str | None, keys: Sequence[_Key]) -> tuple[list, int] | None:
    """(values, position) of a cursor, or None for a missing or invalid one."""
    if not cursor:
        return None
    try:
        data = signer.unsign_object(cursor)
        values, position = data["k"], int(data["i"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if not isinstance(values, list) or len(values) != len(keys) or position < 0:
        return None
    return values, position


# --------------------------------------------------------------------------- the page


@dataclass(frozen=True)
class KeysetPage:
    rows: list
    next: str | None  # the cursor of the next page (`?nach=`), None on the last page
    previous: str | None  # the cursor of the previous page (`?vor=`), None on the first
    start: int  # position of the first row (0-based; after inserts while paging, about)
    count: int  # rows in the list (see `count_rows`)

    def __iter__(self) -> Iterator:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def has_next(self) -> bool:
        return self.next is not None

    @property
    def has_previous(self) -> bool:
        return self.previous is not None

    @property
    def first_number(self) -> int:
        return self.start + 1 if self.rows else 0

    @property
    def last_number(self) -> int:
        return self.start + len(self.rows)


def keyset_page(
    queryset: QuerySet,
    ordering: Sequence[str],
    *,
    after: str | None = None,
    before: str | None = None,
    size: int = DEFAULT_SIZE,
) -> KeysetPage:
    """The page of `queryset` (sorted by `ordering`, pk appended) after the cursor `after`
    or before the cursor `before`; the first page without a (valid) cursor."""
    keys = _keys(queryset.model, ordering)
    signer = _signer(queryset.model, keys)
    names = _value_names(keys)
    rows_with_values = _with_values(queryset, keys)

    def fetch(direction: Sequence[_Key], values: Sequence | None) -> list:
        rows = rows_with_values
        if values is not None:
            rows = rows.filter(_seek(direction, values))
        return list(rows.order_by(*(k.order_by() for k in direction))[: size + 1])

    def values_of(row) -> list:
        return [getattr(row, n) for n in names]

    start = 0
    rows: list = []
    more_after = more_before = False
    decoded_before = _decode(signer, before, keys) if before else None
    decoded_after = _decode(signer, after, keys) if after and not decoded_before else None
    try:
        if decoded_before:
            values, position = decoded_before
            rows = fetch([k.reversed() for k in keys], values)
            more_before = len(rows) > size
            rows = rows[:size][::-1]
            more_after = True
            if not more_before:
                start = 0
                if len(rows) < size:  # the start of the list: show a whole first page
                    decoded_before = None
            else:
                start = max(position - len(rows), 1)
        elif decoded_after:
            values, position = decoded_after
            rows = fetch(keys, values)
            more_after = len(rows) > size
            rows = rows[:size]
            more_before, start = True, position
    except (ValidationError, ValueError, TypeError):  # a value that does not fit its column
        decoded_before = decoded_after = None
    if not rows:  # nothing there any more (the rows were deleted): the first page
        decoded_before = decoded_after = None
    if not (decoded_before or decoded_after):
        rows = fetch(keys, None)
        more_after = len(rows) > size
        rows = rows[:size]
        more_before, start = False, 0

    # the first page holds every row: no count needed
    count = len(rows) if not (more_before or more_after) else count_rows(queryset)
    return KeysetPage(
        rows=rows,
        next=_encode(signer, values_of(rows[-1]), start + len(rows)) if more_after else None,
        previous=_encode(signer, values_of(rows[0]), start) if more_before and rows else None,
        start=start,
        count=count,
    )


def request_page(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    ordering: Sequence[str],
    link: str | None = None,
    size: int = DEFAULT_SIZE,
) -> KeysetPage:
    """The page a list page's request asks for (`?nach=` / `?vor=`); with `link` (a view
    name), each row gets its detail address as `row.url` (`link_rows`)."""
    page = keyset_page(
        queryset,
        ordering,
        after=request.GET.get(AFTER),
        before=request.GET.get(BEFORE),
        size=size,
    )
    if link:
        link_rows(page.rows, link)
    return page


def link_rows(rows, viewname: str, *, attr: str = "url") -> None:
    """Give each row its detail address as `row.<attr>`, reversed once for the page: a
    `{% url %}` in the loop of a 50-row page cost about 5 ms of the page's time. For
    views whose only argument is the row's integer pk."""
    marker = 987654321
    head, _, tail = reverse(viewname, args=[marker]).partition(str(marker))
    for row in rows:
        setattr(row, attr, f"{head}{row.pk}{tail}")


def cursor_at(queryset: QuerySet, ordering: Sequence[str], position: int) -> str | None:
    """The `?nach=` cursor of the page that starts at row `position` (0-based), for
    benchmarks and tests; reads the row before it by OFFSET, once."""
    if position <= 0:
        return None
    keys = _keys(queryset.model, ordering)
    names = _value_names(keys)
    values = (
        _with_values(queryset, keys)
        .order_by(*(k.order_by() for k in keys))
        .values_list(*names)[position - 1 : position]
    )
    row = next(iter(values), None)
    return None if row is None else _encode(_signer(queryset.model, keys), row, position)


# --------------------------------------------------------------------------- counting


def list_key(queryset: QuerySet) -> str:
    """A list's key: a hash of its SQL, so of its scope and filter (a head's list and HR's
    never share one), for figures kept about the list (core.figures.kept)."""
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return "none"
    return hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()


def count_rows(queryset: QuerySet) -> int:
    """The rows of a list of more than one page: a kept figure (core.figures.kept), counted
    once and read until the next write passes the audit trail (at most FIGURES_MAX_AGE)."""
    queryset = queryset.order_by()
    if queryset.query.is_empty():
        return 0
    return kept("list-count", list_key(queryset), queryset.count).values


# --------------------------------------------------------------------------- the API


class ApiPagination(LimitOffsetPagination):
    """limit/offset as before, but never more than `MAX_API_LIMIT` rows per request
    (`?limit=1000000` gives 500; a limit that is no number gives the default)."""

    max_limit = MAX_API_LIMIT
