"""The organiser's territory editor: codes as text, the place search by name,
the picked results added to the codes. The rules of a territory are in
petition/geo/territory.py; saving goes through services/petitions.py."""

from flask_babel import gettext as _

from ..geo import geography
from ..geo.territory import AreaKind, split_codes

#: Results shown per search: enough to find a place, short enough for a phone.
SEARCH_LIMIT = 12


def codes_text(petition):
    """(communes, EPCI, départements) as the form's three text fields."""
    by_kind = {kind: [] for kind in AreaKind.ALL}
    for area in petition.areas:
        by_kind[area.kind].append(area.code)
    return tuple(", ".join(by_kind[kind]) for kind in AreaKind.ALL)


def search(text):
    """[(value, label)] of EPCI then communes whose name matches `text`."""
    if not (text or "").strip():
        return []
    geo = geography()
    found = [
        (
            f"{AreaKind.EPCI}:{e.siren}",
            _(
                "%(name)s — intercommunalité, %(n)s communes (SIREN %(code)s)",
                name=e.name,
                n=len(e.members),
                code=e.siren,
            ),
        )
        for e in geo.search_epci(text, limit=SEARCH_LIMIT)
    ]
    for c in geo.search(text, limit=SEARCH_LIMIT):
        if c.parent:
            continue
        dep = geo.departement_name(c.departement)
        found.append(
            (
                f"{AreaKind.COMMUNE}:{c.code}",
                _(
                    "%(name)s — commune, %(dep)s (INSEE %(code)s, %(postal)s)",
                    name=c.name,
                    dep=dep,
                    code=c.code,
                    postal=", ".join(c.postal_codes),
                ),
            )
        )
    return found[: SEARCH_LIMIT * 2]


def add_picked(form):
    """Add the ticked results (`kind:code`) to the form's code fields."""
    fields = {AreaKind.COMMUNE: form.communes, AreaKind.EPCI: form.epci}
    for value in form.picked.data or ():
        kind, _sep, code = value.partition(":")
        field = fields.get(kind)
        if field is None or not code.isalnum():
            continue
        text = (field.data or "").strip().rstrip(",;")
        if code in split_codes(text):
            continue
        if ":" in text:  # the older `Name:postcodes;…` entries: a chunk of its own
            field.data = f"{text}; {code}"
        else:
            field.data = ", ".join([*split_codes(text), code])
    form.picked.data = []
