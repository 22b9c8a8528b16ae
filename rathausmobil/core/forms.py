"""Form plumbing every app uses: Bootstrap classes on widgets, fields marked at the
error, and a date input the browser shows as a date picker.

How an error reaches a person (BITV 2.0 / WCAG 2.1 AA, 3.3.1 and 4.1.2):

- the field itself says it is wrong: its widget gets `aria-invalid="true"` (Django)
  and the class `is-invalid` (the red border), and `aria-describedby` names its help
  text and its error message, whose ids `includes/field.html` renders
  (`<auto_id>_helptext`, `<auto_id>_errors`);
- an error summary at the top of the form (`includes/form_errors.html`) lists every
  message with a link to its field and takes the focus (`autofocus`, and
  `static/js/forms.js` after an htmx swap), so a keyboard or screen-reader user lands
  on it and can jump to the field.

Forms derive from `BootstrapForm` / `BootstrapModelForm` and render through
`includes/form_fields.html` (or `form_errors.html` plus `field.html` per field).
"""

from __future__ import annotations

from django import forms


class DateInput(forms.DateInput):
    """`<input type="date">`: the browser's date picker, ISO value."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def style_fields(form: forms.BaseForm) -> None:
    """Give each widget the Bootstrap class it needs (radio and checkbox lists are
    styled in the template)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def help_id(bound: forms.BoundField) -> str:
    """The id of a field's help text, as `includes/field.html` renders it."""
    return f"{bound.auto_id}_helptext"


def error_id(bound: forms.BoundField) -> str:
    """The id of a field's error message, as `includes/field.html` renders it."""
    return f"{bound.auto_id}_errors"


def mark_invalid_fields(form: forms.BaseForm) -> None:
    """Mark the widget of every field with an error: `is-invalid`, and
    `aria-describedby` naming its help text and its message. (Django itself adds
    `aria-invalid="true"` to a widget whose field has errors.)"""
    for name in form.errors:
        if name not in form.fields:
            continue  # the form's own errors (NON_FIELD_ERRORS)
        bound = form[name]
        attrs = form.fields[name].widget.attrs
        classes = attrs.get("class", "").split()
        if "is-invalid" not in classes and classes:
            attrs["class"] = " ".join([*classes, "is-invalid"])
        described = [help_id(bound)] if bound.help_text else []
        attrs["aria-describedby"] = " ".join([*described, error_id(bound)])


class AccessibleErrors:
    """Marks fields at the error whenever one is added (while cleaning, or later by
    the view, e.g. a domain error mapped to a field)."""

    def add_error(self, field, error):
        super().add_error(field, error)
        mark_invalid_fields(self)


class BootstrapForm(AccessibleErrors, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)


class BootstrapModelForm(AccessibleErrors, forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)
