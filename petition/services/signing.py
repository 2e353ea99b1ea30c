"""Signing and confirming: the path of one signature.

`sign` stores a pending row (the unique constraint settles races) and queues
the right email; `confirm` moves pending -> verified and the count with it,
in one transaction, by guarded updates.
"""

import functools
import logging
import threading
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from flask import current_app
from sqlalchemy import Integer, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from .. import jobs, tokens
from ..addresses import canonical_email, domain_of, hash_ip
from ..extensions import db
from ..jobs.organisations import queue_check
from ..jobs.signatures import EMAILS, send_confirmation
from ..models import Petition, Signature, SignatureState, utcnow
from ..telemetry import metrics
from . import abuse, counters, milestones

log = logging.getLogger(__name__)


class PetitionClosed(Exception):
    """Signing or confirming a petition that is not open."""


def sign(
    petition: Petition,
    data: Mapping[str, Any],
    ip: str | None = None,
    locale: str = "fr",
    also: Callable[[Any], int] | None = None,
) -> "Stored":
    """Record a signature request and queue its email; returns the row's Stored.

    `data` holds the cleaned form fields. Whatever happened (new, pending
    again, already verified), the caller shows the same page. `also(pipeline)`
    adds Redis commands (it returns how many) to the email's enqueue, in its
    one round trip: `Stored.queued` says whether they went through (never
    for an address that had signed before: its email goes another way).
    """
    if not petition.is_open():
        raise PetitionClosed(petition.slug)
    # Everything read from the petition is read now: the commit expires it,
    # and touching it afterwards would SELECT it again.
    petition_id = petition.id
    canonical = canonical_email(data["email"])
    ip_hash, domain = hash_ip(ip), domain_of(canonical)
    found = abuse.signals(petition_id, ip_hash, domain)
    values = _row(petition_id, data, canonical, ip_hash, domain, locale)
    try:
        with _one_writer():
            # Core INSERT ... RETURNING, committed at once: no ORM flush, no
            # reload, and SQLite's write lock held for two calls only.
            row = db.session.execute(_INSERT, values).one()
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _sign_again(petition_id, canonical)
    stored = Stored(row.id, row.token_nonce, petition_id)
    metrics.signature("signed")
    # The email job, the burst counters and `also` go to Redis in one round
    # trip; only a burst (or Redis down) costs SQL.
    counted = jobs.enqueue_email_with(
        send_confirmation,
        stored,
        1,
        also=lambda pipe: abuse.count_signals(pipe, petition_id, found) + _more(also, pipe),
    )
    if counted is None:
        _unqueued(stored.id)
    abuse.flag_bursts(petition_id, found, counted)  # counted None: SQL decides alone
    return replace(stored, queued=counted is not None and also is not None)


_SIGNATURES = Signature.__table__
_INSERT = _SIGNATURES.insert().returning(_SIGNATURES.c.id, _SIGNATURES.c.token_nonce)


def _row(petition_id, data, canonical, ip_hash, domain, locale):
    """The new row's columns (the table's defaults fill the others)."""
    return {
        "petition_id": petition_id,
        "status": SignatureState.PENDING,
        "first_name": data["first_name"],
        "last_name": data["last_name"],
        "email": data["email"],
        "canonical_email": canonical,
        "postal_code": data["postal_code"],
        "commune": data.get("commune"),
        "insee": data.get("insee"),
        "local": data.get("local"),
        "category": data["category"],
        "organisation": data.get("organisation") or None,
        "siren": data.get("siren") or None,
        "public": bool(data.get("public")),
        "news_opt_in": bool(data.get("news")),
        "locale": locale,
        "ip_hash": ip_hash,
        "email_domain": domain,
        "email_count": 1,
        "email_queued_at": utcnow(),
    }


def _more(also, pipe):
    return also(pipe) if also is not None else 0


#: SQLite has one writer at a time; a connection that finds the lock taken
#: sleeps and polls (1, 2, 5 … 100 ms), which makes the slow tail under load.
#: The threads of one process take turns here instead, woken as soon as the
#: lock is free: only the other processes' writers are left to poll for.
_SQLITE_WRITER = threading.Lock()


def _one_writer():
    if db.session.get_bind().dialect.name == "sqlite":
        return _SQLITE_WRITER
    return nullcontext()


@dataclass(frozen=True)
class Stored:
    """A row's identity, as email jobs name it (jobs.email_job_id); `queued`:
    its email and the caller's `also` went to Redis with the new row."""

    id: int
    token_nonce: str
    petition_id: int
    queued: bool = False


def _sign_again(petition_id, canonical):
    """The address already signed: re-send the right email, under the cap."""
    signature = db.session.scalars(_signed_with(petition_id, canonical)).one()
    _email_again(signature)
    return Stored(signature.id, signature.token_nonce, petition_id)


def email_again(petition_id: int, canonical: str) -> None:
    """Send again what signing again with this address would send (the
    "check your inbox" page's button); nothing when it never signed."""
    signature = db.session.scalars(_signed_with(petition_id, canonical)).first()
    if signature is not None:
        _email_again(signature)


def _signed_with(petition_id, canonical):
    return select(Signature).where(
        Signature.petition_id == petition_id, Signature.canonical_email == canonical
    )


