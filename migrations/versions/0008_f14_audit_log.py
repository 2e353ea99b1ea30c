"""audit_events, organizers.session_version: one audit log per petition, and
deactivation that ends sessions

Revision ID: 0008_f14_audit_log
Revises: 0007_f15b_erasure_log
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_f14_audit_log"
down_revision = "0007_f15b_erasure_log"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organizers") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("petition_id", sa.Integer(), sa.ForeignKey("petitions.id", ondelete="CASCADE")),
        sa.Column(
            "organizer_id", sa.Integer(), sa.ForeignKey("organizers.id", ondelete="SET NULL")
        ),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("subject", sa.String(length=254)),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_audit_events_petition_created", "audit_events", ["petition_id", "created_at"]
    )
    op.create_index("ix_audit_events_created", "audit_events", ["created_at"])


def downgrade():
    op.drop_index("ix_audit_events_created", table_name="audit_events")
    op.drop_index("ix_audit_events_petition_created", table_name="audit_events")
    op.drop_table("audit_events")
    with op.batch_alter_table("organizers") as batch:
        batch.drop_column("session_version")
