"""What the weekly presence plan starts from: places (sites, buildings, rooms and the
rooms a unit's people may use), coverage rules and opening hours per unit,
qualifications, each person's presence profile (working, fixed office and field
days, cohort, team), absences and wishes.

Records change only through services.py (pages, imports and the API call them), so
that each change has its audit entry. `records.week_instance` turns them into one
week's planning problem in the exchange format (`rathausmobil-presence/1`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The exchange format's day keys, Monday = 0 as in Python's weekday().
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKING_WEEK = [0, 1, 2, 3, 4]


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Montag")
    TUESDAY = 1, _("Dienstag")
    WEDNESDAY = 2, _("Mittwoch")
    THURSDAY = 3, _("Donnerstag")
    FRIDAY = 4, _("Freitag")
    SATURDAY = 5, _("Samstag")
    SUNDAY = 6, _("Sonntag")


WEEKDAY_VALIDATORS = [MinValueValidator(0), MaxValueValidator(6)]


# --------------------------------------------------------------------------- places


class Site(models.Model):
    """A location of the administration (e.g. "Innenstadt"), holding buildings."""

    code = models.CharField(_("Kennung"), max_length=32, unique=True)
    name = models.CharField(_("Bezeichnung"), max_length=200)

    class Meta:
        verbose_name = _("Standort")
        verbose_name_plural = _("Standorte")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("Standort")
    )
    code = models.CharField(_("Kennung"), max_length=32, unique=True)
    name = models.CharField(_("Bezeichnung"), max_length=200)
    address = models.CharField(_("Anschrift"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("Gebäude")
        verbose_name_plural = _("Gebäude")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    """A room with desks. `code` is the room's id in plans ("RH-104"). `units` are the
    org units whose people may sit here (through UnitRoom)."""

    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("Gebäude")
    )
    code = models.CharField(_("Raum"), max_length=32, unique=True)
    name = models.CharField(_("Bezeichnung"), max_length=200, blank=True)
    desks = models.PositiveSmallIntegerField(_("Arbeitsplätze"))
    area_m2 = models.DecimalField(
        _("Fläche (m²)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    pandemic_desks_override = models.PositiveSmallIntegerField(
        _("Pandemiegrenze (fest)"),
        null=True,
        blank=True,
        help_text=_(
            "Leer lassen: dann aus der Fläche berechnet (eine Person je 10 m², einstellbar), "
            "höchstens die Arbeitsplätze."
        ),
    )
    is_active = models.BooleanField(_("in Nutzung"), default=True)
    units = models.ManyToManyField(
        "organisation.OrgUnit",
        through="UnitRoom",
        related_name="presence_rooms",
        blank=True,
        verbose_name=_("Einheiten"),
    )

    class Meta:
        verbose_name = _("Raum")
        verbose_name_plural = _("Räume")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pandemic_desks_override__isnull=True)
                | Q(pandemic_desks_override__lte=F("desks")),
                name="room_pandemic_limit_within_desks",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()

    @property
    def pandemic_desks(self) -> int:
        """How many may sit here in pandemic mode: the fixed limit if set, else one person
        per PRESENCE_M2_PER_PERSON square metres of floor area; never more than the desks."""
        if self.pandemic_desks_override is not None:
            return min(self.pandemic_desks_override, self.desks)
        if self.area_m2 is not None:
            per_person = Decimal(str(settings.PRESENCE_M2_PER_PERSON))
            if per_person > 0:
                return min(self.desks, int(Decimal(self.area_m2) // per_person))
        return self.desks


class UnitRoom(models.Model):
    """The people of `unit` may use `room`."""

    unit = models.ForeignKey(
        "organisation.OrgUnit",
        on_delete=models.CASCADE,
        related_name="unit_rooms",
        verbose_name=_("Organisationseinheit"),
    )
    room = models.ForeignKey(
        Room, on_delete=models.CASCADE, related_name="unit_rooms", verbose_name=_("Raum")
    )

    class Meta:
        verbose_name = _("Raum einer Einheit")
        verbose_name_plural = _("Räume der Einheiten")
        constraints = [models.UniqueConstraint(fields=["unit", "room"], name="unique_unit_room")]

    def __str__(self) -> str:
        return f"{self.unit_id} – {self.room_id}"


# --------------------------------------------------------------------------- rules


class Qualification(models.Model):
    """A label the coverage rules may ask for, e.g. `ausweis` (may hand out ID cards)."""

    code = models.SlugField(_("Kennung"), max_length=32, unique=True)
    name = models.CharField(_("Bezeichnung"), max_length=200)

    class Meta:
        verbose_name = _("Qualifikation")
        verbose_name_plural = _("Qualifikationen")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class EmployeeQualification(models.Model):
    employee = models.ForeignKey(
        "organisation.Employee",
        on_delete=models.CASCADE,
        related_name="presence_qualifications",
        verbose_name=_("Beschäftigte/r"),
    )
    qualification = models.ForeignKey(
        Qualification,
        on_delete=models.PROTECT,
        related_name="holders",
        verbose_name=_("Qualifikation"),
    )
    granted_at = models.DateTimeField(_("erteilt am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Qualifikation einer Person")
        verbose_name_plural = _("Qualifikationen der Beschäftigten")
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "qualification"], name="unique_employee_qualification"
            )
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} – {self.qualification_id}"


class CoverageRule(models.Model):
    """At least `min_people` of the unit's people on site on `weekday`; with a
    qualification, at least that many of those holding it."""

    unit = models.ForeignKey(
        "organisation.OrgUnit",
        on_delete=models.CASCADE,
        related_name="coverage_rules",
        verbose_name=_("Organisationseinheit"),
    )
    weekday = models.PositiveSmallIntegerField(
        _("Wochentag"), choices=Weekday.choices, validators=WEEKDAY_VALIDATORS
    )
    min_people = models.PositiveSmallIntegerField(
        _("mindestens vor Ort"), validators=[MinValueValidator(1)]
    )
    qualification = models.ForeignKey(
        Qualification,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coverage_rules",
        verbose_name=_("davon mit Qualifikation"),
    )

    class Meta:
        verbose_name = _("Besetzungsregel")
        verbose_name_plural = _("Besetzungsregeln")
        ordering = ["unit", "weekday", "qualification"]
        constraints = [
            # One rule per unit, day and qualification; NULL is not equal to NULL in a
            # unique index, so the rule without qualification gets its own constraint.
            models.UniqueConstraint(
                fields=["unit", "weekday", "qualification"],
                condition=Q(qualification__isnull=False),
                name="unique_coverage_rule_qualified",
            ),
            models.UniqueConstraint(
                fields=["unit", "weekday"],
                condition=Q(qualification__isnull=True),
                name="unique_coverage_rule_plain",
            ),
            models.CheckConstraint(condition=Q(min_people__gte=1), name="coverage_min_one"),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="coverage_weekday_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.get_weekday_display()}: {self.min_people}"


class OpeningHours(models.Model):
    """When the unit is open to the public on a weekday (several intervals a day are
    fine: 8–12 and 14–18). Shown beside the coverage rules."""

    unit = models.ForeignKey(
        "organisation.OrgUnit",
        on_delete=models.CASCADE,
        related_name="opening_hours",
        verbose_name=_("Organisationseinheit"),
    )
    weekday = models.PositiveSmallIntegerField(
        _("Wochentag"), choices=Weekday.choices, validators=WEEKDAY_VALIDATORS
    )
    opens = models.TimeField(_("von"))
    closes = models.TimeField(_("bis"))

    class Meta:
        verbose_name = _("Öffnungszeit")
        verbose_name_plural = _("Öffnungszeiten")
        ordering = ["unit", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="opening_hours_order"),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="opening_hours_weekday_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class UnitPresenceSettings(models.Model):
    """A unit's own presence settings; a unit without a row has the defaults
    (`settings_for`)."""

    unit = models.OneToOneField(
        "organisation.OrgUnit",
        on_delete=models.CASCADE,
        related_name="presence_settings",
        verbose_name=_("Organisationseinheit"),
    )
    wish_deadline_days_before = models.PositiveSmallIntegerField(
        _("Wünsche bis (Tage vor dem Montag, 12 Uhr)"),
        default=5,
        validators=[MaxValueValidator(60)],
        help_text=_(
            "Wünsche für eine Woche sind bis 12 Uhr so viele Tage vor ihrem Montag möglich."
        ),
    )
    plan_time_limit_seconds = models.PositiveSmallIntegerField(
        _("Rechenzeit für einen Plan (Sekunden)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3600)],
    )

    class Meta:
        verbose_name = _("Anwesenheitseinstellungen einer Einheit")
        verbose_name_plural = _("Anwesenheitseinstellungen der Einheiten")

    def __str__(self) -> str:
        return f"{self.unit_id}"

    def wish_deadline(self, week_start: dt.date) -> dt.datetime:
        """The moment wishes for the week starting on `week_start` close (aware)."""
        try:
            day = week_start - dt.timedelta(days=self.wish_deadline_days_before)
        except OverflowError:  # a week at the calendar's first day (year 1): long closed
            day = dt.date.min
        return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


def settings_for(unit) -> UnitPresenceSettings:
    """The unit's saved settings, or the defaults (an unsaved instance)."""
    unit_id = getattr(unit, "pk", unit)
    saved = UnitPresenceSettings.objects.filter(unit_id=unit_id).first()
    return saved or UnitPresenceSettings(unit_id=unit_id)


