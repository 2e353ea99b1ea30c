"""The public results of a petition: the verified count and its local part, by
actor category, by commune of the territory (every one, zeros included), outside
support by département, per day, distinct organisations (by SIREN), and those by
register status, NAF section and headcount band (services/organisation_counts.py).

No personal data: counts only. Computed by a few GROUP BY queries on indexed
columns and kept in Redis under the count's generation (counters.cached), so a
page view costs one Redis GET until the next confirmation, withdrawal or
moderation; the communes' names and populations come from the in-memory
geography.
"""

from datetime import date
from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..geo import fold, geography
from ..models import Petition, Signature, SignatureState
from . import counters, dashboard, organisation_counts

#: Days shown by the per-day chart (as the organizers' dashboard).
DAYS = dashboard.CHART_DAYS
#: Ways the commune table sorts (?tri=…): by supporters (default), name, share.
SORTS = ("soutiens", "nom", "part")


def results(petition: Petition) -> dict[str, Any]:
    """The breakdowns, as the JSON API serves them (cached per generation)."""
    data = counters.cached(petition.id, "results", _compute)
    data["signature_count"], data["local_count"] = petition.signature_count, petition.local_count
    data["paper_count"] = petition.paper_count  # part of signature_count
    return data


def _verified(petition_id):
    return (Signature.petition_id == petition_id, Signature.state == SignatureState.VERIFIED)


def _compute(petition_id):
    petition = db.session.get(Petition, petition_id)
    places = db.session.execute(
        select(Signature.insee, Signature.local, func.count())
        .where(*_verified(petition_id))
        .group_by(Signature.insee, Signature.local)
    ).all()
    by_category = db.session.execute(
        select(Signature.category, func.count())
        .where(*_verified(petition_id))
        .group_by(Signature.category)
        .order_by(func.count().desc(), Signature.category)
    ).all()
    _all, by_siren = dashboard.organisations(petition)
    communes, unplaced = _by_commune(petition, places)
    return {
        "slug": petition.slug,
        "by_category": [{"category": c, "count": n} for c, n in by_category],
        "by_commune": communes,
        "local_unplaced": unplaced,
        "outside_by_departement": _outside(places),
        "per_day": [
            {"day": d.isoformat(), "count": n} for d, n in dashboard.per_day(petition, DAYS)
        ],
        "organisations": by_siren,
        "register": organisation_counts.register_counts(petition_id),
    }


def _by_commune(petition, places):
    """Every commune of the territory with its local supporters (0 if none)."""
    geo = geography()
    counts = dict.fromkeys(petition.territory_codes, 0)
    unplaced = 0
    for insee, local, n in places:
        commune = geo.commune(insee) if (local and insee) else None
        if commune is not None and commune.commune_code in counts:
            counts[commune.commune_code] += n
        elif local:
            unplaced += n  # hand-typed communes of an older territory
    local_total = sum(counts.values()) + unplaced
    rows = []
    for code, n in counts.items():
        c = geo.commune(code)
        rows.append(
            {
                "code": code,
                "name": c.name,
                "population": c.population,
                "count": n,
                "per_10000": round(n * 10000 / c.population, 2) if c.population else None,
                "share_of_local": round(n / local_total, 4) if local_total else 0.0,
            }
        )
    rows.sort(key=lambda r: (-r["count"], fold(r["name"])))
    return rows, unplaced


def _outside(places):
    geo = geography()
    found = {}
    for insee, local, n in places:
        if local:
            continue
        commune = geo.commune(insee) if insee else None
        code = commune.departement if commune else ""
        found[code] = found.get(code, 0) + n
    rows = [
        {"code": code or None, "name": geo.departement_name(code) or None, "count": n}
        for code, n in found.items()
    ]
    return sorted(rows, key=lambda r: (-r["count"], r["code"] or "~"))


def sorted_communes(rows, sort):
    """The commune table in the order asked (server-side: works without JS)."""
    if sort == "nom":
        return sorted(rows, key=lambda r: fold(r["name"]))
    if sort == "part":
        return sorted(rows, key=lambda r: (-(r["per_10000"] or 0), fold(r["name"])))
    return rows


def chart(data):
    series = [(date.fromisoformat(d["day"]), d["count"]) for d in data["per_day"]]
    return dashboard.chart(series)


def bars(rows, width=600, row=22, label=180):
    """Horizontal bars of the communes (SVG user units), for the template."""
    peak = max((r["count"] for r in rows), default=0) or 1
    span = width - label - 60
    return {
        "width": width,
        "height": row * max(len(rows), 1) + 4,
        "label": label,
        "row": row,
        "items": [
            {**r, "y": i * row + 2, "w": round(span * r["count"] / peak, 1)}
            for i, r in enumerate(rows)
        ],
    }
