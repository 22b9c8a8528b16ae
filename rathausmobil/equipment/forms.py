from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathausmobil.core.forms import BootstrapForm, DateInput
from rathausmobil.equipment.models import DeviceKind, DeviceModel, OrderLine, ReceiptProblem

SCAN_LABEL = _("Inventarnummer scannen oder eingeben")


class ScanForm(BootstrapForm):
    """A barcode scanner types the number and presses Enter: the form is submitted."""

    inventarnummer = forms.CharField(
        label=SCAN_LABEL,
        max_length=80,
        help_text=_("Der Scanner schließt mit der Eingabetaste ab; auch die Seriennummer geht."),
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "off", "spellcheck": "false"}
        ),
    )


class PersonSearchForm(BootstrapForm):
    person = forms.CharField(
        label=_("Beschäftigte/n suchen"),
        max_length=100,
        help_text=_("Personalnummer oder Name"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
    )


class HandOverForm(BootstrapForm):
    device = forms.IntegerField(widget=forms.HiddenInput)
    employee = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Bemerkung (optional)"), max_length=500, required=False, widget=forms.TextInput
    )
    return_stationary = forms.BooleanField(
        label=_("Stationären Arbeitsplatzrechner gleichzeitig zurücknehmen"),
        required=False,
        initial=True,
    )
    second_of_kind = forms.BooleanField(
        label=_("Trotzdem ausgeben: Die Person soll ein weiteres Gerät dieser Art erhalten."),
        required=False,
        help_text=_("Zum Beispiel ein Ersatzgerät, solange das erste in Reparatur ist."),
    )

    def __init__(self, *args, holds_same_kind: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.holds_same_kind = holds_same_kind

    def clean(self):
        data = super().clean()
        if self.holds_same_kind and not data.get("second_of_kind"):
            self.add_error(
                "second_of_kind",
                _(
                    "Die Person hat bereits ein Gerät dieser Art. Bitte bestätigen Sie, dass "
                    "sie ein weiteres erhalten soll, oder erfassen Sie zuerst die Rückgabe."
                ),
            )
        return data


class ReceiptProblemForm(BootstrapForm):
    """The employee's answer to a hand-over other than "erhalten"."""

    problem = forms.ChoiceField(
        label=_("Was stimmt nicht?"),
        choices=[
            (ReceiptProblem.NOT_RECEIVED.value, _("Ich habe das Gerät nicht erhalten.")),
            (ReceiptProblem.WRONG_DEVICE.value, _("Ich habe ein anderes Gerät erhalten.")),
        ],
    )
    note = forms.CharField(
        label=_("Hinweis für die IT (optional)"),
        max_length=500,
        required=False,
        help_text=_("Zum Beispiel die Inventarnummer auf dem Gerät, das Sie erhalten haben."),
        widget=forms.TextInput,
    )


class ResolveProblemForm(BootstrapForm):
    """IT clears an employee's "nicht erhalten" / "falsches Gerät"."""

    note = forms.CharField(
        label=_("Wie ist es geklärt?"),
        max_length=500,
        help_text=_("Die/der Beschäftigte sieht diesen Satz unter „Meine Geräte“."),
        widget=forms.TextInput,
    )
    take_back = forms.BooleanField(
        label=_("Ausgabe zurücknehmen: Das Gerät kommt zurück ins Lager"),
        required=False,
        help_text=_(
            "Wenn das Gerät die Person nie erreicht hat oder das falsche war. Das richtige "
            "Gerät geben Sie danach unter „Ausgabe“ aus."
        ),
    )


class ReturnForm(BootstrapForm):
    assignment = forms.IntegerField(widget=forms.HiddenInput)
    defective = forms.BooleanField(
        label=_("Gerät ist defekt (geht in Reparatur statt ins Lager)"), required=False
    )
    note = forms.CharField(
        label=_("Bemerkung (optional)"), max_length=500, required=False, widget=forms.TextInput
    )


class DeviceStatusForm(BootstrapForm):
    action = forms.ChoiceField(label=_("Neuer Status"))
    note = forms.CharField(
        label=_("Grund (optional)"), max_length=500, required=False, widget=forms.TextInput
    )

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = list(actions)


MOBILITY_CHOICES = [
    ("", _("nach Art (Notebook, Tablet, Smartphone, Headset: mobil)")),
    ("mobile", _("mobil")),
    ("stationary", _("stationär")),
]


class DeviceModelForm(BootstrapForm):
    name = forms.CharField(label=_("Modell"), max_length=120)
    kind = forms.ChoiceField(label=_("Art"), choices=DeviceKind.choices)
    manufacturer = forms.CharField(label=_("Hersteller"), max_length=80, required=False)
    model_number = forms.CharField(label=_("Modellnummer"), max_length=80, required=False)
    mobility = forms.ChoiceField(
        label=_("Mobil oder stationär"), choices=MOBILITY_CHOICES, required=False
    )

    def is_mobile(self) -> bool | None:
        value = self.cleaned_data.get("mobility")
        return None if not value else value == "mobile"


class OrderForm(BootstrapForm):
    supplier = forms.CharField(label=_("Lieferant"), max_length=200)
    number = forms.CharField(
        label=_("Bestellnummer (optional)"),
        max_length=32,
        required=False,
        help_text=_("Leer lassen: wird vergeben (B-Jahr-laufende Nummer)."),
    )
    ordered_on = forms.DateField(label=_("Bestellt am"), widget=DateInput())
    expected_on = forms.DateField(
        label=_("Liefertermin erwartet"), widget=DateInput(), required=False
    )
    note = forms.CharField(
        label=_("Bemerkung (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("ordered_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class OrderLineForm(BootstrapForm):
    model = forms.ModelChoiceField(
        label=_("Modell"), queryset=DeviceModel.objects.all(), required=False
    )
    quantity = forms.IntegerField(label=_("Menge"), min_value=1, required=False)

    def clean(self):
        data = super().clean()
        if bool(data.get("model")) != bool(data.get("quantity")):
            raise forms.ValidationError(_("Bitte Modell und Menge angeben (oder beides leer)."))
        return data


OrderLineFormSet = forms.formset_factory(OrderLineForm, extra=3, max_num=10)


class DeliveryForm(BootstrapForm):
    line = forms.ModelChoiceField(label=_("Position"), queryset=OrderLine.objects.none())
    serials = forms.CharField(
        label=_("Seriennummern, eine pro Zeile"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_(
            "Jede Zeile ist ein geliefertes Gerät; es bekommt eine neue Inventarnummer und "
            "kommt ins Lager. Der Rest bleibt bestellt."
        ),
    )
    delivered_on = forms.DateField(label=_("Geliefert am"), widget=DateInput())
    delivery_note = forms.CharField(
        label=_("Lieferschein-Nr. (optional)"), max_length=64, required=False
    )

    def __init__(self, *args, order=None, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("delivered_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        lines = [line for line in order.lines.select_related("model") if line.outstanding > 0]
        self.fields["line"].queryset = OrderLine.objects.filter(pk__in=[x.pk for x in lines])
        self.fields["line"].label_from_instance = lambda line: (
            f"{line.model.name} (noch offen: {line.outstanding})"
        )
        if len(lines) == 1:
            self.fields["line"].initial = lines[0].pk


class CancelForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Grund der Stornierung"),
        max_length=500,
        widget=forms.TextInput,
        help_text=_("Storniert wird alles, was noch nicht geliefert ist."),
    )


class CampaignForm(BootstrapForm):
    name = forms.CharField(label=_("Bezeichnung"), max_length=200)
    start_date = forms.DateField(label=_("Beginn"), widget=DateInput())
    target_date = forms.DateField(label=_("Zieltermin"), widget=DateInput())