# --------------------------------------------------------------------------- people


class Team(models.Model):
    """A team within a unit that likes to meet in the office on its team days."""

    unit = models.ForeignKey(
        "organisation.OrgUnit",
        on_delete=models.CASCADE,
        related_name="presence_teams",
        verbose_name=_("Organisationseinheit"),
    )
    code = models.CharField(_("Kennung"), max_length=32)
    name = models.CharField(_("Bezeichnung"), max_length=200)

    class Meta:
        verbose_name = _("Team")
        verbose_name_plural = _("Teams")
        ordering = ["unit", "code"]
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="unique_team_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TeamDay(models.Model):
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="days", verbose_name=_("Team")
    )
    weekday = models.PositiveSmallIntegerField(
        _("Wochentag"), choices=Weekday.choices, validators=WEEKDAY_VALIDATORS
    )

    class Meta:
        verbose_name = _("Teamtag")
        verbose_name_plural = _("Teamtage")
        ordering = ["team", "weekday"]
        constraints = [models.UniqueConstraint(fields=["team", "weekday"], name="unique_team_day")]

    def __str__(self) -> str:
        return f"{self.team_id} {self.get_weekday_display()}"


class Cohort(models.TextChoices):
    NONE = "", _("keine")
    A = "A", _("Gruppe A")
    B = "B", _("Gruppe B")


