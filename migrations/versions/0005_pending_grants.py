"""pending_grants: a petition offered to an existing organiser account, until it
accepts or declines the emailed invitation (issue 9, item 17d)

Revision ID: 0005_pending_grants
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_pending_grants"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pending_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organizer_id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("inviter_id", sa.Integer(), nullable=True),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organizer_id"],
            ["organizers.id"],
            name=op.f("fk_pending_grants_organizer_id_organizers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petitions.id"],
            name=op.f("fk_pending_grants_petition_id_petitions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inviter_id"],
            ["organizers.id"],
            name=op.f("fk_pending_grants_inviter_id_organizers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_grants")),
        sa.UniqueConstraint(
            "organizer_id", "petition_id", name=op.f("uq_pending_grants_organizer_id_petition_id")
        ),
    )


def downgrade():
    op.drop_table("pending_grants")
