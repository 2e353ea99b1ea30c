"""The reconciliation chore as an RQ job (queue `default`).

Enqueue it with `flask petition reconcile --enqueue`, or from a scheduler
(cron, `rq-scheduler`) hourly; it is idempotent and loud: errors raise so RQ
records the failure.
"""

from .. import jobs
from ..services.reconcile import reconcile_all


def reconcile_counts():
    """Recompute every count from the verified signatures; returns a summary."""
    checked, repairs = reconcile_all()
    return {"checked": checked, "repaired": [(r.slug, r.stored, r.actual) for r in repairs]}


def enqueue_reconcile():
    return jobs.queue(jobs.DEFAULT_QUEUE).enqueue_call(
        reconcile_counts, description="reconcile_counts()", result_ttl=86400
    )