def default_working_days() -> list[int]:
    return list(WORKING_WEEK)


class PresenceProfile(models.Model):
    """How a person's week is shaped: the weekdays they work (part-time), fixed
    presence days, field days (Außendienst), their cohort in a pandemic and their team.
    A person without a row has the defaults (`profile_for`)."""

    employee = models.OneToOneField(
        "organisation.Employee",
        on_delete=models.CASCADE,
        related_name="presence_profile",
        verbose_name=_("Beschäftigte/r"),
    )
    working_days = models.JSONField(
        _("Arbeitstage"), default=default_working_days, help_text=_("0 = Montag … 6 = Sonntag")
    )
    office_days = models.JSONField(_("feste Präsenztage"), default=list, blank=True)
    field_days = models.JSONField(_("Außendiensttage"), default=list, blank=True)
    cohort = models.CharField(
        _("Kohorte"), max_length=1, choices=Cohort.choices, default="", blank=True
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("Team"),
    )
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        verbose_name = _("Anwesenheitsprofil")
        verbose_name_plural = _("Anwesenheitsprofile")

    def __str__(self) -> str:
        return f"{self.employee_id}"


def profile_for(employee) -> PresenceProfile:
    """The person's saved profile, or the defaults (an unsaved instance)."""
    employee_id = getattr(employee, "pk", employee)
    saved = PresenceProfile.objects.filter(employee_id=employee_id).first()
    return saved or PresenceProfile(employee_id=employee_id)


