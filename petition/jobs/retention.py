"""RGPD retention as jobs (nightly, jobs/schedule.py): delete the signatures
never confirmed and the audit lines past AUDIT_RETENTION_DAYS, erase the
personal data past retention (services/retention.py, services/audit.py)."""

from ..services import audit, retention


def purge_unconfirmed():
    return {"deleted": retention.purge_unconfirmed(), "audit_deleted": audit.purge()}


def erase_expired():
    return {"erased": retention.erase_expired()}
