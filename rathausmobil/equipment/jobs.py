"""Daily jobs of the equipment capability (for `run_due_jobs`, see core)."""

from rathausmobil.equipment.services import assignments_delete_expired


def delete_expired_handovers(today) -> str:
    return f"{assignments_delete_expired(today=today)} Ausgaben gelöscht"


JOBS = [("Ausgaben nach Ablauf der Aufbewahrungsfrist löschen", delete_expired_handovers)]