class AbsenceSource(models.TextChoices):
    SELF = "self", _("selbst eingetragen")
    HEAD = "head", _("von der Leitung eingetragen")
    HR = "hr", _("vom Personalamt eingetragen")
    IMPORT = "import", _("aus der Zeiterfassung importiert")


class Absence(models.Model):
    """That a person is away from `start` to `end` (both included), and nothing else.

    There is deliberately no reason field: whether someone is ill, on leave or at a
    training is nobody's business here, and illness is health data (Art. 9 GDPR).
    The plan only needs to know that the person is not there.
    """

    employee = models.ForeignKey(
        "organisation.Employee",
        on_delete=models.CASCADE,
        related_name="absences",
        verbose_name=_("Beschäftigte/r"),
    )
    start = models.DateField(_("von"))
    end = models.DateField(_("bis"))
    source = models.CharField(
        _("eingetragen"), max_length=8, choices=AbsenceSource.choices, default=AbsenceSource.SELF
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("eingetragen von"),
    )
    created_at = models.DateTimeField(_("eingetragen am"), auto_now_add=True)

    class Meta:
        verbose_name = _("Abwesenheit")
        verbose_name_plural = _("Abwesenheiten")
        ordering = ["start", "employee"]
        indexes = [models.Index(fields=["employee", "start"], name="absence_employee_start_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="absence_end_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.employee_id}: {self.start:%d.%m.%Y}–{self.end:%d.%m.%Y}"


class WishKind(models.TextChoices):
    HOME = "home", _("zu Hause")
    OFFICE = "office", _("im Büro")


class Wish(models.Model):
    """A person's own wish for one day: at home or in the office."""

    employee = models.ForeignKey(
        "organisation.Employee",
        on_delete=models.CASCADE,
        related_name="presence_wishes",
        verbose_name=_("Beschäftigte/r"),
    )
    date = models.DateField(_("Tag"))
    kind = models.CharField(_("Wunsch"), max_length=8, choices=WishKind.choices)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        verbose_name = _("Wunsch")
        verbose_name_plural = _("Wünsche")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "date"], name="unique_wish_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.date:%d.%m.%Y}: {self.kind}"


# -- the plan ------------------------------------------------------------------------------


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    PUBLISHED = "published", _("veröffentlicht")


