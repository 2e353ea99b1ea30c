"""News to signers: signatures.news_opt_in, petition_updates, update_deliveries

Revision ID: 0009_f14n_news
Revises: 0008_f14_audit_log

The opt-in is off for every existing signature: nobody asked for news before.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_f14n_news"
down_revision = "0008_f14_audit_log"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("signatures") as batch:
        batch.add_column(
            sa.Column("news_opt_in", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "petition_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "petition_id",
            sa.Integer(),
            sa.ForeignKey(
                "petitions.id",
                name=op.f("fk_petition_updates_petition_id_petitions"),
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column(
            "organizer_id",
            sa.Integer(),
            sa.ForeignKey(
                "organizers.id",
                name=op.f("fk_petition_updates_organizer_id_organizers"),
                ondelete="SET NULL",
            ),
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("cancelled_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "state in ('draft', 'sending', 'sent', 'cancelled')",
            name=op.f("ck_petition_updates_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_updates")),
    )
    op.create_index(
        "ix_petition_updates_petition_state", "petition_updates", ["petition_id", "state"]
    )
    op.create_table(
        "update_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "update_id",
            sa.Integer(),
            sa.ForeignKey(
                "petition_updates.id",
                name=op.f("fk_update_deliveries_update_id_petition_updates"),
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column(
            "signature_id",
            sa.Integer(),
            sa.ForeignKey(
                "signatures.id",
                name=op.f("fk_update_deliveries_signature_id_signatures"),
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("claimed_by", sa.String(length=100)),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True)),
        sa.Column("error", sa.String(length=200)),
        sa.UniqueConstraint(
            "update_id", "signature_id", name=op.f("uq_update_deliveries_update_id_signature_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_update_deliveries")),
        sa.CheckConstraint(
            "state in ('queued', 'sending', 'sent', 'failed', 'skipped')",
            name=op.f("ck_update_deliveries_state"),
        ),
    )
    op.create_index(
        "ix_update_deliveries_update_state", "update_deliveries", ["update_id", "state"]
    )


def downgrade():
    op.drop_index("ix_update_deliveries_update_state", table_name="update_deliveries")
    op.drop_table("update_deliveries")
    op.drop_index("ix_petition_updates_petition_state", table_name="petition_updates")
    op.drop_table("petition_updates")
    with op.batch_alter_table("signatures") as batch:
        batch.drop_column("news_opt_in")
