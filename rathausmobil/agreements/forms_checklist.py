"""Forms of the checklist editor: one form per item in a formset (text, mandatory or
recommended; the order is the order of the forms), and the confirmation of publishing.

The key of an item rides along hidden, so an item that stays keeps its key; the officer
never sees or types one (the service decides, see `agreements/checklist.py`). Adding,
removing and moving items are plain submit buttons (`ItemRows`), so the editor works
without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rathausmobil.agreements.forms import PledgeForm
from rathausmobil.agreements.models import ChecklistVersion
from rathausmobil.core.forms import BootstrapForm

MAX_ITEMS = 60
TEXT_MAX_LENGTH = 500

MANDATORY, RECOMMENDED = "pflicht", "empfehlung"


class ChecklistItemForm(BootstrapForm):
    key = forms.CharField(required=False, widget=forms.HiddenInput, max_length=80)
    text = forms.CharField(
        label=_("Text"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Bitte den Text eintragen oder den Punkt entfernen.")},
    )
    mandatory = forms.TypedChoiceField(
        label=_("Verbindlichkeit"),
        choices=[(MANDATORY, _("Pflichtpunkt")), (RECOMMENDED, _("Empfehlung"))],
        coerce=lambda value: value == MANDATORY,
        initial=MANDATORY,
    )


class _ItemFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not self.forms:
            raise forms.ValidationError(
                gettext("Die Checkliste hat keinen Punkt. Bitte fügen Sie einen hinzu.")
            )
        seen: dict[str, int] = {}
        for number, form in enumerate(self.forms, start=1):
            text = " ".join(form.cleaned_data["text"].split()).casefold()
            if text in seen:
                form.add_error(
                    "text",
                    gettext("Derselbe Text steht schon in Punkt %(n)s.") % {"n": seen[text]},
                )
            seen.setdefault(text, number)
        if any(self.errors):
            return
        if not any(form.cleaned_data.get("mandatory") for form in self.forms):
            raise forms.ValidationError(
                gettext("Die Checkliste braucht mindestens einen Pflichtpunkt.")
            )

    def items(self) -> list[dict]:
        """The items in the order shown, as the service takes them."""
        return [
            {
                "key": form.cleaned_data["key"],
                "text": form.cleaned_data["text"],
                "mandatory": form.cleaned_data["mandatory"],
            }
            for form in self.forms
        ]


ChecklistItemFormSet = forms.formset_factory(
    ChecklistItemForm, formset=_ItemFormSet, extra=0, max_num=MAX_ITEMS, validate_max=True
)

PREFIX = "punkte"


def item_formset(data=None, *, rows: list[dict] | None = None) -> _ItemFormSet:
    """The formset of the editor: bound to `data`, or showing `rows` (items as stored,
    with `mandatory` a bool)."""
    if data is not None:
        return ChecklistItemFormSet(data, prefix=PREFIX)
    initial = [
        {
            "key": row.get("key", ""),
            "text": row.get("text", ""),
            "mandatory": MANDATORY if row.get("mandatory") else RECOMMENDED,
        }
        for row in rows or []
    ]
    return ChecklistItemFormSet(initial=initial, prefix=PREFIX)


@dataclass(frozen=True)
class RowChange:
    """A change of the list of items asked for by one of the editor's buttons."""

    rows: list[dict]  # the items after the change, as shown (text possibly empty)
    message: str  # what happened, for the status line
    focus: tuple[str, int] | None  # what gets the focus: ("text"|"up"|"down", item) or ("add", 0)


def rows_of(formset: _ItemFormSet) -> list[dict]:
    """The items as typed, valid or not (for re-showing them after a move)."""
    rows = []
    for form in formset.forms:
        rows.append(
            {
                "key": form["key"].value() or "",
                "text": form["text"].value() or "",
                "mandatory": form["mandatory"].value() != RECOMMENDED,
            }
        )
    return rows


def change_rows(formset: _ItemFormSet, post) -> RowChange | None:
    """Apply the button pressed (`hinzufuegen`, `nach_oben`, `nach_unten`, `entfernen`
    with the item's index as value) to the typed items; None when the button was
    another one (save, preview)."""
    rows = rows_of(formset)

    def index(name: str) -> int | None:
        try:
            value = int(post.get(name, ""))
        except ValueError:
            return None
        return value if 0 <= value < len(rows) else None

    if "hinzufuegen" in post:
        if len(rows) >= MAX_ITEMS:
            return RowChange(
                rows,
                gettext("Mehr als %(n)s Punkte hat eine Checkliste nicht.") % {"n": MAX_ITEMS},
                ("add", 0),
            )
        rows.append({"key": "", "text": "", "mandatory": True})
        number = len(rows)
        return RowChange(
            rows,
            gettext("Punkt %(n)s ist angefügt. Tragen Sie den Text ein.") % {"n": number},
            ("text", number - 1),
        )
    if (i := index("nach_oben")) is not None and i > 0:
        rows[i - 1], rows[i] = rows[i], rows[i - 1]
        return RowChange(
            rows,
            gettext("Der Punkt steht jetzt an Stelle %(n)s.") % {"n": i},
            ("up", i - 1) if i - 1 > 0 else ("down", i - 1),
        )
    if (i := index("nach_unten")) is not None and i < len(rows) - 1:
        rows[i + 1], rows[i] = rows[i], rows[i + 1]
        return RowChange(
            rows,
            gettext("Der Punkt steht jetzt an Stelle %(n)s.") % {"n": i + 2},
            ("down", i + 1) if i + 1 < len(rows) - 1 else ("up", i + 1),
        )
    if (i := index("entfernen")) is not None:
        removed = rows.pop(i)
        text = removed["text"].strip() or gettext("ohne Text")
        focus = ("text", min(i, len(rows) - 1)) if rows else ("add", 0)
        return RowChange(
            rows,
            gettext("Punkt %(n)s („%(text)s“) ist entfernt.") % {"n": i + 1, "text": text},
            focus,
        )
    if any(name in post for name in ("nach_oben", "nach_unten", "entfernen")):
        return RowChange(rows, "", None)  # a button of an item that no longer exists
    return None


class ChecklistPublishForm(BootstrapForm):
    note = forms.CharField(
        label=_("Was ist neu? (für die Versionsliste)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Vorgeschlagen aus den Unterschieden; Sie können den Text ändern."),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)
    base = forms.IntegerField(widget=forms.HiddenInput, required=False)


def preview_form(items: list[dict], number: int) -> PledgeForm:
    """The employee's pledge form for a version that is not published yet, every box
    disabled: exactly what the employee will be asked to sign."""
    form = PledgeForm(version=ChecklistVersion(number=number, items=items))
    for field in form.fields.values():
        field.disabled = True
    return form
