from django import forms
from django.utils.translation import gettext_lazy as _

from rathausmobil.access.models import AccessKind, AccessPolicy, DeviceRule, SpecialistApplication
from rathausmobil.access.services import MIN_REVOKE_REASON
from rathausmobil.core.forms import BootstrapForm, BootstrapModelForm


class RevokeForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Warum wird der Zugang entzogen?"),
        min_length=MIN_REVOKE_REASON,
        max_length=300,
        widget=forms.TextInput(),
        help_text=_("Wird im Verlauf des Zugangs vermerkt."),
    )


class GrantNewForm(BootstrapForm):
    """IT gives access without an agreement, for a stated reason."""

    personnel_number = forms.CharField(label=_("Personalnummer"), max_length=32)
    kind = forms.ChoiceField(
        label=_("Art"), choices=AccessKind.choices, widget=forms.RadioSelect, initial="vpn"
    )
    application = forms.ModelChoiceField(
        label=_("Fachverfahren (nur Terminalserver)"),
        queryset=SpecialistApplication.objects.select_related("farm").order_by("name"),
        required=False,
    )
    reason = forms.CharField(
        label=_("Anlass"),
        max_length=200,
        help_text=_("Zum Beispiel Rufbereitschaft, IT-Administration, Leitungsaufgaben."),
    )
    activate = forms.BooleanField(label=_("gleich erteilen"), required=False, initial=True)

    def clean(self):
        data = super().clean()
        if data.get("kind") == AccessKind.VPN and data.get("application"):
            self.add_error("application", _("Ein VPN-Zugang gehört zu keinem Fachverfahren."))
        return data


class PolicyForm(BootstrapModelForm):
    class Meta:
        model = AccessPolicy
        fields = ["auto_grant", "device_rule", "lead_days"]
        widgets = {"device_rule": forms.RadioSelect(choices=DeviceRule.choices)}
