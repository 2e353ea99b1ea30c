"""Placing a signature: its postal code (and the commune chosen) against the
petition's territory. In-memory lookups only: no SQL, no I/O on the signing path.
"""

from typing import NamedTuple

from . import Commune, fold, geography


class Candidate(NamedTuple):
    commune: Commune
    local: bool


class Placement(NamedTuple):
    commune: Commune | None
    local: bool


class PlacingError(ValueError):
    """`.args`: (kind, postal code, candidates); kinds: "unknown" (no commune
    has this postal code), "choose" (several do, none chosen), "contradicts"
    (the commune chosen does not have this postal code)."""

    @property
    def kind(self):
        return self.args[0]


def candidates(petition, postal_code):
    """The communes with this postal code, each marked inside the territory or not."""
    codes = petition.territory_codes
    legacy = {c.postal_code for c in petition.unmapped_communes}
    return [
        Candidate(c, c.commune_code in codes or postal_code in legacy)
        for c in geography().by_postal_code(postal_code)
    ]


def place(petition, postal_code, choice=""):
    """The commune and local/outside of a signature, or PlacingError.

    `choice` is an INSEE code, or a commune name (forms of the previous release)."""
    found = candidates(petition, postal_code)
    if not found:
        raise PlacingError("unknown", postal_code, found)
    choice = (choice or "").strip()
    if choice:
        for candidate in found:
            if choice == candidate.commune.code or fold(choice) in _names(candidate.commune):
                return Placement(*candidate)
        raise PlacingError("contradicts", postal_code, found)
    if len(found) == 1:
        return Placement(*found[0])
    raise PlacingError("choose", postal_code, found)


def _names(commune):
    """A commune's name folded; an arrondissement answers to its city's name too."""
    names = {fold(commune.name)}
    if commune.parent:
        names.add(fold(geography().commune(commune.parent).name))
    return names
