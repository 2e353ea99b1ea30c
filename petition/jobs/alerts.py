"""Milestone alerts: one job per milestone reached fans out into one email
job per organizer of the petition and one webhook delivery per endpoint.

Each email job has its own id (`milestone-<m>-org-<o>`) and a Redis marker
that it sent, so a job queued twice or retried after sending sends once. The
deliveries are rows with a unique (endpoint, event key): the fan-out may run
again (a retry) without a second delivery.
"""

import logging

from flask_babel import gettext as _
from rq import get_current_job
from sqlalchemy import select

from .. import jobs
from ..extensions import db
from ..mail import messages, smtp
from ..models import Milestone, Organizer, WebhookEvent, organizer_petitions
from ..services import summaries, webhooks
from ..urls import external_url

log = logging.getLogger(__name__)


def alert_milestone(milestone_id):
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.reached_at is None:
        log.info("Milestone %s gone or not reached; no alert", milestone_id)
        return jobs.JobResult.SKIPPED
    organizer_ids = db.session.scalars(
        select(Organizer.id)
        .join(organizer_petitions, organizer_petitions.c.organizer_id == Organizer.id)
        .where(
            organizer_petitions.c.petition_id == milestone.petition_id,
            Organizer.active.is_(True),
            Organizer.password_hash.is_not(None),
        )
        .order_by(Organizer.id)
    ).all()
    queue = jobs.queue(jobs.EMAIL_QUEUE)
    for organizer_id in organizer_ids:
        queue.enqueue_call(
            send_milestone_email,
            args=(milestone_id, organizer_id),
            job_id=f"milestone-{milestone_id}-org-{organizer_id}",
            retry=jobs.email_retry(),
            failure_ttl=30 * 86400,
        )
    webhooks.dispatch(
        milestone.petition,
        WebhookEvent.MILESTONE,
        f"milestone-{milestone_id}",
        milestone_data(milestone),
    )
    log.info("Milestone %s reached: %s organizers alerted", milestone_id, len(organizer_ids))
    return jobs.JobResult.SENT


def milestone_data(milestone):
    petition = milestone.petition
    return {
        "petition": {
            "slug": petition.slug,
            "title": petition.title,
            "goal": petition.goal,
            "url": external_url("public.petition", slug=petition.slug),
        },
        "milestone": {
            "kind": milestone.kind,
            "value": milestone.value,
            "threshold": milestone.threshold(petition.goal),
            "reached_at": webhooks.iso(milestone.reached_at),
            "signature_count": milestone.count_at_reach,
        },
    }


def send_milestone_email(milestone_id, organizer_id):
    milestone = db.session.get(Milestone, milestone_id)
    organizer = db.session.get(Organizer, organizer_id)
    if milestone is None or organizer is None or not organizer.active:
        return jobs.JobResult.SKIPPED
    key = f"petition:email-sent:{get_current_job().id}" if get_current_job() else None
    if key and jobs.redis().exists(key):
        return jobs.JobResult.SKIPPED
    petition = milestone.petition
    context = {
        "petition": petition,
        "milestone": milestone,
        "threshold": milestone.threshold(petition.goal),
        "dashboard_url": external_url("organizer.dashboard", slug=petition.slug),
    }
    try:
        message = smtp.build(
            messages.to_organizer,
            organizer,
            "milestone",
            lambda: _("Palier atteint : %(title)s", title=petition.title),
            context,
        )
        smtp.send(message)
    except smtp.Unsendable:
        log.exception("Milestone email %s to %s cannot be sent", milestone_id, organizer_id)
        jobs.fail_without_retry()
        raise
    if key:
        jobs.redis().set(key, 1, ex=30 * 86400)
    log.info("Sent milestone %s alert to organizer %s", milestone_id, organizer_id)
    return jobs.JobResult.SENT


def send_daily_summaries():
    """The daily `petition.daily_summary` webhooks (jobs/schedule.py)."""
    return {"queued": summaries.send_daily()}


def send_closed_events():
    """`petition.closed` webhooks for petitions closed since the last run."""
    return {"queued": summaries.send_closed()}
