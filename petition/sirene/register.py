"""One question to the register: what is this SIREN or SIRET?

The imported extract answers first; the online API (when configured) answers
for numbers the extract does not hold. The answer is a `RegisterEntry` whose
status is one of `RegisterStatus.ALL`.
"""

from dataclasses import dataclass

from ..extensions import db
from ..models import RegisterStatus, SireneEstablishment, SireneUnit

ACTIVE_UNIT = "A"  # etatAdministratifUniteLegale
ACTIVE_ESTABLISHMENT = "A"  # etatAdministratifEtablissement (F: fermé)
PARTIAL = "P"  # statutDiffusion…: partially non-diffusible, never shown publicly


@dataclass(frozen=True)
class RegisterEntry:
    """What the register says of one number, with the establishment it points to."""

    status: str
    siren: str
    siret: str | None = None
    name: str | None = None  # the registered name (the unit's, else the establishment's)
    partial_diffusion: bool = False
    naf: str | None = None
    headcount: str | None = None
    commune: str | None = None
    x: float | None = None
    y: float | None = None
    source: str | None = None


def lookup(number: str) -> RegisterEntry:
    """The register's answer for a SIREN (9 digits) or a SIRET (14 digits).

    A SIREN points to the unit's head office. Never raises for an unknown
    number: that is `not_found`.
    """
    number = "".join(ch for ch in number if ch.isdigit())
    siren = number[:9]
    unit = db.session.get(SireneUnit, siren)
    establishment = _establishment(number, siren)
    if unit is None and establishment is None:
        return RegisterEntry(status=RegisterStatus.NOT_FOUND, siren=siren)
    return entry_from(unit, establishment, siren)


def _establishment(number: str, siren: str) -> SireneEstablishment | None:
    if len(number) == 14:
        return db.session.get(SireneEstablishment, number)
    return db.session.scalars(
        db.select(SireneEstablishment)
        .where(SireneEstablishment.siren == siren)
        .order_by(SireneEstablishment.head_office.desc(), SireneEstablishment.siret)
        .limit(1)
    ).first()


def entry_from(
    unit: SireneUnit | None, establishment: SireneEstablishment | None, siren: str
) -> RegisterEntry:
    """The entry for a unit and/or one of its establishments, as stored."""
    unit_active = unit is None or unit.state == ACTIVE_UNIT
    place_active = establishment is None or establishment.state == ACTIVE_ESTABLISHMENT
    status = RegisterStatus.ACTIVE if unit_active and place_active else RegisterStatus.CLOSED
    partial = PARTIAL in ((unit and unit.diffusion), (establishment and establishment.diffusion))
    name = (unit and unit.name) or (
        establishment and (establishment.usual_name or establishment.sign)
    )
    return RegisterEntry(
        status=status,
        siren=siren,
        siret=establishment.siret if establishment else None,
        name=name or None,
        partial_diffusion=bool(partial),
        naf=establishment.naf if establishment else None,
        headcount=establishment.headcount if establishment else None,
        commune=establishment.commune if establishment else None,
        x=establishment.x if establishment else None,
        y=establishment.y if establishment else None,
        source=(unit or establishment).source,
    )
