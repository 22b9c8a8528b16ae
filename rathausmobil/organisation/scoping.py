"""Who may see what: the one place that turns a user into a scope.

Every selector starts from `scope_for(user)`. The scope is computed once per
user object (one query) and cached on it, so a page pays for it once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q

from rathausmobil.organisation.models import (
    Employee,
    OrgUnit,
    Role,
    RoleAssignment,
    in_subtree,
)

_CACHE_ATTR = "_rathausmobil_scope"


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    is_superuser: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)
    employee_id: int | None = None
    supervised_paths: tuple[str, ...] = ()
    direct_unit_ids: frozenset[int] = frozenset()  # units headed or deputised, not those below

    def has(self, *roles: str) -> bool:
        return self.is_superuser or any(role in self.roles for role in roles)

    @property
    def is_supervisor(self) -> bool:
        return bool(self.supervised_paths)

    @property
    def sees_whole_administration(self) -> bool:
        """HR keeps the master data of everyone."""
        return self.has(Role.HR)

    @property
    def sees_aggregates(self) -> bool:
        return self.has(Role.HR, Role.LEADERSHIP, Role.STAFF_COUNCIL, Role.DPO, Role.IT)

    def covers(self, unit_path: str | None) -> bool:
        """Does the user supervise the unit with this path (directly or from above)?"""
        return bool(unit_path) and any(unit_path.startswith(p) for p in self.supervised_paths)

    def unit_filter(self, prefix: str = "unit__") -> Q:
        """Q for records whose unit lies in a supervised subtree (empty Q matches nothing)."""
        query = Q(pk__in=[])
        for path in self.supervised_paths:
            query |= in_subtree(path, prefix.removesuffix("__"))
        return query

    def role_labels(self) -> list[str]:
        labels = [str(label) for value, label in Role.choices if value in self.roles]
        if self.is_supervisor and str(Role.SUPERVISOR.label) not in labels:
            labels.insert(0, str(Role.SUPERVISOR.label))
        if self.employee_id:
            labels.insert(0, "Beschäftigte")
        return labels


ANONYMOUS = Scope(user_id=None)


def _minimal_paths(paths: set[str]) -> tuple[str, ...]:
    """Drop paths that lie below another path in the set."""
    result: list[str] = []
    for path in sorted(paths, key=len):
        if not any(path.startswith(kept) for kept in result):
            result.append(path)
    return tuple(sorted(result))


def scope_for(user) -> Scope:
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached

    roles: set[str] = set()
    paths: set[str] = set()
    direct: set[int] = set()
    employee_id = None
    for kind, role, unit_id, unit_path in _scope_rows(user.pk):
        if kind == "role":
            roles.add(role)
            if role == Role.SUPERVISOR and unit_path:
                paths.add(unit_path)
                direct.add(unit_id)
        elif kind == "person":
            employee_id = unit_id
        elif unit_id is not None:  # "heads": a unit the person heads
            paths.add(unit_path)
            direct.add(unit_id)
    if paths:
        roles.add(Role.SUPERVISOR)

    scope = Scope(
        user_id=user.pk,
        is_superuser=user.is_superuser,
        roles=frozenset(roles),
        employee_id=employee_id,
        supervised_paths=_minimal_paths(paths),
        direct_unit_ids=frozenset(direct),
    )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def _scope_rows(user_id: int) -> list[tuple]:
    """The user's roles, their active person and the units that person heads, in one
    round trip: every signed-in request asks this, and three ORM queries cost about a
    third of a small page (docs/performance.md). Rows are (kind, role, id, path); the
    person is the first active one in the employees' order, as `.first()` would pick."""
    role, unit, person = (
        RoleAssignment._meta.db_table,
        OrgUnit._meta.db_table,
        Employee._meta.db_table,
    )
    # Table names from the models' own metadata; the user id is a parameter.
    first_person = (
        f"SELECT p.id FROM {person} p WHERE p.user_id = %s AND p.is_active "  # noqa: S608
        "ORDER BY p.last_name, p.first_name, p.personnel_number LIMIT 1"
    )
    sql = (
        f"SELECT 'role', r.role, r.unit_id, u.path FROM {role} r "  # noqa: S608
        f"LEFT JOIN {unit} u ON u.id = r.unit_id WHERE r.user_id = %s "
        f"UNION ALL SELECT 'person', NULL, ({first_person}), NULL "
        f"UNION ALL SELECT 'heads', NULL, h.id, h.path FROM {unit} h "
        f"WHERE h.head_id = ({first_person})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, user_id, user_id])
        return cursor.fetchall()


def forget_scope(user) -> None:
    """Drop the cached scope (after role changes within one request or test)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def role_required(*roles: str):
    """A page one's role does not include answers 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not scope_for(request.user).has(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --------------------------------------------------------------------------- who opens which page
#
# Who may open which kind of page: the same conditions the pages check. The main menu
# (home/nav.py) shows an entry by them, and a page that links to another (the dashboard's
# figures to their lists) links only where the reader may follow.
def everyone(scope: Scope) -> bool:
    return True


def employee(scope: Scope) -> bool:
    return bool(scope.employee_id)


def supervisor(scope: Scope) -> bool:
    return scope.is_supervisor


def supervisor_or_hr(scope: Scope) -> bool:
    return scope.is_supervisor or scope.sees_whole_administration


def hr(scope: Scope) -> bool:
    return scope.sees_whole_administration


def it_work(scope: Scope) -> bool:
    return Role.IT in scope.roles or scope.is_superuser


def it_or_hr(scope: Scope) -> bool:
    return Role.IT in scope.roles or scope.sees_whole_administration


def head_only(scope: Scope) -> bool:
    """A head sees the devices of their people; IT and HR see every device."""
    return scope.is_supervisor and not it_or_hr(scope)


def planner(scope: Scope) -> bool:
    return scope.is_supervisor or Role.HR in scope.roles or scope.is_superuser


def presence_staff(scope: Scope) -> bool:
    return supervisor_or_hr(scope) or Role.IT in scope.roles or Role.LEADERSHIP in scope.roles


def staff_list(scope: Scope) -> bool:
    return supervisor_or_hr(scope) or it_work(scope)


def occupancy(scope: Scope) -> bool:
    return scope.is_superuser or bool({Role.HR, Role.IT, Role.LEADERSHIP} & scope.roles)


def aggregates(scope: Scope) -> bool:
    return scope.sees_aggregates


def staff_council(scope: Scope) -> bool:
    return Role.STAFF_COUNCIL in scope.roles


def dpo(scope: Scope) -> bool:
    return Role.DPO in scope.roles


def audit_reader(scope: Scope) -> bool:
    """The audit log: the data-protection officer (and a superuser)."""
    return scope.has(Role.DPO)


def register_reader(scope: Scope) -> bool:
    """The register of processing activities: DPO, HR and leadership."""
    return scope.has(Role.DPO, Role.HR, Role.LEADERSHIP)


def role_keeper(scope: Scope) -> bool:
    """The page of roles and heads of units: HR and the system administration (a
    superuser). Which roles each of them may give is `roles_grantable`."""
    return scope.has(Role.HR)


# --------------------------------------------------------------------------- who gives which role
#
# HR gives what follows from the organisation: heads of units, their deputies (a supervisor
# role for a unit) and the administration's leadership. Roles that reach everyone's data or
# watch over HR itself come only from the system administration (a superuser), on a written
# request: HR (everyone's personnel data: no HR member multiplies it), IT (devices and access
# for everyone: separation of duties), the staff council (elected, independent of the
# employer) and the data-protection officer (appointed by the head of the authority,
# Art. 37-38 DSGVO; watches HR). Nobody changes their own roles. docs/roles.md.
GIVEN_BY_HR = frozenset({Role.SUPERVISOR, Role.LEADERSHIP})


def roles_grantable(scope: Scope) -> list[Role]:
    """The roles this person may give and take, in the order of `Role`."""
    if scope.is_superuser:
        return list(Role)
    if Role.HR in scope.roles:
        return [role for role in Role if role in GIVEN_BY_HR]
    return []


def may_set_heads(scope: Scope) -> bool:
    """Heads of units are organisation master data: HR (and a superuser)."""
    return scope.has(Role.HR)
