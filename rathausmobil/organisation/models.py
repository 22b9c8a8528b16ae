"""The organisation as the HR system knows it: units, positions, employees; and the
roles people hold in the application (who may see what is decided in scoping.py)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    DEZERNAT = "dezernat", _("Dezernat")
    AMT = "amt", _("Amt")
    ABTEILUNG = "abteilung", _("Abteilung")
    SACHGEBIET = "sachgebiet", _("Sachgebiet")

    @classmethod
    def for_depth(cls, depth: int) -> "UnitKind":
        order = [cls.DEZERNAT, cls.AMT, cls.ABTEILUNG, cls.SACHGEBIET]
        return order[min(depth, len(order) - 1)]


class OrgUnit(models.Model):
    """A node of the org tree (Dezernat > Amt > Abteilung > Sachgebiet).

    `path` is a materialised path of ids (`/3/17/42/`) so that "this unit and all
    below" is one indexed prefix query. Services keep it up to date
    (`org_units_rebuild_paths`); nothing else writes it.
    """

    code = models.CharField(_("Kennung"), max_length=32, unique=True)
    name = models.CharField(_("Bezeichnung"), max_length=200)
    kind = models.CharField(_("Ebene"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("übergeordnete Einheit"),
    )
    head = models.ForeignKey(
        "Employee",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_units",
        verbose_name=_("Leitung"),
    )
    head_personnel_number = models.CharField(
        _("Personalnummer der Leitung laut Import"),
        max_length=32,
        blank=True,
        help_text=_(
            "Wie in der Importdatei angegeben. Ist die Person noch nicht importiert, "
            "wird die Leitung beim Import der Beschäftigten zugeordnet."
        ),
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="/")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("Organisationseinheit")
        verbose_name_plural = _("Organisationseinheiten")
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


def in_subtree(path: str, field: str = "unit") -> models.Q:
    """Q for rows whose org unit is the unit with materialised `path` or lies below it:
    one indexed prefix query. `field` leads from the queried model to its unit
    ("employee__unit"; "" when querying units themselves). Scopes and list filters
    ("mit allen darunter") both build on it."""
    lookup = f"{field}__path__startswith" if field else "path__startswith"
    return models.Q(**{lookup: path})


class Position(models.Model):
    """A position (Stelle). Two part-time employees may share one (job sharing)."""

    number = models.CharField(_("Stellennummer"), max_length=32, unique=True)
    title = models.CharField(_("Stellenbezeichnung"), max_length=200)
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="positions",
        verbose_name=_("Organisationseinheit"),
    )

    class Meta:
        verbose_name = _("Stelle")
        verbose_name_plural = _("Stellen")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class EmployeeQuerySet(models.QuerySet):
    def active(self) -> "EmployeeQuerySet":
        return self.filter(is_active=True)

    def employed_on(self, day) -> "EmployeeQuerySet":
        """Staff on `day` for the figures: today (and later) the active people; a past
        day, those who had entered by then and had not left before it (the HR import
        derives `is_active` from the same exit date)."""
        if day >= timezone.localdate():
            return self.filter(is_active=True)
        return self.filter(entry_date__lte=day).filter(
            models.Q(exit_date__isnull=True) | models.Q(exit_date__gte=day)
        )


class Employee(models.Model):
    """A member of staff, keyed by the personnel number of the HR system."""

    personnel_number = models.CharField(_("Personalnummer"), max_length=32, unique=True)
    last_name = models.CharField(_("Nachname"), max_length=100)
    first_name = models.CharField(_("Vorname"), max_length=100)
    email = models.EmailField(_("E-Mail"), blank=True)
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        related_name="employees",
        verbose_name=_("Organisationseinheit"),
    )
    position = models.ForeignKey(
        Position,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employees",
        verbose_name=_("Stelle"),
    )
    weekly_hours = models.DecimalField(
        _("Wochenstunden"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("60"))],
    )
    entry_date = models.DateField(_("Eintritt"))
    exit_date = models.DateField(_("Austritt"), null=True, blank=True)
    is_active = models.BooleanField(
        _("aktiv"),
        default=True,
        db_index=True,
        help_text=_(
            "Wird beim Import gesetzt: Wer vor heute ausgetreten ist, ist nicht mehr aktiv."
        ),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employee",
        verbose_name=_("Benutzerkonto"),
    )
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    objects = EmployeeQuerySet.as_manager()

    class Meta:
        verbose_name = _("Beschäftigte/r")
        verbose_name_plural = _("Beschäftigte")
        ordering = ["last_name", "first_name", "personnel_number"]
        indexes = [
            # the employee list's order (organisation.views.EMPLOYEE_ORDER): page 1 and
            # page 500 walk this index from where the page starts
            models.Index(fields=["last_name", "first_name", "id"], name="employee_name_idx"),
            # the search by personnel number (`iexact` compares UPPER(...)); the search by
            # name uses trigram indexes on PostgreSQL (migration 0004)
            models.Index(Upper("personnel_number"), name="employee_pnr_upper_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name} ({self.personnel_number})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def has_left(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.exit_date is not None and self.exit_date < today


class Role(models.TextChoices):
    """The roles of DOMAIN.md. Being an employee is implied by an employee record;
    heading a unit makes a supervisor without an assignment."""

    SUPERVISOR = "supervisor", _("Vorgesetzte / Amtsleitung")
    HR = "hr", _("Personalamt")
    IT = "it", _("IT")
    STAFF_COUNCIL = "staff_council", _("Personalrat")
    DPO = "dpo", _("Datenschutzbeauftragte")
    LEADERSHIP = "leadership", _("Verwaltungsspitze")


class RoleAssignment(models.Model):
    """One role for one user. A supervisor assignment names the unit it covers
    (a deputy head, for example); heads of units need none."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("Benutzer"),
    )
    role = models.CharField(_("Rolle"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Organisationseinheit"),
        help_text=_("Nur für Vorgesetzte: die Einheit (mit allen darunter), die sie vertreten."),
    )
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)

    class Meta:
        verbose_name = _("Rollenzuweisung")
        verbose_name_plural = _("Rollenzuweisungen")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit"], name="unique_role_assignment"),
            # NULLs are distinct in a unique index: without this a role without a unit
            # (HR, IT, ...) could be held twice by one person (a double click)
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(unit__isnull=True),
                name="unique_role_without_unit",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="supervisor") | models.Q(unit__isnull=False),
                name="supervisor_role_needs_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}"