class WeekPlan(models.Model):
    """One unit's week: a draft the head plans and changes, then publishes.

    The cells hold the current plan; `PlanCell.published_*` hold what the people were
    last told, so publishing again notifies exactly those whose days changed. The last
    answer of the planner (status, gap, shortfalls with reasons, figures) is kept here;
    an infeasible answer or a failed run leaves the cells as they were.
    """

    unit = models.ForeignKey(
        "organisation.OrgUnit",
        on_delete=models.PROTECT,
        related_name="week_plans",
        verbose_name=_("Einheit"),
    )
    week_start = models.DateField(_("Woche ab"))
    status = models.CharField(
        _("Status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    solver_status = models.CharField(_("Ergebnis der Planung"), max_length=16, blank=True)
    gap = models.FloatField(_("Abstand zum Optimum"), null=True, blank=True)
    solve_seconds = models.FloatField(_("Rechenzeit (s)"), null=True, blank=True)
    shortfalls = models.JSONField(_("Unterbesetzungen"), default=list, blank=True)
    stats = models.JSONField(_("Kennzahlen"), default=dict, blank=True)
    planned_at = models.DateTimeField(_("geplant am"), null=True, blank=True)
    published_at = models.DateTimeField(_("veröffentlicht am"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = GenericRelation("core.StatusChange")

    class Meta:
        verbose_name = _("Wochenplan")
        verbose_name_plural = _("Wochenpläne")
        ordering = ["-week_start", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "week_start"], name="unique_week_plan")
        ]

    def __str__(self) -> str:
        iso = self.week_start.isocalendar()
        return f"{self.unit} – KW {iso.week}/{iso.year}"

    @property
    def days(self) -> list[dt.date]:
        return [self.week_start + dt.timedelta(days=i) for i in range(5)]


class RunState(models.TextChoices):
    QUEUED = "queued", _("wartet")
    RUNNING = "running", _("läuft")
    DONE = "done", _("fertig")
    FAILED = "failed", _("fehlgeschlagen")


class PlanningRun(models.Model):
    """One press of "Plan berechnen": the background task and how it ended."""

    plan = models.ForeignKey(WeekPlan, on_delete=models.CASCADE, related_name="runs")
    state = models.CharField(max_length=16, choices=RunState.choices, default=RunState.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)
    message = models.TextField(_("Meldung"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Planungslauf")
        verbose_name_plural = _("Planungsläufe")
        ordering = ["-requested_at"]
        constraints = [
            # One run at a time per plan: a double click finds the first one.
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(state__in=["queued", "running"]),
                name="one_open_planning_run",
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} ({self.get_state_display()})"


class CellKind(models.TextChoices):
    OFFICE = "office", _("Büro")
    HOME = "home", _("zu Hause")
    FIELD = "field", _("Außendienst")
    ABSENT = "absent", _("abwesend")


class PlanCell(models.Model):
    """One person's day in a week plan. A locked cell was set by hand and is a rule for
    the next planning."""

    plan = models.ForeignKey(WeekPlan, on_delete=models.CASCADE, related_name="cells")
    employee = models.ForeignKey(
        "organisation.Employee", on_delete=models.CASCADE, related_name="plan_cells"
    )
    date = models.DateField(_("Tag"))
    kind = models.CharField(_("Ort"), max_length=8, choices=CellKind.choices)
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    locked = models.BooleanField(_("von Hand festgelegt"), default=False)
    published_kind = models.CharField(max_length=8, choices=CellKind.choices, blank=True)
    published_room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Plantag")
        verbose_name_plural = _("Plantage")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "employee", "date"], name="unique_plan_cell")
        ]
        indexes = [models.Index(fields=["employee", "date"]), models.Index(fields=["date", "room"])]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.date:%d.%m.%Y}: {self.kind}"

    @property
    def changed_since_publishing(self) -> bool:
        return (self.kind, self.room_id) != (self.published_kind, self.published_room_id)


class SwapStatus(models.TextChoices):
    REQUESTED = "requested", _("beantragt")
    ACCEPTED = "accepted", _("angenommen")
    REFUSED = "refused", _("abgelehnt")


class SwapRequest(models.Model):
    """After publishing, a person asks to have one day elsewhere; the head decides."""

    cell = models.ForeignKey(PlanCell, on_delete=models.CASCADE, related_name="swaps")
    wanted = models.CharField(
        _("gewünscht"),
        max_length=8,
        choices=[(CellKind.OFFICE, CellKind.OFFICE.label), (CellKind.HOME, CellKind.HOME.label)],
    )
    reason = models.TextField(_("Begründung"), blank=True)
    status = models.CharField(
        _("Status"), max_length=16, choices=SwapStatus.choices, default=SwapStatus.REQUESTED
    )
    decision_reason = models.TextField(_("Begründung der Entscheidung"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    history = GenericRelation("core.StatusChange")

    class Meta:
        verbose_name = _("Tauschwunsch")
        verbose_name_plural = _("Tauschwünsche")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.cell} → {self.wanted}"


class CalendarFeed(models.Model):
    """The secret link of a person's private iCal feed; renewing replaces the token, so
    the old link stops working at once."""

    employee = models.OneToOneField(
        "organisation.Employee", on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Kalender-Abo")
        verbose_name_plural = _("Kalender-Abos")

    def __str__(self) -> str:
        return str(self.employee_id)
