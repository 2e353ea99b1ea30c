"""Sample audits: an organizer asks a random sample of the verified signers to
confirm, by one click, that they signed (docs/attestations.md, "Audit").

`start` draws the sample in one transaction: verified signers with an address
whose email cap is not reached, never drawn before for this petition (the
unique constraint on audit_samples holds that even against a racing start),
picked with `secrets.SystemRandom`; then the worker emails them
(jobs/sample_audits.py). Figures count only the sampled signers still
verified: a withdrawal erases the signer and deletes their sample row
(services/erasure.py), an invalidation drops them from every denominator.
"""

import math
import secrets
from dataclasses import asdict, dataclass

from flask import current_app
from sqlalchemy import and_, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..jobs import sample_audits as audit_jobs
from ..models import (
    MAX_ID,
    Answer,
    AuditSample,
    AuditState,
    Organizer,
    Petition,
    SampleAudit,
    SampleState,
    Signature,
    SignatureState,
    utcnow,
)
from . import audit, sample_sending

#: The normal quantile of a 95 % two-sided interval.
Z95 = 1.959964
#: The margin the default size aims at (±5 points), at the worst case p = 0.5.
DEFAULT_MARGIN = 0.05


class AuditError(Exception):
    """What the organizer asked cannot be done; `reason` names why."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def default_size(population: int, margin: float = DEFAULT_MARGIN, z: float = Z95) -> int:
    """The sample size giving ±margin at 95 % for a proportion near 50 %, with the
    finite population correction: n0 = z²·0.25/margin², n = n0 / (1 + (n0 − 1)/N)."""
    if population <= 0:
        return 0
    n0 = z * z * 0.25 / (margin * margin)
    return min(population, math.ceil(n0 / (1 + (n0 - 1) / population)))


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (None when nobody answered)."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def verified_count(petition: Petition) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Signature)
        .where(Signature.petition_id == petition.id, Signature.state == SignatureState.VERIFIED)
    )


def _eligible(petition_id: int):
    """Ids of the signers an audit may draw now."""
    drawn = select(AuditSample.signature_id).where(AuditSample.petition_id == petition_id)
    return select(Signature.id).where(
        Signature.petition_id == petition_id,
        Signature.state == SignatureState.VERIFIED,
        Signature.email.is_not(None),
        Signature.email_count < current_app.config["MAX_EMAILS_PER_SIGNATURE"],
        Signature.id.not_in(drawn),
    )


def eligible_count(petition: Petition) -> int:
    return db.session.scalar(select(func.count()).select_from(_eligible(petition.id).subquery()))


def audits_of(petition: Petition) -> list[SampleAudit]:
    return db.session.scalars(
        select(SampleAudit)
        .where(SampleAudit.petition_id == petition.id)
        .order_by(SampleAudit.id.desc())
    ).all()


def get(petition: Petition, audit_id: int) -> SampleAudit | None:
    found = db.session.get(SampleAudit, audit_id) if 0 < audit_id <= MAX_ID else None
    return found if found is not None and found.petition_id == petition.id else None


def start(petition: Petition, size: int, organizer: Organizer | None) -> SampleAudit:
    """Draw `size` signers (fewer if fewer are eligible), queue their emails.
    AuditError("open") while another audit of the petition is open,
    ("empty") when nobody can be drawn."""
    if db.session.scalar(
        select(SampleAudit.id).where(
            SampleAudit.petition_id == petition.id, SampleAudit.state == AuditState.OPEN
        )
    ):
        raise AuditError("open")
    ids = db.session.scalars(_eligible(petition.id)).all()
    if not ids or size <= 0:
        raise AuditError("empty")
    drawn = secrets.SystemRandom().sample(ids, min(size, len(ids)))
    found = SampleAudit(
        petition_id=petition.id,
        organizer_id=getattr(organizer, "id", None),
        population=verified_count(petition),
        requested=size,
    )
    db.session.add(found)
    db.session.flush()
    try:
        db.session.execute(
            insert(AuditSample),
            [{"audit_id": found.id, "petition_id": petition.id, "signature_id": s} for s in drawn],
        )
    except IntegrityError:  # another start drew some of them at the same moment
        db.session.rollback()
        raise AuditError("open") from None
    audit.record(
        [petition.id],
        audit.Kind.SAMPLE_AUDIT_STARTED,
        organizer,
        audit_id=found.id,
        requested=size,
        drawn=len(drawn),
        population=found.population,
    )
    db.session.commit()
    audit_jobs.enqueue(found.id)
    return found


def close(found: SampleAudit, organizer: Organizer | None) -> bool:
    """No more emails, no more answers. True if this call closed it."""
    moved = db.session.execute(
        update(SampleAudit)
        .where(SampleAudit.id == found.id, SampleAudit.state == AuditState.OPEN)
        .values(state=AuditState.CLOSED, closed_at=utcnow())
    ).rowcount
    if moved:
        sample_sending.skip_unsent(found.id)
        audit.record(
            [found.petition_id], audit.Kind.SAMPLE_AUDIT_CLOSED, organizer, audit_id=found.id
        )
    db.session.commit()
    return bool(moved)


@dataclass
class Figures:
    """An audit's counts, over the sampled signers still verified."""

    drawn: int = 0  # in the sample and still verified
    waiting: int = 0  # email not sent yet
    not_reached: int = 0  # skipped (email cap) or refused by the mail server
    emailed: int = 0  # the sample size the figures below are read against
    yes: int = 0
    no: int = 0

    @property
    def answered(self) -> int:
        return self.yes + self.no

    @property
    def no_answer(self) -> int:
        return self.emailed - self.answered

    @property
    def rate(self) -> float | None:
        """Confirmations among the answers (a non-answer is neither yes nor no)."""
        return self.yes / self.answered if self.answered else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.yes, self.answered)


