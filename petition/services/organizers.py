"""Organizer accounts: creation, login, invitation and password reset.

Invitation and reset links are itsdangerous tokens with their own salt
("invite", "reset") carrying the account id and a fingerprint of its password
hash: setting a password changes the fingerprint, so each link works once.
Reset emails are limited per account (RATELIMIT_RESET_ACCOUNT) behind the same
neutral page. An account that already exists is not given a petition by an
invitation: it is offered one, which it accepts or declines (services/grants.py).
"""

import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from flask import current_app
from flask_babel import gettext as _
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from .. import jobs, throttle, tokens
from ..extensions import db
from ..jobs import organizers as organizer_jobs
from ..models import Organizer, Petition
from . import access, audit, grants

log = logging.getLogger(__name__)

MIN_PASSWORD = 12
#: Compared against when the address is unknown, so both paths cost the same.
_DUMMY_HASH = None


class OrganizerError(ValueError):
    """A rule of accounts is broken; the message is for people."""


class InviteOutcome(StrEnum):
    INVITED = "invited"  # a new account, or one still unanswered: an invitation link
    OFFERED = "offered"  # an account in use: offered the petition, to accept
    ALREADY = "already"  # it could see the petition before


class LinkOutcome(StrEnum):
    """What an invitation, reset or sign-in link leads to."""

    READY = "ready"
    USED = "used"  # the password or the last login changed since: it worked once
    INVALID = tokens.TokenReason.INVALID.value
    EXPIRED = tokens.TokenReason.EXPIRED.value


def normalise(email: str | None) -> str:
    return (email or "").strip().lower()


def find(email: str | None) -> Organizer | None:
    return db.session.scalar(select(Organizer).where(Organizer.email == normalise(email)))


def check_password_rules(password: str | None) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise OrganizerError(
            _("Le mot de passe doit comporter au moins %(n)d caractères.", n=MIN_PASSWORD)
        )


def create(
    email: str,
    password: str | None = None,
    petitions: Iterable[Petition] = (),
    is_admin: bool = False,
    name: str = "",
) -> Organizer:
    """A new account (no password: it will come with the invitation). Commits."""
    email = normalise(email)
    if "@" not in email or len(email) > 254:
        raise OrganizerError(_("Cette adresse e-mail n'est pas valide."))
    if password is not None:
        check_password_rules(password)
    organizer = Organizer(
        email=email,
        name=name.strip(),
        is_admin=is_admin,
        password_hash=generate_password_hash(password) if password else None,
    )
    organizer.petitions = list(petitions)
    db.session.add(organizer)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise OrganizerError(_("Un compte existe déjà pour cette adresse.")) from None
    return organizer


def assign(organizer: Organizer, petition: Petition, actor: Organizer | None = None) -> None:
    """Give the organizer access to the petition (idempotent, logged). Commits."""
    if petition not in organizer.petitions:
        organizer.petitions.append(petition)
        audit.record([petition.id], audit.Kind.ACCESS_GRANTED, actor, organizer.email)
    db.session.commit()


def check_password(email: str, password: str | None) -> Organizer | None:
    """The active organizer with this address and password, else None. Logs
    nobody in (services/signin.py decides)."""
    global _DUMMY_HASH
    organizer = find(email)
    if organizer is None or not organizer.password_hash:
        _DUMMY_HASH = _DUMMY_HASH or generate_password_hash("not-a-real-password")
        check_password_hash(_DUMMY_HASH, password or "")  # same cost: no timing oracle
        return None
    if not check_password_hash(organizer.password_hash, password or "") or not organizer.active:
        return None
    return organizer


