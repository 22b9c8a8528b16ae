"""What equipment announces to other apps (see core/hooks.py).

Other apps connect in their `AppConfig.ready()`; equipment imports none of them.
"""

from rathausmobil.core.hooks import AFTER_COMMIT, IN_TRANSACTION, Hook

device_handed_over: Hook[[int, int], None] = Hook(
    "device_handed_over",
    runs=AFTER_COMMIT,
    doc=(
        "After the commit of a hand-over, with (employee_id, device_id), e.g. to let an "
        "agreement that waits for a device become active."
    ),
)

device_recipients_wanted: Hook[[object], object] = Hook(
    "device_recipients_wanted",
    runs=IN_TRANSACTION,
    doc=(
        "Asked for IT's tasks with (today,): a queryset of organisation.Employee who wait "
        "for a device to be handed over (access: a consented agreement whose device rule "
        "is not met yet), or None. Equipment lists them as hand-overs to do."
    ),
)
