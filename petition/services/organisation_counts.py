"""Distinct organisations (by SIREN) of a petition's verified signers, as the
register check left them (organisation_checks): by status, by NAF section and
by headcount band. The public results, the API and the attestation read them.

A SIREN signed for several times counts once, with the best-known status
(`RANK`: active before closed before not_found before not_checked); a verified
signature with a number and no check yet counts as `not_checked`. Withdrawn or
invalidated signatures never count. No name here: the public pages must never
show a partial-diffusion unit's name, so they get numbers only.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..models import OrganisationCheck, RegisterStatus, Signature, SignatureState
from ..sirene import naf

#: Best-known first: which status a SIREN takes when its signatures differ.
RANK = {status: n for n, status in enumerate(RegisterStatus.ALL)}


@dataclass
class Organisation:
    """One SIREN as its best-known check says."""

    siren: str
    status: str
    signers: int = 0
    name: str | None = None  # the registered name; None for a partial-diffusion unit
    naf: str | None = None
    headcount: str | None = None
    in_territory: bool = False  # one of its checked establishments lies in the territory


COLUMNS = (
    func.substr(Signature.siren, 1, 9),
    OrganisationCheck.status,
    OrganisationCheck.registered_name,
    OrganisationCheck.partial_diffusion,
    OrganisationCheck.naf,
    OrganisationCheck.headcount,
    OrganisationCheck.in_territory,
)
#: The verified signatures that carry a number.
WITH_NUMBER = (
    Signature.state == SignatureState.VERIFIED,
    Signature.siren.is_not(None),
    Signature.siren != "",
)


def organisations(
    petition_id: int, signers: dict[str, int] | None = None, reader=None
) -> list[Organisation]:
    """Every distinct SIREN of the verified signers, sorted by SIREN.

    `signers`: the verified signers per SIREN when the caller has counted them
    already (the attestation's one pass); then only the checked signatures are
    read, from organisation_checks, instead of every signature of the petition,
    through `reader` (the connection that counted them, so at the same instant).
    """
    if signers is not None:
        return _fold(_rows_from_checks(petition_id, signers, reader or db.session))
    rows = db.session.execute(
        select(*COLUMNS, func.count())
        .outerjoin(OrganisationCheck, OrganisationCheck.signature_id == Signature.id)
        .where(Signature.petition_id == petition_id, *WITH_NUMBER)
        .group_by(*COLUMNS)
        .order_by(*COLUMNS)  # the same rows in the same order on both databases
    ).all()
    return _fold(rows)


def _rows_from_checks(petition_id, signers, reader):
    """The rows `organisations` reads, made from the checks plus, per SIREN, one
    row of NULLs for its signatures not checked yet (signers minus checked), in
    the place the database's ORDER BY gives NULLs: last on PostgreSQL, first on
    SQLite. Same rows in the same order, so `_fold` keeps the same names."""
    if not signers:
        return []  # no verified signature carries a number: no check can count
    checked = reader.execute(
        select(*COLUMNS, func.count())
        .join(OrganisationCheck, OrganisationCheck.signature_id == Signature.id)
        .where(
            OrganisationCheck.petition_id == petition_id,
            Signature.petition_id == petition_id,
            *WITH_NUMBER,
        )
        .group_by(*COLUMNS)
        .order_by(*COLUMNS)
    ).all()
    by_siren: dict[str, list] = {}
    for row in checked:
        by_siren.setdefault(row[0], []).append(tuple(row))
    nulls_last = db.engine.dialect.name == "postgresql"
    rows = []
    for siren in sorted(set(signers) | set(by_siren)):
        found = by_siren.get(siren, [])
        unchecked = signers.get(siren, 0) - sum(r[-1] for r in found)
        pending = [(siren, None, None, None, None, None, None, unchecked)] if unchecked > 0 else []
        rows.extend(found + pending if nulls_last else pending + found)
    return rows


def _fold(rows) -> list[Organisation]:
    found: dict[str, Organisation] = {}
    for siren_, status, name, partial, code, band, local, n in rows:
        status = status or RegisterStatus.NOT_CHECKED
        org = found.get(siren_)
        first = org is None
        if first:
            org = found[siren_] = Organisation(siren_, status)
        org.signers += n
        org.in_territory = org.in_territory or bool(local and status == RegisterStatus.ACTIVE)
        if first or RANK[status] < RANK[org.status]:
            org.status, org.naf, org.headcount = status, code, band
            org.name = None if partial else name
    return [found[s] for s in sorted(found)]


def register_counts(petition_id: int) -> dict[str, Any]:
    """The public figures: counts only (JSON, cached with the results)."""
    orgs = organisations(petition_id)
    active = [o for o in orgs if o.status == RegisterStatus.ACTIVE]
    return {
        "by_status": {s: sum(o.status == s for o in orgs) for s in RegisterStatus.ALL},
        "active": len(active),
        "active_in_territory": sum(o.in_territory for o in active),
        "by_section": _tally(naf.section(o.naf) for o in active),
        "by_headcount": _tally(o.headcount for o in active),
    }


def _tally(keys):
    counts: dict[str | None, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    rows = [{"code": k, "count": n} for k, n in counts.items()]
    return sorted(rows, key=lambda r: (-r["count"], r["code"] or "~"))
