"""territory_areas: a petition's territory by official codes; communes.insee

Revision ID: 0010_f11_territory_areas
Revises: 0009_f14n_news

Each hand-typed commune (`Name:postcode`) is mapped to the official commune of
that name with that postal code (petition/geo) and becomes an area of its
petition. A row no commune matches keeps `insee` NULL, stays (its postal code
still counts as the territory's) and is reported here: nothing is dropped.
"""

import logging

import sqlalchemy as sa
from alembic import op

from petition.geo.territory import match

revision = "0010_f11_territory_areas"
down_revision = "0009_f14n_news"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    op.create_table(
        "territory_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("code", sa.String(length=9), nullable=False),
        sa.CheckConstraint("kind in ('commune', 'epci', 'departement')", name="kind"),
        sa.ForeignKeyConstraint(["petition_id"], ["petitions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("petition_id", "kind", "code"),
    )
    with op.batch_alter_table("communes") as batch:
        batch.add_column(sa.Column("insee", sa.String(length=5), nullable=True))
    map_communes(op.get_bind())


def map_communes(conn):
    """Map every hand-typed commune; returns the (slug, name, postal code) left unmapped."""
    rows = conn.execute(
        sa.text(
            "SELECT c.id, c.petition_id, c.name, c.postal_code, p.slug"
            " FROM communes c JOIN petitions p ON p.id = c.petition_id ORDER BY c.id"
        )
    ).all()
    unmapped, added = [], set()
    for row in rows:
        code = match(row.name, row.postal_code)
        if code is None:
            unmapped.append((row.slug, row.name, row.postal_code))
            continue
        conn.execute(
            sa.text("UPDATE communes SET insee = :code WHERE id = :id"),
            {"code": code, "id": row.id},
        )
        if (row.petition_id, code) not in added:
            added.add((row.petition_id, code))
            conn.execute(
                sa.text(
                    "INSERT INTO territory_areas (petition_id, kind, code)"
                    " VALUES (:p, 'commune', :code)"
                ),
                {"p": row.petition_id, "code": code},
            )
    for slug, name, postal in unmapped:
        message = f"territory of {slug}: « {name} » {postal} matches no official commune; kept"
        log.warning(message)
        print(message)
    if rows:
        mapped = len(rows) - len(unmapped)
        print(f"territory_areas: {mapped} communes mapped, {len(unmapped)} kept unmapped")
    return unmapped


def downgrade():
    with op.batch_alter_table("communes") as batch:
        batch.drop_column("insee")
    op.drop_table("territory_areas")
