"""signatures.insee, signatures.local: each signature placed in its commune

Revision ID: 0011_f11_signature_place
Revises: 0010_f11_territory_areas

Existing signatures are classified from their postal code (and the commune
they named, where a postal code serves several): inside the petition's
territory -> local, else outside. One UPDATE per distinct (petition, postal
code, commune), so a million rows take a few statements per petition. Rows
whose postal code no commune has are counted outside and reported; rows whose
commune stays ambiguous keep `insee` NULL and are reported. A placed row's
`commune` becomes the official name of its INSEE code (the CSV's commune was
whatever the select offered, and sometimes contradicted the postal code).
"""

import logging

import sqlalchemy as sa
from alembic import op

from petition.geo import fold, geography
from petition.geo.territory import Area, expand

revision = "0011_f11_signature_place"
down_revision = "0010_f11_territory_areas"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    with op.batch_alter_table("signatures") as batch:
        batch.add_column(sa.Column("insee", sa.String(length=5), nullable=True))
        batch.add_column(sa.Column("local", sa.Boolean(), nullable=True))
    classify(op.get_bind())


def territories(conn):
    """petition id -> (INSEE codes of its territory, postal codes of unmapped communes)."""
    found = {}
    for pid, kind, code in conn.execute(
        sa.text("SELECT petition_id, kind, code FROM territory_areas")
    ):
        found.setdefault(pid, [set(), set()])[0].add(Area(kind, code))
    for pid, postal in conn.execute(
        sa.text("SELECT petition_id, postal_code FROM communes WHERE insee IS NULL")
    ):
        found.setdefault(pid, [set(), set()])[1].add(postal)
    return {pid: (expand(tuple(sorted(areas))), legacy) for pid, (areas, legacy) in found.items()}


def place(codes, legacy, postal, named):
    """(insee or None, local, problem or None) of an old row."""
    found = geography().by_postal_code(postal or "")
    if not found:
        return None, False, "no commune has this postal code: counted outside"
    inside = [c.commune_code in codes or postal in legacy for c in found]
    chosen = [c for c in found if named and fold(named) in (fold(c.name), fold(_city(c)))]
    if len(found) == 1:
        contradicts = named and not chosen
        local = found[0].commune_code in codes or postal in legacy
        note = f"the commune named is not {found[0].name}: placed by postal code"
        return found[0].code, local, note if contradicts else None
    if len(chosen) == 1:
        return chosen[0].code, chosen[0].commune_code in codes or postal in legacy, None
    if all(inside) or not any(inside):
        return None, all(inside), "several communes have this postal code: commune left empty"
    return None, False, "shared by communes inside and outside, none named: counted outside"


def _city(commune):
    return geography().commune(commune.parent).name if commune.parent else commune.name


def classify(conn):
    """Place every existing signature; returns the report lines."""
    known = territories(conn)
    groups = conn.execute(
        sa.text(
            "SELECT s.petition_id, p.slug, s.postal_code, s.commune, count(*) AS n"
            " FROM signatures s JOIN petitions p ON p.id = s.petition_id"
            " WHERE s.postal_code IS NOT NULL"
            " GROUP BY s.petition_id, p.slug, s.postal_code, s.commune"
        )
    ).all()
    report = []
    for g in groups:
        codes, legacy = known.get(g.petition_id, (frozenset(), set()))
        insee, local, problem = place(codes, legacy, g.postal_code, g.commune)
        same_commune = "s.commune IS NULL" if g.commune is None else "s.commune = :commune"
        conn.execute(
            sa.text(
                f"UPDATE signatures SET insee = :insee, local = :local,"
                f" commune = COALESCE(:name, commune)"
                f" WHERE petition_id = :p AND postal_code = :postal"
                f" AND {same_commune.replace('s.', '')}"
            ),
            {
                "insee": insee,
                "name": geography().commune(insee).name if insee else None,
                "local": local,
                "p": g.petition_id,
                "postal": g.postal_code,
                "commune": g.commune,
            },
        )
        if problem:
            named = f" « {g.commune} »" if g.commune else ""
            report.append(f"signatures of {g.slug}, {g.postal_code}{named} ({g.n}): {problem}")
    for line in report:
        log.warning(line)
        print(line)
    if groups:
        print(f"signatures placed: {sum(g.n for g in groups)} rows, {len(report)} groups reported")
    return report


def downgrade():
    with op.batch_alter_table("signatures") as batch:
        batch.drop_column("local")
        batch.drop_column("insee")
