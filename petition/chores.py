"""Chores the worker runs on a schedule (scheduler.py) and `flask` runs by hand
(petition/cli_protection.py). Each is idempotent and returns what it did;
errors raise, so RQ records them and the next run tries again."""
import logging

log = logging.getLogger(__name__)


def sweep_unsent_emails():
    from .services.sweeper import sweep

    return {"queued": sweep()}


def purge_unconfirmed():
    from .services.retention import purge_unconfirmed as purge

    return {"deleted": purge()}


def erase_expired():
    from .services.retention import erase_expired as erase

    return {"erased": erase()}


#: name -> (function, schedule): an interval in seconds, or a cron line (UTC).
SCHEDULE = {
    "sweep-unsent-emails": (sweep_unsent_emails, {"interval": 300}),
    "purge-unconfirmed": (purge_unconfirmed, {"cron": "17 3 * * *"}),
    "erase-expired": (erase_expired, {"cron": "27 3 * * *"}),
}
