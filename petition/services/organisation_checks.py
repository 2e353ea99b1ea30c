"""Each signature's organisation checked against the Sirene register.

The worker calls `check(signature_id)` after a confirmation
(jobs/organisations.py), never the web request: the register may be a large
table or a slow API. The answer is copied into `organisation_checks`, so pages,
exports and the attestation read it without asking the register again. A
`not_checked` answer (the API failed) is retried later by the chore, with a
delay that grows with the attempts (`retry_delay`). After a new stock import,
`recheck_unfound()` makes the `not_found` and `not_checked` answers due at
once, so the chore asks the new register; `active` and `closed` stay.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..geo import geography
from ..models import OrganisationCheck, RegisterStatus, Signature, SignatureState, utcnow
from ..sirene import register

log = logging.getLogger(__name__)

#: First retry of a `not_checked` answer, doubled each attempt, capped.
RETRY_BASE = timedelta(minutes=5)
RETRY_CAP = timedelta(hours=12)
#: Signatures one run of the chore checks (the next run takes the rest).
BATCH = 500


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed check."""
    return min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_CAP)


def needs_check(signature: Signature) -> bool:
    return bool(signature.siren) and signature.state == SignatureState.VERIFIED


def check(signature_id: int, now: datetime | None = None) -> str | None:
    """Ask the register about the signature's SIREN/SIRET and store the answer.

    Idempotent: a signature already checked (any status but `not_checked`,
    unless `recheck_unfound` made it due again), gone, not verified or without
    a number is left alone. Returns the status
    stored, or None when nothing was done. Database errors raise (the job fails
    loudly and the chore tries again).
    """
    signature = db.session.get(Signature, signature_id)
    if signature is None or not needs_check(signature):
        return None
    found = db.session.get(OrganisationCheck, signature_id)
    if found is not None and not _open(found):
        return found.status
    entry = register.lookup(signature.siren)
    now = now or utcnow()
    values = _values(signature, entry, (found.attempts if found else 0) + 1, now)
    if found is None:
        db.session.add(OrganisationCheck(signature_id=signature_id, **values))
    else:
        for name, value in values.items():
            setattr(found, name, value)
    try:
        db.session.commit()
    except IntegrityError:  # the chore and the job raced: the other one stored it
        db.session.rollback()
        log.info("Organisation of signature %s checked meanwhile", signature_id)
        return None
    if entry.status == RegisterStatus.NOT_CHECKED:
        log.warning("Register not reached for signature %s; retried later", signature_id)
    return entry.status


def _open(found: OrganisationCheck) -> bool:
    """Whether a stored answer may be asked again: `not_checked`, or any
    answer with a next attempt set (`recheck_unfound`)."""
    return found.status == RegisterStatus.NOT_CHECKED or found.next_attempt_at is not None


def recheck_unfound(now: datetime | None = None) -> int:
    """After a new stock import: what the register did not know (`not_found`)
    or could not answer (`not_checked`) is due again now; the chore
    (`due()`) asks the new register. Returns how many checks were reopened."""
    now = now or utcnow()
    reopened = db.session.execute(
        update(OrganisationCheck)
        .where(OrganisationCheck.status.in_((RegisterStatus.NOT_FOUND, RegisterStatus.NOT_CHECKED)))
        .values(next_attempt_at=now)
    ).rowcount
    db.session.commit()
    return reopened


def _values(signature, entry, attempts, now):
    retry = entry.status == RegisterStatus.NOT_CHECKED
    return {
        "petition_id": signature.petition_id,
        "status": entry.status,
        "siren": entry.siren,
        "siret": entry.siret,
        "registered_name": entry.name,
        "partial_diffusion": entry.partial_diffusion,
        "naf": entry.naf,
        "headcount": entry.headcount,
        "commune": entry.commune,
        "in_territory": in_territory(signature.petition, entry.commune),
        "source": entry.source,
        "attempts": attempts,
        "checked_at": now,
        "next_attempt_at": now + retry_delay(attempts) if retry else None,
    }


def in_territory(petition, commune: str | None) -> bool | None:
    """Whether an establishment's commune lies in the petition's territory
    (an arrondissement counts as its city); None when the commune is unknown."""
    if not commune:
        return None
    codes = petition.territory_codes
    if commune in codes:
        return True
    known = geography().commune(commune)
    return bool(known and known.commune_code in codes)


def with_status(query: Select, status: str) -> Select:
    """`query` (of signatures) narrowed to those whose organisation has `status`;
    `not_checked` includes signatures with a number and no check yet."""
    query = query.outerjoin(OrganisationCheck, OrganisationCheck.signature_id == Signature.id)
    if status != RegisterStatus.NOT_CHECKED:
        return query.where(OrganisationCheck.status == status)
    return query.where(
        Signature.siren.is_not(None),
        Signature.siren != "",
        or_(
            OrganisationCheck.status.is_(None),
            OrganisationCheck.status == RegisterStatus.NOT_CHECKED,
        ),
    )


def checks_of(signature_ids) -> dict[int, OrganisationCheck]:
    """The checks of these signatures, by signature id (for the organiser's lists)."""
    ids = list(signature_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(OrganisationCheck).where(OrganisationCheck.signature_id.in_(ids))
    )
    return {row.signature_id: row for row in rows}


def due(now: datetime | None = None, limit: int = BATCH) -> list[int]:
    """Ids of verified signatures with a number whose check is missing (the
    queue was down at confirmation), whose `not_checked` retry is due, or
    whose `not_found` was reopened by a new import (`recheck_unfound`)."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(Signature.id)
        .outerjoin(OrganisationCheck, OrganisationCheck.signature_id == Signature.id)
        .where(
            Signature.state == SignatureState.VERIFIED,
            Signature.siren.is_not(None),
            Signature.siren != "",
            or_(
                OrganisationCheck.signature_id.is_(None),
                and_(
                    OrganisationCheck.status == RegisterStatus.NOT_CHECKED,
                    or_(
                        OrganisationCheck.next_attempt_at.is_(None),
                        OrganisationCheck.next_attempt_at <= now,
                    ),
                ),
                and_(
                    OrganisationCheck.status == RegisterStatus.NOT_FOUND,
                    OrganisationCheck.next_attempt_at <= now,
                ),
            ),
        )
        .order_by(Signature.id)
        .limit(limit)
    )
    return list(rows)
