"""attestations: signed attestations of support, looked up by id at /verifier

Revision ID: 0013_f12b_attestations
Revises: 0012_f11_local_count
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_f12b_attestations"
down_revision = "0012_f11_local_count"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attestations",
        sa.Column("id", sa.String(24), primary_key=True),
        sa.Column(
            "petition_id",
            sa.Integer,
            sa.ForeignKey("petitions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("organizer_id", sa.Integer, sa.ForeignKey("organizers.id", ondelete="SET NULL")),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("verified_total", sa.Integer, nullable=False),
        sa.Column("export_sha256", sa.String(64), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("pdf", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_attestations_petition_id", "attestations", ["petition_id"])


def downgrade():
    op.drop_index("ix_attestations_petition_id", table_name="attestations")
    op.drop_table("attestations")
