"""Sirene register keys in byte order (COLLATE "C") on PostgreSQL

Revision ID: 0024_sirene_c_collation
Revises: 0023_sirene_import_chunks

SIREN, SIRET and commune codes are digits: the "C" collation compares them as
equal exactly as before and sorts them without the locale's rules, so a
complete import builds its indexes faster. SQLite: nothing changes.
"""

from alembic import op

revision = "0024_sirene_c_collation"
down_revision = "0023_sirene_import_chunks"
branch_labels = None
depends_on = None

COLUMNS = (
    ("sirene_units", "siren", 9),
    ("sirene_establishments", "siret", 14),
    ("sirene_establishments", "siren", 9),
    ("sirene_establishments", "commune", 5),
)


def _collate(collation):
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in COLUMNS:
        kind = f'varchar({length}) COLLATE "{collation}"'
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {kind}")


def upgrade():
    _collate("C")


def downgrade():
    _collate("default")
