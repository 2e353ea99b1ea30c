"""When the chores run: scheduler.py registers each entry with RQ's cron
scheduler, which queues it on the `default` queue; `flask privacy …` and
`flask mail sweep` run the same functions by hand (petition/cli/). Each is
idempotent and returns what it did; errors raise, so RQ records them and the
next run tries again."""

from .alerts import send_closed_events, send_daily_summaries
from .news import resume_sending
from .organisations import check_due_organisations
from .retention import erase_expired, purge_unconfirmed
from .sample_audits import resume_sending as resume_sample_audits
from .sweeper import sweep_unsent_emails

#: name -> (function, schedule): an interval in seconds, or a cron line (UTC).
SCHEDULE = {
    "sweep-unsent-emails": (sweep_unsent_emails, {"interval": 300}),
    "resume-news": (resume_sending, {"interval": 300}),
    "resume-sample-audits": (resume_sample_audits, {"interval": 300}),
    "purge-unconfirmed": (purge_unconfirmed, {"cron": "17 3 * * *"}),
    "erase-expired": (erase_expired, {"cron": "27 3 * * *"}),
    "webhook-daily-summaries": (send_daily_summaries, {"cron": "0 18 * * *"}),
    "webhook-closed-events": (send_closed_events, {"interval": 600}),
    "check-organisations": (check_due_organisations, {"interval": 300}),
}