def _email_again(signature):
    job = EMAILS.get(signature.state)
    if job is None:  # invalidated: no email, and the page says nothing either
        return
    cap = current_app.config["MAX_EMAILS_PER_SIGNATURE"]
    # The count this request moved to, read back from its own UPDATE: racing
    # requests each get a distinct number, hence a distinct job id.
    email_count = db.session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.email_count < cap)
        .values(email_count=Signature.email_count + 1, email_queued_at=utcnow())
        .returning(Signature.email_count)
    ).scalar()
    db.session.commit()
    if email_count:
        _queue(signature, job, email_count)
    else:
        log.info("Email cap reached for signature %s", signature.id)


def _queue(signature, job, email_count):
    if not jobs.enqueue_email(job, signature, email_count):
        _unqueued(signature.id)


def _unqueued(signature_id):
    """Redis is down: the row stays, marked unqueued, for the sweeper."""
    db.session.execute(
        update(Signature).where(Signature.id == signature_id).values(email_queued_at=None)
    )
    db.session.commit()


class ConfirmOutcome(StrEnum):
    """What a confirmation link leads to (templates compare the strings)."""

    READY = "ready"  # pending: the page shows the button
    CONFIRMED = "confirmed"  # this click verified it
    ALREADY = "already"  # verified before
    CLOSED = "closed"  # the petition takes no signature now
    INVALID = tokens.TokenReason.INVALID.value
    OUTDATED = tokens.TokenReason.OUTDATED.value
    EXPIRED = tokens.TokenReason.EXPIRED.value


@dataclass
class Confirmation:
    """What a confirmation token leads to."""

    outcome: ConfirmOutcome
    signature: Signature | None = None
    petition: Petition | None = None


def linked_signature(payload: Any) -> Signature | None:
    """The signature a confirm or withdraw link (links.link_payload) was made for, or None when
    that row is gone (deleted, its id perhaps given to another row).

    Raises TokenError(INVALID) for a payload naming no usable id or nonce,
    TokenError(OUTDATED) for a link made before links carried the nonce:
    its id alone cannot tell its row from a later one (README, Security).
    """
    signature_id = tokens.row_id(payload, "s")
    if "n" not in payload:
        raise tokens.TokenError(tokens.TokenReason.OUTDATED)
    nonce = tokens.text(payload, "n")
    # Its petition in the same SELECT: every page of a link shows it.
    signature = db.session.get(Signature, signature_id, options=[joinedload(Signature.petition)])
    if signature is None or signature.token_nonce != nonce:
        return None
    return signature


def inspect(token: str) -> Confirmation:
    """Read a confirmation token without changing anything (the GET page)."""
    try:
        signature = linked_signature(tokens.read("confirm", token))
    except tokens.TokenError as exc:
        return Confirmation(ConfirmOutcome(exc.reason), petition=_petition_of(exc.payload))
    if signature is None or signature.state in (
        SignatureState.WITHDRAWN,
        SignatureState.INVALIDATED,
    ):
        return Confirmation(ConfirmOutcome.INVALID, petition=signature and signature.petition)
    petition = signature.petition
    if signature.state == SignatureState.VERIFIED:
        return Confirmation(ConfirmOutcome.ALREADY, signature, petition)
    if not petition.is_open():
        return Confirmation(ConfirmOutcome.CLOSED, signature, petition)
    return Confirmation(ConfirmOutcome.READY, signature, petition)


def _petition_of(payload):
    """The petition an expired token was for, so its page can offer to sign again."""
    if payload is None:
        return None
    try:
        signature = linked_signature(payload)
    except tokens.TokenError:
        return None
    return signature.petition if signature is not None else None


def confirm(token: str) -> Confirmation:
    """Verify the signature the token names; harmless when repeated."""
    found = inspect(token)
    if found.outcome != ConfirmOutcome.READY:
        return found
    signature, petition = found.signature, found.petition
    now = utcnow()
    moved = db.session.execute(
        _verify_statement(), {"signature_id": signature.id, "now": now}
    ).rowcount
    if not moved:  # verified meanwhile by another click: show it as it is now
        db.session.commit()
        return Confirmation(ConfirmOutcome.ALREADY, signature, petition)
    counts = counters.adjust(
        petition.id, +1, local=1 if signature.local else 0, also=milestones.due
    )
    reached = milestones.reach(petition.id) if counts is not None and counts.also else []
    _commit_keeping_loaded()
    set_committed_value(signature, "state", SignatureState.VERIFIED)
    set_committed_value(signature, "verified_at", now)
    _show_counts(petition, counts)
    counters.changed(petition.id)
    milestones.announce(reached)
    metrics.signature("confirmed")
    queue_check(signature)  # the register check of its organisation, on the worker
    return Confirmation(ConfirmOutcome.CONFIRMED, signature, petition)


@functools.cache
def _verify_statement():
    """pending -> verified, guarded; built once per process (Core: the ORM's
    synchronisation of the session is done by hand after the commit)."""
    signatures = Signature.__table__
    return (
        update(signatures)
        .where(
            signatures.c.id == bindparam("signature_id", type_=Integer),
            signatures.c.status == SignatureState.PENDING,
        )
        .values(status=SignatureState.VERIFIED, verified_at=bindparam("now"))
    )


def _commit_keeping_loaded():
    """Commit without expiring what the session holds: the signature and its
    petition were read in this transaction and every change the transaction
    made is then set on them (the signature's state, the petition's counts:
    `_show_counts`), so the page needs no SELECT after the commit."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def _show_counts(petition, counts):
    """The counts this transaction committed, as the confirmation page shows them."""
    if counts is None:  # the petition's row refused the change (gone): read it again
        db.session.refresh(petition)
        return
    for name in ("signature_count", "local_count", "paper_count", "updated_at"):
        set_committed_value(petition, name, getattr(counts, name))
