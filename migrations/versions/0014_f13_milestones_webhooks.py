"""milestones, webhook endpoints and their deliveries

Revision ID: 0014_f13_milestones_webhooks
Revises: 0013_f12b_attestations

Every existing petition gets the default milestones (25, 50, 75, 100 % of its
goal); those its count has already passed are marked reached, so nobody is
alerted about a milestone passed before this release.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_f13_milestones_webhooks"
down_revision = "0013_f12b_attestations"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "petition_id",
            sa.Integer(),
            sa.ForeignKey("petitions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True)),
        sa.Column("count_at_reach", sa.Integer()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("petition_id", "kind", "value"),
        sa.CheckConstraint("kind in ('percent', 'count')", name="milestone_kind"),
        sa.CheckConstraint("value > 0", name="milestone_value_positive"),
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "petition_id",
            sa.Integer(),
            sa.ForeignKey("petitions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("secret", sa.String(80), nullable=False),
        sa.Column("events", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "endpoint_id",
            sa.Integer(),
            sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("message_id", sa.String(40), nullable=False, unique=True),
        sa.Column("event_key", sa.String(80), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("response_code", sa.Integer()),
        sa.Column("error", sa.String(300)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("endpoint_id", "event_key"),
        sa.CheckConstraint("state in ('pending', 'delivered', 'failed')", name="delivery_state"),
    )
    op.create_index(
        "ix_webhook_deliveries_endpoint_created",
        "webhook_deliveries",
        ["endpoint_id", "created_at"],
    )
    for percent in (25, 50, 75, 100):
        op.execute(
            "INSERT INTO milestones (petition_id, kind, value, reached_at, count_at_reach,"
            " created_at)"
            f" SELECT id, 'percent', {percent},"
            f" CASE WHEN signature_count * 100 >= goal * {percent} THEN CURRENT_TIMESTAMP END,"
            f" CASE WHEN signature_count * 100 >= goal * {percent} THEN signature_count END,"
            " CURRENT_TIMESTAMP FROM petitions"
        )


def downgrade():
    op.drop_index("ix_webhook_deliveries_endpoint_created", "webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
    op.drop_table("milestones")
