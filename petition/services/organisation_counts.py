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


def organisations(petition_id: int) -> list[Organisation]:
    """Every distinct SIREN of the verified signers, sorted by SIREN."""
    siren = func.substr(Signature.siren, 1, 9)
    columns = (
        siren,
        OrganisationCheck.status,
        OrganisationCheck.registered_name,
        OrganisationCheck.partial_diffusion,
        OrganisationCheck.naf,
        OrganisationCheck.headcount,
        OrganisationCheck.in_territory,
    )
    rows = db.session.execute(
        select(*columns, func.count())
        .outerjoin(OrganisationCheck, OrganisationCheck.signature_id == Signature.id)
        .where(
            Signature.petition_id == petition_id,
            Signature.state == SignatureState.VERIFIED,
            Signature.siren.is_not(None),
            Signature.siren != "",
        )
        .group_by(*columns)
        .order_by(*columns)  # the same rows in the same order on both databases
    ).all()
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
