"""What the organisation announces to other apps (see core/hooks.py).

Other apps connect in their `AppConfig.ready()`; organisation imports none of them.
"""

from rathausmobil.core.hooks import AFTER_COMMIT, Hook

employees_left: Hook[[list[int]], None] = Hook(
    "employees_left",
    runs=AFTER_COMMIT,
    doc=(
        "After the commit of an HR import, with the ids of the employees it has just "
        "deactivated (exit date in the past), e.g. to revoke their access the same day."
    ),
)
