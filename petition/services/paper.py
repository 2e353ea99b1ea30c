"""Paper signatures: recorded by an organiser, one by one or from a CSV,
counted apart (petitions.paper_count, part of signature_count) and checked
against the others.

A batch is written whole or not at all: sheet references already used are
reported by line first, and a race lost on a unique constraint (the same
address signing online meanwhile) rolls everything back. Deduplication:
- the same canonical email as another signature: the paper row is kept,
  invalidated as a duplicate (paper_review "email"), so the person counts once;
- else the same name and postal code: counted, flagged (paper_review "name");
  the organiser keeps it or invalidates it (moderation, so it can be restored).
Counts move by counters.adjust in the same transaction, as everywhere.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..addresses import canonical_email, domain_of
from ..extensions import db
from ..geo import fold
from ..models import PaperReview, Petition, Signature, SignatureSource, SignatureState, utcnow
from . import audit, counters, erasure_log, milestones
from .erasure import ERASED

LIVE = (SignatureState.PENDING, SignatureState.VERIFIED)


class PaperError(ValueError):
    """Rows that cannot be recorded: `errors` is [(line or None, message)]."""

    def __init__(self, errors: list[tuple[int | None, str]]):
        super().__init__("; ".join(message for _line, message in errors))
        self.errors = errors


@dataclass
class Recorded:
    signatures: list[Signature] = field(default_factory=list)
    counted: int = 0
    duplicates: int = 0  # same email as another signature: not counted
    to_review: int = 0  # same name and postal code: counted, flagged


def record(
    petition: Petition, rows: Sequence[dict], actor, file_name: str | None = None
) -> Recorded:
    """Record `rows` (forms/paper.py's cleaned rows, with `line` from a CSV)."""
    _check_sheet_refs(petition, rows)
    emails, names = _known(petition.id, rows)
    done = Recorded()
    links = [_add(petition, row, emails, names, done) for row in rows]
    try:
        db.session.flush()  # one batch of INSERTs; the ids of this batch exist from here
    except IntegrityError:
        db.session.rollback()
        raise PaperError(
            [(None, _("Une signature a été enregistrée en même temps : recommencez."))]
        ) from None
    for signature, target in links:
        if target is not None:
            _link(signature, target if isinstance(target, int) else target.id)
    local = sum(1 for s in done.signatures if s.local and s.paper_review != PaperReview.EMAIL)
    reached = []
    if done.counted:
        counters.adjust(petition.id, done.counted, local=local, paper=done.counted)
        reached = milestones.reach(petition.id)
    _audit(petition, actor, rows, done, file_name)
    db.session.commit()
    if done.counted:
        counters.changed(petition.id)
        milestones.announce(reached)
    return done


def _check_sheet_refs(petition, rows):
    refs = {row["sheet_ref"]: row.get("line") for row in rows}
    taken = db.session.scalars(
        select(Signature.sheet_ref).where(
            Signature.petition_id == petition.id, Signature.sheet_ref.in_(list(refs))
        )
    ).all()
    if taken:
        raise PaperError(
            [
                (refs[ref], _("la référence %(ref)s est déjà enregistrée.", ref=ref))
                for ref in sorted(taken, key=lambda r: refs[r] or 0)
            ]
        )


def _name_key(first_name, last_name, postal_code):
    return fold(f"{first_name} {last_name}"), postal_code


def _known(petition_id, rows):
    """The live signatures these rows could repeat: by canonical email, by name."""
    canonicals = {canonical_email(row["email"]) for row in rows if row.get("email")}
    emails = dict(
        db.session.execute(
            select(Signature.canonical_email, Signature.id).where(
                Signature.petition_id == petition_id,
                Signature.canonical_email.in_(list(canonicals)),
            )
        ).all()
    )
    found = db.session.execute(
        select(Signature.id, Signature.first_name, Signature.last_name, Signature.postal_code)
        .where(
            Signature.petition_id == petition_id,
            Signature.state.in_(LIVE),
            Signature.postal_code.in_({row["postal_code"] for row in rows}),
        )
        .order_by(Signature.id)
    ).all()
    names = {}
    for row in found:
        names.setdefault(_name_key(row.first_name, row.last_name, row.postal_code), row.id)
    return emails, names


def _add(petition, row, emails, names, done):
    """A new row, and what it repeats: an id, another new row, or None."""
    canonical = canonical_email(row["email"]) if row.get("email") else None
    key = _name_key(row["first_name"], row["last_name"], row["postal_code"])
    signature = Signature(
        petition_id=petition.id,
        source=SignatureSource.PAPER,
        state=SignatureState.VERIFIED,
        verified_at=utcnow(),
        first_name=row["first_name"],
        last_name=row["last_name"],
        email=row.get("email"),
        email_domain=domain_of(canonical) if canonical else None,
        postal_code=row["postal_code"],
        commune=row.get("commune"),
        insee=row.get("insee"),
        local=row.get("local"),
        category=row["category"],
        organisation=row.get("organisation"),
        siren=row.get("siren"),
        sheet_ref=row["sheet_ref"],
        collected_on=row["collected_on"],
        event_name=row.get("event_name"),
    )
    db.session.add(signature)
    done.signatures.append(signature)
    target = None
    if canonical in emails:
        target = emails[canonical]
        signature.state = SignatureState.INVALIDATED
        signature.verified_at = None
        signature.invalidated_at = utcnow()
        signature.paper_review = PaperReview.EMAIL
        done.duplicates += 1
        return signature, target
    done.counted += 1
    signature.canonical_email = canonical
    if canonical:
        emails[canonical] = signature
    if key in names:
        target = names[key]
        signature.paper_review = PaperReview.NAME
        done.to_review += 1
    else:
        names[key] = signature
    return signature, target


def _link(signature, target_id):
    signature.duplicate_of_id = target_id
    if signature.paper_review == PaperReview.EMAIL:
        signature.invalidation_reason = _(
            "Doublon de la signature n° %(id)s (même adresse e-mail)", id=target_id
        )


def _audit(petition, actor, rows, done, file_name):
    details = {
        "rows": len(rows),
        "counted": done.counted,
        "duplicates": done.duplicates,
        "to_review": done.to_review,
    }
    if file_name is not None:
        audit.record([petition.id], audit.Kind.PAPER_IMPORT, actor, file_name, **details)
    else:
        sheet = rows[0]["sheet_ref"] if rows else None
        audit.record([petition.id], audit.Kind.PAPER_RECORD, actor, sheet, **details)


def listing(petition: Petition, limit: int = 200) -> Sequence[Signature]:
    """The paper signatures, those to review first, then newest first."""
    return db.session.scalars(
        select(Signature)
        .where(Signature.petition_id == petition.id, Signature.source == SignatureSource.PAPER)
        .order_by(
            (Signature.paper_review == PaperReview.NAME).desc(),
            Signature.id.desc(),
        )
        .limit(limit)
    ).all()


def to_review(petition: Petition) -> int:
    return db.session.scalar(
        select(func.count()).where(
            Signature.petition_id == petition.id,
            Signature.paper_review == PaperReview.NAME,
            Signature.state == SignatureState.VERIFIED,
        )
    )


def _paper_row(petition, signature_id):
    signature = db.session.get(Signature, signature_id)
    if (
        signature is None
        or signature.petition_id != petition.id
        or signature.source != SignatureSource.PAPER
    ):
        raise PaperError([(None, _("Signature papier introuvable."))])
    return signature


def keep(petition: Petition, signature_id: int, actor) -> None:
    """The organiser checked a same-name flag: both are real people; clear it."""
    signature = _paper_row(petition, signature_id)
    cleared = db.session.execute(
        update(Signature)
        .where(Signature.id == signature.id, Signature.paper_review == PaperReview.NAME)
        .values(paper_review=None)
    ).rowcount
    if cleared:
        audit.record([petition.id], audit.Kind.PAPER_KEPT, actor, signature.sheet_ref)
    db.session.commit()


def withdraw(petition: Petition, signature_id: int, actor) -> bool:
    """The signer asked (by letter, in person) to withdraw a paper signature:
    it leaves the counts and its personal data are erased, as online."""
    signature = _paper_row(petition, signature_id)
    was = signature.state
    moved = db.session.execute(
        update(Signature)
        .where(
            Signature.id == signature.id,
            Signature.state == was,
            Signature.first_name.is_not(None),
        )
        .values(state=SignatureState.WITHDRAWN, withdrawn_at=utcnow(), **ERASED)
    ).rowcount
    if moved and was == SignatureState.VERIFIED:
        counters.adjust(petition.id, -1, local=-1 if signature.local else 0, paper=-1)
    if moved:
        erasure_log.record(signature)
        audit.record([petition.id], audit.Kind.PAPER_WITHDRAWN, actor, signature.sheet_ref)
    db.session.commit()
    if moved and was == SignatureState.VERIFIED:
        counters.changed(petition.id)
    return bool(moved)
