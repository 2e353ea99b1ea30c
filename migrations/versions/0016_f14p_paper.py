"""paper signatures: signatures.source and the sheet, petitions.paper_count

Revision ID: 0016_f14p_paper
Revises: 0015_f12s_sirene_register

Every existing signature was signed online (server default); paper_count
starts at zero. Paper rows carry a sheet reference, unique per petition.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_f14p_paper"
down_revision = "0015_f12s_sirene_register"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("petitions") as batch:
        batch.add_column(sa.Column("paper_count", sa.Integer(), nullable=False, server_default="0"))
        batch.create_check_constraint(
            op.f("ck_petitions_paper_count_not_negative"), "paper_count >= 0"
        )
    with op.batch_alter_table("signatures") as batch:
        batch.add_column(
            sa.Column("source", sa.String(length=6), nullable=False, server_default="online")
        )
        batch.add_column(sa.Column("sheet_ref", sa.String(length=20)))
        batch.add_column(sa.Column("collected_on", sa.Date()))
        batch.add_column(sa.Column("event_name", sa.String(length=120)))
        batch.add_column(sa.Column("paper_review", sa.String(length=5)))
        batch.add_column(sa.Column("duplicate_of_id", sa.Integer()))
        batch.create_unique_constraint(
            op.f("uq_signatures_petition_id_sheet_ref"), ["petition_id", "sheet_ref"]
        )
        batch.create_check_constraint(op.f("ck_signatures_source"), "source in ('online', 'paper')")
        batch.create_check_constraint(
            op.f("ck_signatures_paper_has_sheet_ref"),
            "source = 'online' or sheet_ref is not null",
        )


def downgrade():
    with op.batch_alter_table("signatures") as batch:
        batch.drop_constraint(op.f("ck_signatures_paper_has_sheet_ref"), type_="check")
        batch.drop_constraint(op.f("ck_signatures_source"), type_="check")
        batch.drop_constraint(op.f("uq_signatures_petition_id_sheet_ref"), type_="unique")
        for column in (
            "duplicate_of_id",
            "paper_review",
            "event_name",
            "collected_on",
            "sheet_ref",
            "source",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("petitions") as batch:
        batch.drop_constraint(op.f("ck_petitions_paper_count_not_negative"), type_="check")
        batch.drop_column("paper_count")
