"""organizers, per-petition access, moderation log, export log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 14:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "organizers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizers")),
        sa.UniqueConstraint("email", name=op.f("uq_organizers_email")),
    )
    op.create_table(
        "organizer_petitions",
        sa.Column("organizer_id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organizer_id"],
            ["organizers.id"],
            name=op.f("fk_organizer_petitions_organizer_id_organizers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petitions.id"],
            name=op.f("fk_organizer_petitions_petition_id_petitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organizer_id", "petition_id", name=op.f("pk_organizer_petitions")),
    )
    op.create_table(
        "moderation_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("organizer_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("restored_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "action in ('invalidate', 'restore')", name=op.f("ck_moderation_actions_action")
        ),
        sa.ForeignKeyConstraint(
            ["organizer_id"],
            ["organizers.id"],
            name=op.f("fk_moderation_actions_organizer_id_organizers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petitions.id"],
            name=op.f("fk_moderation_actions_petition_id_petitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_actions")),
    )
    op.create_index(
        "ix_moderation_actions_petition_created",
        "moderation_actions",
        ["petition_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "moderation_items",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("signature_id", sa.Integer(), nullable=False),
        sa.Column("previous_status", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["moderation_actions.id"],
            name=op.f("fk_moderation_items_action_id_moderation_actions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["signature_id"],
            ["signatures.id"],
            name=op.f("fk_moderation_items_signature_id_signatures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("action_id", "signature_id", name=op.f("pk_moderation_items")),
    )
    op.create_index(
        "ix_moderation_items_signature_id", "moderation_items", ["signature_id"], unique=False
    )
    op.create_table(
        "export_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("organizer_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("filters", sa.Text(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organizer_id"],
            ["organizers.id"],
            name=op.f("fk_export_logs_organizer_id_organizers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["petition_id"],
            ["petitions.id"],
            name=op.f("fk_export_logs_petition_id_petitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_logs")),
    )
    op.create_index(
        "ix_export_logs_petition_created",
        "export_logs",
        ["petition_id", "created_at"],
        unique=False,
    )
    # The dashboard's "latest signatures" and "failed emails".
    op.create_index(
        "ix_signatures_petition_created", "signatures", ["petition_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_signatures_petition_email_failed",
        "signatures",
        ["petition_id", "email_failed_at"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_signatures_petition_email_failed", table_name="signatures")
    op.drop_index("ix_signatures_petition_created", table_name="signatures")
    op.drop_index("ix_export_logs_petition_created", table_name="export_logs")
    op.drop_table("export_logs")
    op.drop_index("ix_moderation_items_signature_id", table_name="moderation_items")
    op.drop_table("moderation_items")
    op.drop_index("ix_moderation_actions_petition_created", table_name="moderation_actions")
    op.drop_table("moderation_actions")
    op.drop_table("organizer_petitions")
    op.drop_table("organizers")
