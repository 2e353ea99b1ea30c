"""The email sweeper as a job (every 5 minutes, jobs/schedule.py): queue
again every email Redis never got or lost (services/sweeper.py)."""

from ..services.sweeper import sweep


def sweep_unsent_emails():
    return {"queued": sweep()}
