"""One question to the register: what is this SIREN or SIRET?

The imported extract answers first; the online API (when configured) answers
for numbers the extract does not hold. The answer is a `RegisterEntry` whose
status is one of `RegisterStatus.ALL`.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import RegisterSource, RegisterStatus, SireneEstablishment, SireneUnit
from ..models.core import utcnow
from . import api

log = logging.getLogger(__name__)

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
    held = establishment is not None or (unit is not None and len(number) == 9)
    if held and not _stale(unit, establishment):
        return entry_from(unit, establishment, siren)
    if not api.configured() or api.known_missing(number):
        if unit is None and establishment is None:
            return RegisterEntry(status=RegisterStatus.NOT_FOUND, siren=siren)
        return entry_from(unit, establishment, siren)
    return _ask_api(number, siren) or entry_from(unit, establishment, siren)


def _stale(unit, establishment):
    """An API answer older than SIRENE_API_MAX_AGE (stock rows are never stale:
    the next import replaces them)."""
    limit = utcnow() - timedelta(seconds=current_app.config["SIRENE_API_MAX_AGE"])
    rows = [r for r in (unit, establishment) if r is not None and r.source == RegisterSource.API]
    return any(_aware(r.updated_at) < limit for r in rows)


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _ask_api(number, siren):
    """The API's answer, stored; `not_checked` when the API cannot tell; None
    when it cannot tell but rows we hold (stale) still can."""
    try:
        result = api.search(number)
    except api.Unavailable as error:
        log.warning("sirene api: %s unanswered (%s); not_checked", number, error)
        if db.session.get(SireneUnit, siren) is not None:
            return None
        return RegisterEntry(status=RegisterStatus.NOT_CHECKED, siren=siren)
    if result is None:
        return RegisterEntry(status=RegisterStatus.NOT_FOUND, siren=siren)
    unit_row = api.unit_row(result)
    place_row = api.establishment_row(result, number)
    if len(number) == 14 and place_row is None:
        return RegisterEntry(status=RegisterStatus.NOT_FOUND, siren=siren)
    _store(SireneUnit, unit_row)
    if place_row:
        _store(SireneEstablishment, place_row)
    unit = SireneUnit(**unit_row, source=RegisterSource.API)
    place = SireneEstablishment(**place_row, source=RegisterSource.API) if place_row else None
    return entry_from(unit, place, siren)


def _store(model, row):
    """Upsert an API answer in a savepoint of the caller's transaction: a
    failure here loses the cache, never the caller's work."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    values = {**row, "source": RegisterSource.API, "updated_at": utcnow()}
    key = model.__table__.primary_key.columns.keys()
    statement = dialect.insert(model).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=key, set_={k: v for k, v in values.items() if k not in key}
    )
    try:
        with db.session.begin_nested():
            db.session.execute(statement)
    except SQLAlchemyError as error:
        log.warning("sirene api: answer not cached (%s)", error)


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
