"""petitions.local_count (the territory's part of the verified count), goal_scope

Revision ID: 0012_f11_local_count
Revises: 0011_f11_signature_place

local_count is filled from the verified signatures placed inside the territory
(migration 0008), then moved by the same guarded updates as signature_count.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_f11_local_count"
down_revision = "0011_f11_signature_place"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("petitions") as batch:
        batch.add_column(sa.Column("local_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("goal_scope", sa.String(length=5), nullable=False, server_default="total")
        )
        batch.create_check_constraint(
            op.f("ck_petitions_local_count_not_negative"), "local_count >= 0"
        )
        batch.create_check_constraint(
            op.f("ck_petitions_goal_scope"), "goal_scope in ('total', 'local')"
        )
    op.execute(
        "UPDATE petitions SET local_count = (SELECT count(*) FROM signatures s"
        " WHERE s.petition_id = petitions.id AND s.status = 'verified' AND s.local = true)"
    )


def downgrade():
    with op.batch_alter_table("petitions") as batch:
        batch.drop_constraint(op.f("ck_petitions_goal_scope"), type_="check")
        batch.drop_constraint(op.f("ck_petitions_local_count_not_negative"), type_="check")
        batch.drop_column("goal_scope")
        batch.drop_column("local_count")