def invite(inviter: Organizer | None, email: str, petition: Petition) -> InviteOutcome:
    """Invite `email` to organize `petition`.

    A new address gets an account and an invitation link (INVITED); so does
    an account whose invitation is still unanswered (setting its password is
    its owner's yes). An account in use is only offered the petition: it sees
    it once it accepts through the emailed link (OFFERED). ALREADY: it
    could see the petition before.
    """
    existing = find(email)
    if existing is None:
        organizer = create(email, petitions=[petition])
        audit.record([petition.id], audit.Kind.ACCESS_GRANTED, inviter, organizer.email)
        db.session.commit()
    elif access.can_manage(existing, petition.id):
        return InviteOutcome.ALREADY
    elif existing.password_hash:
        grant = grants.offer(inviter, existing, petition)
        audit.record([petition.id], audit.Kind.ACCESS_OFFERED, inviter, existing.email)
        db.session.commit()
        _enqueue(organizer_jobs.send_access_invitation, grant.id)
        return InviteOutcome.OFFERED
    else:
        organizer = existing
        assign(organizer, petition, inviter)
    _enqueue(
        organizer_jobs.send_invitation, organizer.id, inviter.id if inviter else None, petition.id
    )
    return InviteOutcome.INVITED


def request_reset(email: str) -> None:
    """Queue a reset link if the address has an account, at most
    RATELIMIT_RESET_ACCOUNT times per address; says nothing either way."""
    address = normalise(email)
    if not throttle.hit("reset-account", current_app.config["RATELIMIT_RESET_ACCOUNT"], address):
        log.info("Reset emails for this address used up; none queued")
        return
    organizer = find(address)
    if organizer is None or not organizer.active:
        return
    try:
        _enqueue(organizer_jobs.send_password_reset, organizer.id)
    except OrganizerError:
        pass  # logged; an error here only for real accounts would tell which exist


def _enqueue(job, *args):
    """Queue an email job of jobs/organizers.py with its retry policy."""
    try:
        jobs.queue(jobs.EMAIL_QUEUE).enqueue_call(
            job,
            args=args,
            retry=jobs.email_retry(),
            failure_ttl=30 * 86400,
            description=f"{job.__name__}{args}",
        )
    except RedisError:
        log.exception("Could not enqueue %s%s", job.__name__, args)
        raise OrganizerError(
            _("L'e-mail n'a pas pu être mis en file d'envoi. Réessayez.")
        ) from None


@dataclass
class LinkCheck:
    outcome: LinkOutcome
    organizer: Organizer | None = None


def inspect_link(purpose: str, token: str) -> LinkCheck:
    """Who an invitation or reset link (links.organizer_token) is for, if it is still good."""
    try:
        payload = tokens.read(purpose, token)
        organizer_id, fingerprint = tokens.row_id(payload, "o"), tokens.text(payload, "f")
    except tokens.TokenError as exc:
        return LinkCheck(LinkOutcome(exc.reason))
    organizer = db.session.get(Organizer, organizer_id)
    if organizer is None or not organizer.active:
        return LinkCheck(LinkOutcome.INVALID)
    if organizer.fingerprint() != fingerprint:
        return LinkCheck(LinkOutcome.USED)
    return LinkCheck(LinkOutcome.READY, organizer)


def set_password(purpose: str, token: str, password: str) -> LinkCheck:
    """Set the password through a good link; the link then stops working."""
    found = inspect_link(purpose, token)
    if found.outcome != LinkOutcome.READY:
        return found
    check_password_rules(password)
    found.organizer.password_hash = generate_password_hash(password)
    db.session.commit()
    return found


def list_all() -> Sequence[Organizer]:
    return db.session.scalars(select(Organizer).order_by(func.lower(Organizer.email))).all()


def petitions_by_slug(slugs: Collection[str]) -> Sequence[Petition]:
    found = db.session.scalars(select(Petition).where(Petition.slug.in_(slugs))).all()
    missing = set(slugs) - {p.slug for p in found}
    if missing:
        raise OrganizerError(_("Pétition inconnue : %(s)s", s=", ".join(sorted(missing))))
    return found


def create_and_invite(
    inviter: Organizer | None, email: str, slugs: Collection[str], is_admin: bool = False
) -> Organizer:
    """An administrator's invitation: a new account on these petitions."""
    chosen = petitions_by_slug(slugs)
    organizer = create(email, petitions=chosen, is_admin=is_admin)
    audit.record([p.id for p in chosen], audit.Kind.ACCESS_GRANTED, inviter, organizer.email)
    db.session.commit()
    first = chosen[0].id if chosen else None
    _enqueue(organizer_jobs.send_invitation, organizer.id, inviter.id if inviter else None, first)
    return organizer