def figures(where) -> Figures:
    """The figures of the samples matching `where` (one audit, or a petition)."""
    sent = AuditSample.state == SampleState.SENT
    row = db.session.execute(
        select(
            func.count(),
            func.count(case((AuditSample.state.in_(SampleState.WAITING), 1))),
            func.count(case((sent, 1))),
            func.count(case((and_(sent, AuditSample.answer == Answer.YES), 1))),
            func.count(case((and_(sent, AuditSample.answer == Answer.NO), 1))),
        )
        .select_from(AuditSample)
        .join(Signature, Signature.id == AuditSample.signature_id)
        .where(where, Signature.state == SignatureState.VERIFIED)
    ).one()
    drawn, waiting, emailed, yes, no = row
    return Figures(drawn, waiting, drawn - waiting - emailed, emailed, yes, no)


def of_audit(audit_id: int) -> Figures:
    return figures(AuditSample.audit_id == audit_id)


def decimal(value: float) -> str:
    """A share as the payload writes it: a decimal string with 4 places
    ("0.7500"). The signed payload holds no floats: every language would not
    write them back the same way, and the canonical bytes would differ."""
    return f"{value:.4f}"


def _stated(f: Figures) -> dict:
    interval = f.interval
    return {
        **asdict(f),
        "answered": f.answered,
        "no_answer": f.no_answer,
        "confirmation_rate": None if f.rate is None else decimal(f.rate),
        "confidence_interval_95": None if interval is None else [decimal(v) for v in interval],
    }


def attestation_section(petition_id: int) -> dict:
    """What an attestation states of the petition's audits: each audit and,
    as nobody is drawn twice, all of them as one sample."""
    audits = db.session.scalars(
        select(SampleAudit).where(SampleAudit.petition_id == petition_id).order_by(SampleAudit.id)
    ).all()
    return {
        "method": "random_sample_of_verified_signers_asked_by_email_one_click_no_login",
        "rate_over": "answers_yes_plus_no",
        "interval": "wilson_score_95",
        "audits": [
            {
                "id": a.id,
                "state": a.state,
                "started": a.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "population_at_start": a.population,
                "requested": a.requested,
                **_stated(of_audit(a.id)),
            }
            for a in audits
        ],
        "all_audits": _stated(figures(AuditSample.petition_id == petition_id)),
    }
