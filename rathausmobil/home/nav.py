"""The main menu: one declarative list of pages, grouped by task, filtered by role.

Each `Entry` names a page (its URL name), who may see it (a test on the scope, the same
test the page itself makes) and which other pages count as "here" for it (`owns`,
`fnmatch` patterns over `namespace:url_name`, e.g. a device's detail belongs to
*Geräte*). The builder marks exactly one entry as the current page: an exact name beats
a pattern, a longer pattern beats a shorter one, and only entries the user sees take
part, so a page never lights up two items. A group with one visible entry is shown as a
plain link to that page.

The context processor `main_nav` hands the template a lazy `Nav`: a fragment that never
renders the menu costs nothing. The scope is cached on the user, so building the menu
costs no query. The menu depends on nothing but the code, the scope's roles, the page and
the language, so each process builds and renders it once per such combination and
reuses it (`kept_nav`); every signed-in page drew it anew before (about 1.5 ms).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cached_property

from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from rathausmobil.core.todos import GROUP_ADMIN, GROUP_DEVICES, GROUP_REPORTS, GROUP_WORK
from rathausmobil.organisation.scoping import (
    Scope,
    aggregates,
    audit_reader,
    dpo,
    employee,
    everyone,
    head_only,
    hr,
    it_or_hr,
    it_work,
    occupancy,
    planner,
    presence_staff,
    register_reader,
    role_keeper,
    scope_for,
    staff_council,
    staff_list,
    supervisor,
    supervisor_or_hr,
)
from rathausmobil.reports.documents.registry import makes_any_report

GROUP_TASKS = _("Meine Aufgaben")

Shows = Callable[[Scope], bool]


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    shows: Shows
    owns: tuple[str, ...] = ()  # other pages of this entry: "ns:name" or "ns:pattern_*"
    personal: bool = False  # the person's own pages, listed after the work pages


@dataclass(frozen=True)
class Group:
    label: str
    entries: tuple[Entry, ...]


# Within a group: the daily work first (IT's hand-over, returns and access to grant lead
# their group), then the lists, then the person's own pages.
MENU: tuple[Group, ...] = (
    Group(GROUP_TASKS, (Entry(_("Meine Aufgaben"), "home:index", everyone, ("home:*",)),)),
    Group(
        GROUP_WORK,
        (
            Entry(
                _("Eingang"),
                "agreements:inbox",
                supervisor,
                ("agreements:request_detail", "agreements:request_action"),
            ),
            Entry(
                _("Übersicht"),
                "agreements:overview",
                supervisor_or_hr,
                (
                    "agreements:offer_new",
                    "agreements:offer_detail",
                    "agreements:offer_action",
                    "agreements:agreement_detail",
                    "agreements:agreement_action",
                ),
            ),
            Entry(_("Eignung"), "eligibility:overview", supervisor_or_hr, ("eligibility:*",)),
            Entry(
                _("Wochenplanung"),
                "presence:planning",
                planner,
                ("presence:unit_week*", "presence:cell_*", "presence:swap_decide"),
            ),
            Entry(_("Anwesenheit"), "presence:index", presence_staff, ("presence:*",)),
            Entry(
                _("Pandemiemodus"),
                "agreements:pandemic",
                supervisor_or_hr,
                ("agreements:pandemic_*",),
            ),
            Entry(
                _("Mein mobiles Arbeiten"),
                "agreements:mine",
                employee,
                ("agreements:request_*", "agreements:offer_*", "agreements:agreement_*"),
                personal=True,
            ),
            Entry(_("Meine Woche"), "presence:my_week", employee, ("presence:my_*",), True),
            Entry(_("Datenschutzerklärung"), "agreements:pledge", employee, (), True),
        ),
    ),
    Group(
        GROUP_DEVICES,
        (
            Entry(_("Geräteausgabe (Scanner)"), "equipment:handover", it_work),
            Entry(_("Rücknahmen"), "equipment:returns", it_work),
            Entry(_("Rückmeldungen zum Empfang"), "equipment:receipt_problems", it_work),
            Entry(_("Zugänge zu erteilen"), "access:queue", it_work),
            Entry(_("Geräte"), "equipment:device_list", it_or_hr, ("equipment:*",)),
            Entry(
                _("Geräte meiner Beschäftigten"),
                "equipment:device_list",
                head_only,
                ("equipment:*",),
            ),
            Entry(_("Bestellungen"), "equipment:order_list", it_work, ("equipment:order_*",)),
            Entry(_("Zugänge"), "access:overview", it_or_hr, ("access:*",)),
            Entry(_("Kapazität"), "access:capacity", it_work),
            Entry(_("VPN-Namen ohne Person"), "usage:unmapped", it_work),
            Entry(
                _("Meine Geräte"),
                "equipment:mine",
                employee,
                ("equipment:assignment_*",),
                personal=True,
            ),
            Entry(_("Mein Zugang"), "access:mine", employee, ("access:wireguard_config",), True),
            Entry(_("Meine VPN-Sitzungen"), "usage:mine", employee, (), True),
        ),
    ),
    Group(
        GROUP_REPORTS,
        (
            Entry(_("Kennzahlen"), "reports:dashboard", aggregates, ("reports:*",)),
            Entry(_("Berichte"), "reports:documents", makes_any_report, ("reports:document*",)),
            Entry(_("Ablehnungen"), "agreements:refusals", staff_council),
            Entry(_("Rollout mobiler Arbeitsplätze"), "equipment:rollout", aggregates),
            Entry(_("VPN-Nutzung"), "usage:overview", aggregates, ("usage:*",)),
            Entry(_("Belegung"), "presence:occupancy", occupancy),
        ),
    ),
    Group(
        GROUP_ADMIN,
        (
            Entry(
                _("Beschäftigte"),
                "organisation:employee_list",
                staff_list,
                ("organisation:employee_*",),
            ),
            Entry(
                _("Personaldaten importieren"),
                "organisation:import_upload",
                hr,
                ("organisation:import_*",),
            ),
            Entry(
                _("Rollen und Leitungen"),
                "organisation:role_list",
                role_keeper,
                ("organisation:role_*", "organisation:unit_head*"),
            ),
            Entry(_("Regeln"), "agreements:rules", hr),
            Entry(
                _("Checkliste Datenschutz"),
                "agreements:checklist_edit",
                dpo,
                ("agreements:checklist_*",),
            ),
            # Data protection (privacy): in this group, not one of its own, so that the
            # header of HR and the DPO keeps its groups in one row from 1200 px on.
            Entry(
                _("Protokoll der Änderungen"),
                "privacy:audit_log",
                audit_reader,
                ("privacy:audit_*",),
            ),
            Entry(_("Auskunft (Art. 15)"), "privacy:access_request", hr, ("privacy:access_*",)),
            Entry(
                _("Verarbeitungsverzeichnis"),
                "privacy:register",
                register_reader,
                ("privacy:register_*",),
            ),
            Entry(_("Anmeldesperren"), "organisation:login_locks", it_work),
            Entry(_("Organigramm"), "organisation:org_unit_list", everyone),
        ),
    ),
)


@dataclass
class NavLink:
    label: str
    url: str
    current: bool = False
    starts_personal: bool = False  # the first of the person's own pages after work pages


@dataclass
class NavGroup:
    label: str
    links: list[NavLink] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return any(link.current for link in self.links)

    @property
    def single(self) -> NavLink | None:
        """A group with one page is shown as a plain link to it."""
        return self.links[0] if len(self.links) == 1 else None


@dataclass
class Nav:
    tasks: NavLink | None  # Meine Aufgaben, shown beside the menu button on a phone
    groups: list[NavGroup]  # the other groups, each with at least one link

    @property
    def current(self) -> list[NavLink]:
        links = ([self.tasks] if self.tasks else []) + [
            link for group in self.groups for link in group.links
        ]
        return [link for link in links if link.current]

    @cached_property
    def tasks_html(self) -> str:
        """Meine Aufgaben beside the menu button, as base.html shows it."""
        return render_to_string("home/_menu.html#tasks", {"main_nav": self})

    @cached_property
    def groups_html(self) -> str:
        """The menu's groups, as base.html shows them."""
        return render_to_string("home/_menu.html#groups", {"main_nav": self})


