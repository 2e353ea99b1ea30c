"""RGPD retention as jobs (nightly, jobs/schedule.py): delete the signatures
never confirmed, erase the personal data past retention
(services/retention.py)."""

from ..services import retention


def purge_unconfirmed():
    return {"deleted": retention.purge_unconfirmed()}


def erase_expired():
    return {"erased": retention.erase_expired()}
