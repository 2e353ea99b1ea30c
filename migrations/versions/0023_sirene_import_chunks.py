"""sirene_import_chunks: the committed chunks of a Sirene import, loaded in parallel

Revision ID: 0023_sirene_import_chunks
Revises: 0022_f18_panorama

A new table only. A complete import on PostgreSQL loads its chunks on several
connections at once; each chunk commits with its row here, so a resumed import
skips the chunks already loaded, whatever order they committed in.
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_sirene_import_chunks"
down_revision = "0022_f18_panorama"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sirene_import_chunks",
        sa.Column(
            "import_id",
            sa.Integer(),
            sa.ForeignKey(
                "sirene_imports.id",
                name=op.f("fk_sirene_import_chunks_import_id_sirene_imports"),
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("stop", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("import_id", "start", name=op.f("pk_sirene_import_chunks")),
    )


def downgrade():
    op.drop_table("sirene_import_chunks")
