"""erasures: the log of withdrawals to take again after a restore (issue 15)

Revision ID: 0007_f15b_erasure_log
Revises: 0006_token_nonce
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_f15b_erasure_log"
down_revision = "0006_token_nonce"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("signature_id", sa.Integer(), nullable=False),
        sa.Column("token_nonce", sa.String(length=32), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_erasures_signature_id", "erasures", ["signature_id"])
    op.create_index("ix_erasures_erased_at", "erasures", ["erased_at"])


def downgrade():
    op.drop_index("ix_erasures_erased_at", table_name="erasures")
    op.drop_index("ix_erasures_signature_id", table_name="erasures")
    op.drop_table("erasures")
