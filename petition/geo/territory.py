"""A petition's territory: areas (communes, EPCI, départements) given by official
codes, expanded to the INSEE codes of their communes.

Expansions are cached per distinct set of areas (bounded LRU), so reading a
petition's territory on the signing path is a dictionary lookup once warm.
"""

import re
from functools import lru_cache
from typing import NamedTuple

from . import fold, geography


class AreaKind:
    COMMUNE = "commune"
    EPCI = "epci"
    DEPARTEMENT = "departement"
    ALL = (COMMUNE, EPCI, DEPARTEMENT)


INSEE = re.compile(r"(?:\d\d|2[AB])\d{3}")
SIREN = re.compile(r"\d{9}")
DEPARTEMENT = re.compile(r"\d\d|2[AB]|97\d")
POSTAL = re.compile(r"\d{5}")


class TerritoryError(ValueError):
    """A code or a `Name:postcodes` entry that names no place; `.args` holds a
    message key and its values (the caller words it in the user's language)."""


class Area(NamedTuple):
    kind: str
    code: str


@lru_cache(maxsize=512)
def expand(areas):
    """frozenset of INSEE commune codes of a tuple of Areas (sorted)."""
    geo = geography()
    by = {kind: [a.code for a in areas if a.kind == kind] for kind in AreaKind.ALL}
    try:
        return frozenset(
            geo.expand(
                communes=by[AreaKind.COMMUNE],
                epcis=by[AreaKind.EPCI],
                departements=by[AreaKind.DEPARTEMENT],
            )
        )
    except KeyError:  # a code the shipped data no longer knows: keep the rest
        known = [a for a in areas if label(a)]
        return expand(tuple(known)) if len(known) < len(areas) else frozenset()


def label(area):
    """The official name of an area, "" if the code is unknown."""
    geo = geography()
    if area.kind == AreaKind.COMMUNE:
        commune = geo.commune(area.code)
        return commune.name if commune else ""
    if area.kind == AreaKind.EPCI:
        epci = geo.epci(area.code)
        return epci.name if epci else ""
    return geo.departement_name(area.code)


def split_codes(text):
    return [c for c in re.split(r"[\s,;]+", (text or "").strip()) if c]


def parse(communes="", epcis="", departements=""):
    """Areas from the three inputs; raise TerritoryError on the first bad entry.

    `communes` holds INSEE codes, or the older `Name:postcodes;…` entries, each
    mapped to the commune of that name with that postal code."""
    geo = geography()
    areas = []
    for chunk in filter(None, (c.strip() for c in re.split(r"[;\n]", communes or ""))):
        if ":" in chunk:
            areas.extend(Area(AreaKind.COMMUNE, code) for code in from_name_and_postcodes(chunk))
            continue
        for typed in split_codes(chunk):
            code = typed.upper()
            commune = geo.commune(code) if INSEE.fullmatch(code) else None
            if commune is None:
                raise TerritoryError("commune", typed)
            areas.append(Area(AreaKind.COMMUNE, commune.commune_code))
    for siren in split_codes(epcis):
        if not (SIREN.fullmatch(siren) and geo.epci(siren)):
            raise TerritoryError("epci", siren)
        areas.append(Area(AreaKind.EPCI, siren))
    for typed in split_codes(departements):
        dep = typed.upper()
        if not (DEPARTEMENT.fullmatch(dep) and geo.departement_name(dep)):
            raise TerritoryError("departement", typed)
        areas.append(Area(AreaKind.DEPARTEMENT, dep))
    return list(dict.fromkeys(areas))


def from_name_and_postcodes(chunk):
    """`Saint-Étienne:42000,42100` -> the INSEE codes that name has at those codes."""
    name, _sep, codes = chunk.partition(":")
    postal_codes = [c.strip() for c in codes.split(",") if c.strip()]
    if not name.strip() or not postal_codes:
        raise TerritoryError("syntax", chunk)
    found = []
    for postal in postal_codes:
        if not POSTAL.fullmatch(postal):
            raise TerritoryError("postal", postal)
        commune = match(name, postal)
        if commune is None:
            there = ", ".join(c.name for c in geography().by_postal_code(postal))
            raise TerritoryError("name", name.strip(), postal, there)
        found.append(commune)
    return list(dict.fromkeys(found))


def match(name, postal):
    """INSEE code of the commune called `name` with that postal code (an
    arrondissement counts as its city: « Lyon:69003 » is Lyon), else None."""
    geo = geography()
    wanted = fold(name)
    for commune in geo.by_postal_code(postal):
        if fold(commune.name) == wanted:
            return commune.commune_code
        if commune.parent and fold(geo.commune(commune.parent).name) == wanted:
            return commune.parent
    return None


def communes_of(codes):
    """The communes of a set of INSEE codes, alphabetical."""
    geo = geography()
    found = [geo.commune(c) for c in codes if geo.commune(c)]
    return sorted(found, key=lambda c: (fold(c.name), c.code))
