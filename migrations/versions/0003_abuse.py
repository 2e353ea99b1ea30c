"""abuse resistance: event windows, soft-signal indexes

Revision ID: 0003
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "event_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("ip_hash", sa.String(length=64), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_event_windows_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petitions.id"],
            name=op.f("fk_event_windows_petition_id_petitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_windows")),
    )
    op.create_index("ix_event_windows_petition_ends", "event_windows", ["petition_id", "ends_at"])
    op.create_index("ix_signatures_ip_hash_created", "signatures", ["ip_hash", "created_at"])
    op.create_index("ix_signatures_domain_created", "signatures", ["email_domain", "created_at"])


def downgrade():
    op.drop_index("ix_signatures_domain_created", table_name="signatures")
    op.drop_index("ix_signatures_ip_hash_created", table_name="signatures")
    op.drop_index("ix_event_windows_petition_ends", table_name="event_windows")
    op.drop_table("event_windows")
