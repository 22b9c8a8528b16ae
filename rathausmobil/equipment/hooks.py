"""What equipment announces to other apps (see core/hooks.py).

Other apps connect in their `AppConfig.ready()`; equipment imports none of them.
"""

from rathausmobil.core.hooks import AFTER_COMMIT, Hook

device_handed_over: Hook[[int, int], None] = Hook(
    "device_handed_over",
    runs=AFTER_COMMIT,
    doc=(
        "After the commit of a hand-over, with (employee_id, device_id), e.g. to let an "
        "agreement that waits for a device become active."
    ),
)
