"""Organizer login, guarded per account, and the emailed one-time sign-in link.

Failed passwords are counted per submitted address (an account or not),
whatever the client address (RATELIMIT_LOGIN_ACCOUNT). Below the limit, login
answers as usual. From the limit on, the address is under attack and every
attempt on it gets the same answer, right password or wrong: "if the password
was right, we emailed you a sign-in link". Guessing learns nothing, and the
owner is never refused for what strangers did. Only the right password queues
the email, at most one per SIGNIN_EMAIL_INTERVAL.

The link is a "signin" token bound to the account's password fingerprint and
last login time: any login (this link, another, or a password) spends it, and
one guarded UPDATE lets a single click through.
"""

import logging
from dataclasses import dataclass

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import update

from .. import jobs, throttle, tokens
from ..extensions import db
from ..jobs import organizers as organizer_jobs
from ..links import login_stamp
from ..models import Organizer, utcnow
from . import audit, organizers
from .organizers import LinkOutcome

log = logging.getLogger(__name__)


@dataclass
class Attempt:
    organizer: Organizer | None = None  # logged in
    guarded: bool = False  # the one answer given to every attempt on this address


def attempt(email: str, password: str | None) -> Attempt:
    """Check a password under the per-account guard; logs in only when the
    address is not under attack."""
    address = organizers.normalise(email)
    limit = current_app.config["RATELIMIT_LOGIN_ACCOUNT"]
    guarded = throttle.exhausted("login-failures", limit, address)
    organizer = organizers.check_password(address, password)
    if organizer is None:
        throttle.hit("login-failures", limit, address)
        _audit_failure(address)
        return Attempt(guarded=guarded)
    if guarded:
        _email_link_once(organizer)
        return Attempt(guarded=True)
    _record_login(organizer, method="password")
    return Attempt(organizer=organizer)


def _audit_failure(address):
    """A failed password on an account goes to its petitions' logs; on an
    address with no account nothing is written (no petition is concerned, and
    a stranger's typing is not kept)."""
    account = organizers.find(address)
    if account is not None:
        audit.record(audit.petitions_of(account), audit.Kind.LOGIN_FAILED, account.email)
        db.session.commit()


def _email_link_once(organizer):
    """Queue the sign-in email unless one went out in the last few minutes.
    Failures are logged only: the answer must not depend on them."""
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    interval = current_app.config["SIGNIN_EMAIL_INTERVAL"]
    try:
        if not jobs.redis().set(f"{prefix}:signin-email:{organizer.id}", 1, nx=True, ex=interval):
            return
        organizers._enqueue(organizer_jobs.send_signin_link, organizer.id)
    except (RedisError, organizers.OrganizerError):
        log.warning("Sign-in link for organizer %s not queued", organizer.id, exc_info=True)


def inspect_link(token: str) -> organizers.LinkCheck:
    """Whom a sign-in link (links.signin_token) is for, if it is still good."""
    try:
        payload = tokens.read("signin", token)
        organizer_id = tokens.row_id(payload, "o")
        fingerprint, stamp = tokens.text(payload, "f"), payload["l"]
    except tokens.TokenError as exc:
        return organizers.LinkCheck(LinkOutcome(exc.reason))
    except (KeyError, TypeError, ValueError):
        return organizers.LinkCheck(LinkOutcome.INVALID)
    organizer = db.session.get(Organizer, organizer_id)
    if organizer is None or not organizer.active or not organizer.password_hash:
        return organizers.LinkCheck(LinkOutcome.INVALID)
    if organizer.fingerprint() != fingerprint or login_stamp(organizer.last_login_at) != stamp:
        return organizers.LinkCheck(LinkOutcome.USED)
    return organizers.LinkCheck(LinkOutcome.READY, organizer)


def sign_in(token: str) -> organizers.LinkCheck:
    """Spend a good link: the organizer to log in, or why not."""
    found = inspect_link(token)
    if found.outcome != LinkOutcome.READY:
        return found
    last = found.organizer.last_login_at
    spent = Organizer.last_login_at.is_(None) if last is None else Organizer.last_login_at == last
    if not _record_login(found.organizer, spent, method="link"):
        return organizers.LinkCheck(LinkOutcome.USED)  # another click got there first
    return found


def _record_login(organizer, *guards, method):
    """Set the last login time (only while `guards` hold) and log the login;
    True if it was set."""
    done = db.session.execute(
        update(Organizer)
        .where(Organizer.id == organizer.id, *guards)
        .values(last_login_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount == 1:
        audit.record(audit.petitions_of(organizer), audit.Kind.LOGIN, organizer, method=method)
    db.session.commit()
    return done.rowcount == 1
