"""the panorama: organisation profiles (opt-in) and per-petition panorama settings

Revision ID: 0022_f18_panorama
Revises: 0017_f12a_sample_audit
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_f18_panorama"
down_revision = "0017_f12a_sample_audit"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "organisation_profiles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "petition_id",
            sa.Integer(),
            sa.ForeignKey("petitions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("siren", sa.String(9), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("signatures.id", ondelete="SET NULL")),
        sa.Column("description", sa.String(600), nullable=False),
        sa.Column("website", sa.String(300)),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("siret", sa.String(14)),
        sa.Column("registered_name", sa.String(250), nullable=False),
        sa.Column("naf", sa.String(6)),
        sa.Column("headcount", sa.String(2)),
        sa.Column("commune", sa.String(5)),
        sa.Column("x", sa.Float()),
        sa.Column("y", sa.Float()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("petition_id", "siren", name="uq_organisation_profile_siren"),
    )
    op.create_index(
        "ix_organisation_profiles_petition_hidden",
        "organisation_profiles",
        ["petition_id", "hidden"],
    )
    op.create_table(
        "panorama_settings",
        sa.Column(
            "petition_id",
            sa.Integer(),
            sa.ForeignKey("petitions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("licence", sa.String(12), nullable=False),
        sa.Column("generation", sa.String(16), nullable=False),
    )


def downgrade():
    op.drop_table("panorama_settings")
    op.drop_index("ix_organisation_profiles_petition_hidden", "organisation_profiles")
    op.drop_table("organisation_profiles")