def _score(entry: Entry, page: str) -> tuple[int, int] | None:
    """How well an entry claims a page: exact names first, then the longest pattern."""
    if page == entry.url_name or page in entry.owns:
        return (1, len(page))
    lengths = [len(pattern) for pattern in entry.owns if fnmatchcase(page, pattern)]
    return (0, max(lengths)) if lengths else None


def nav_for(scope: Scope, page: str | None) -> Nav:
    """The menu for this scope, with the entry owning `page` ("ns:name") marked current."""
    visible = [(group, [e for e in group.entries if e.shows(scope)]) for group in MENU]
    current: Entry | None = None
    if page:
        best = None
        for _group, entries in visible:
            for entry in entries:
                score = _score(entry, page)
                if score is not None and (best is None or score > best):
                    best, current = score, entry

    tasks: NavLink | None = None
    groups: list[NavGroup] = []
    for group, entries in visible:
        links = [
            NavLink(
                label=str(entry.label),
                url=reverse(entry.url_name),
                current=entry is current,
                starts_personal=entry.personal and index > 0 and not entries[index - 1].personal,
            )
            for index, entry in enumerate(entries)
        ]
        if group is MENU[0]:
            tasks = links[0] if links else None
        elif links:
            groups.append(NavGroup(label=str(group.label), links=links))
    return Nav(tasks=tasks, groups=groups)


_KEPT: dict[tuple, Nav] = {}
_KEPT_MAX = 5000  # role sets x pages x languages; a bound, should the combinations grow


def kept_nav(scope: Scope, page: str | None) -> Nav:
    """`nav_for`, built (and rendered) once per process for what the menu depends on."""
    key = (
        scope.roles,
        scope.is_superuser,
        scope.is_supervisor,
        bool(scope.employee_id),
        page,
        get_language(),
        get_script_prefix(),
    )
    nav = _KEPT.get(key)
    if nav is None:
        if len(_KEPT) >= _KEPT_MAX:
            _KEPT.clear()
        nav = _KEPT[key] = nav_for(scope, page)
    return nav


def page_name(request) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is None or not match.url_name:
        return None
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


def main_nav(request) -> dict:
    """Context processor: `main_nav` for base.html, built only when the page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"main_nav": None}
    return {"main_nav": SimpleLazyObject(lambda: kept_nav(scope_for(user), page_name(request)))}
