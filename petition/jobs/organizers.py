"""Emails to organizer accounts: the invitation, reset, sign-in link and
petition-offer emails.

Each job reloads the account and makes its link at send time; an invitation
already accepted (a password is set) or an offer already answered is not sent
again. SMTP errors raise so RQ retries with backoff. A message that cannot be
built (mail.smtp.Unsendable: a line break in an old petition title…) is logged as
an error and the job fails at once, kept in RQ's failed registry for a person
to look at: no retry could mend it.
"""

import logging

from flask import current_app
from flask_babel import gettext as _

from .. import jobs
from ..extensions import db
from ..links import grant_token, organizer_token, signin_token
from ..mail import messages, smtp
from ..models import Organizer, PendingGrant, Petition
from ..urls import external_url

log = logging.getLogger(__name__)


def send_invitation(organizer_id, inviter_id, petition_id):
    organizer = db.session.get(Organizer, organizer_id)
    if organizer is None or organizer.password_hash or not organizer.active:
        log.info("Organizer %s gone or already in; invitation not sent", organizer_id)
        return jobs.JobResult.SKIPPED
    inviter = db.session.get(Organizer, inviter_id) if inviter_id else None
    petition = db.session.get(Petition, petition_id)
    url = external_url("organizer.accept_invite", token=organizer_token("invite", organizer))
    _send(
        organizer,
        "organizer_invite",
        lambda: _(
            "Invitation à l’espace organisateur : %(title)s",
            title=petition.title if petition else "",
        ),
        url=url,
        inviter=inviter,
        petition=petition,
    )
    return jobs.JobResult.SENT


def send_password_reset(organizer_id):
    organizer = db.session.get(Organizer, organizer_id)
    if organizer is None or not organizer.active:
        return jobs.JobResult.SKIPPED
    url = external_url("organizer.reset_password", token=organizer_token("reset", organizer))
    _send(organizer, "organizer_reset", lambda: _("Choisissez un nouveau mot de passe"), url=url)
    return jobs.JobResult.SENT


def send_signin_link(organizer_id):
    """The one-time sign-in link of an account whose login is under attack."""
    organizer = db.session.get(Organizer, organizer_id)
    if organizer is None or not organizer.active or not organizer.password_hash:
        return jobs.JobResult.SKIPPED
    url = external_url("organizer.signin_link", token=signin_token(organizer))
    minutes = max(1, current_app.config["SIGNIN_TOKEN_MAX_AGE"] // 60)
    _send(
        organizer,
        "organizer_signin",
        lambda: _("Votre lien de connexion"),
        url=url,
        minutes=minutes,
    )
    return jobs.JobResult.SENT


def send_access_invitation(grant_id):
    """A petition offered to an existing account: accept or decline by the link."""
    grant = db.session.get(PendingGrant, grant_id)
    if grant is None or not grant.organizer.active:
        log.info("Offer %s answered or withdrawn; not sent", grant_id)
        return jobs.JobResult.SKIPPED
    url = external_url("organizer.answer_grant", token=grant_token(grant))
    _send(
        grant.organizer,
        "organizer_access",
        lambda: _("Invitation à co-organiser : %(title)s", title=grant.petition.title),
        url=url,
        inviter=grant.inviter,
        petition=grant.petition,
    )
    return jobs.JobResult.SENT


def _send(organizer, name, subject, **context):
    try:
        smtp.send(smtp.build(messages.to_organizer, organizer, name, subject, context))
    except smtp.Unsendable:
        log.exception(
            "%s to organizer %s cannot be sent; the job fails without retry", name, organizer.id
        )
        jobs.fail_without_retry()
        raise
    log.info("Sent %s to organizer %s", name, organizer.id)
