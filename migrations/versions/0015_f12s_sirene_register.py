"""the Sirene register (units, establishments, import progress) and organisation checks

Revision ID: 0015_f12s_sirene_register
Revises: 0014_f13_milestones_webhooks
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_f12s_sirene_register"
down_revision = "0014_f13_milestones_webhooks"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sirene_units",
        sa.Column("siren", sa.String(9), primary_key=True),
        sa.Column("name", sa.String(250)),
        sa.Column("state", sa.String(1)),
        sa.Column("category", sa.String(3)),
        sa.Column("diffusion", sa.String(1)),
        sa.Column("source", sa.String(5), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sirene_establishments",
        sa.Column("siret", sa.String(14), primary_key=True),
        sa.Column("siren", sa.String(9), nullable=False),
        sa.Column("nic", sa.String(5)),
        sa.Column("state", sa.String(1)),
        sa.Column("commune", sa.String(5)),
        sa.Column("naf", sa.String(6)),
        sa.Column("headcount", sa.String(2)),
        sa.Column("usual_name", sa.String(250)),
        sa.Column("sign", sa.String(250)),
        sa.Column("diffusion", sa.String(1)),
        sa.Column("head_office", sa.Boolean()),
        sa.Column("x", sa.Float()),
        sa.Column("y", sa.Float()),
        sa.Column("source", sa.String(5), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sirene_establishments_siren", "sirene_establishments", ["siren"])
    op.create_index("ix_sirene_establishments_commune", "sirene_establishments", ["commune"])
    op.create_table(
        "sirene_imports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(14), nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("communes", sa.Text()),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "organisation_checks",
        sa.Column(
            "signature_id",
            sa.Integer(),
            sa.ForeignKey("signatures.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "petition_id",
            sa.Integer(),
            sa.ForeignKey("petitions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("siren", sa.String(9), nullable=False),
        sa.Column("siret", sa.String(14)),
        sa.Column("registered_name", sa.String(250)),
        sa.Column("partial_diffusion", sa.Boolean(), nullable=False),
        sa.Column("naf", sa.String(6)),
        sa.Column("headcount", sa.String(2)),
        sa.Column("commune", sa.String(5)),
        sa.Column("in_territory", sa.Boolean()),
        sa.Column("source", sa.String(5)),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True)),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "status in ('active', 'closed', 'not_found', 'not_checked')",
            name="organisation_check_status",
        ),
    )
    op.create_index("ix_organisation_checks_petition_id", "organisation_checks", ["petition_id"])
    op.create_index(
        "ix_organisation_checks_petition_status", "organisation_checks", ["petition_id", "status"]
    )


def downgrade():
    op.drop_table("organisation_checks")
    op.drop_table("sirene_imports")
    op.drop_index("ix_sirene_establishments_commune", "sirene_establishments")
    op.drop_index("ix_sirene_establishments_siren", "sirene_establishments")
    op.drop_table("sirene_establishments")
    op.drop_table("sirene_units")
