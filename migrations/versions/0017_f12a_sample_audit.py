"""Sample audits: sample_audits and audit_samples

Revision ID: 0017_f12a_sample_audit
Revises: 0016_f14p_paper

New tables only; nothing existing changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_f12a_sample_audit"
down_revision = "0016_f14p_paper"
branch_labels = None
depends_on = None


def _fk(table, column, target, ondelete):
    return sa.ForeignKey(
        f"{target}.id", name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade():
    op.create_table(
        "sample_audits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "petition_id",
            sa.Integer(),
            _fk("sample_audits", "petition_id", "petitions", "CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "organizer_id",
            sa.Integer(),
            _fk("sample_audits", "organizer_id", "organizers", "SET NULL"),
        ),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("requested", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("state in ('open', 'closed')", name=op.f("ck_sample_audits_state")),
        sa.CheckConstraint("requested > 0", name=op.f("ck_sample_audits_requested_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample_audits")),
    )
    op.create_index("ix_sample_audits_petition", "sample_audits", ["petition_id"])
    op.create_table(
        "audit_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "audit_id",
            sa.Integer(),
            _fk("audit_samples", "audit_id", "sample_audits", "CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "petition_id",
            sa.Integer(),
            _fk("audit_samples", "petition_id", "petitions", "CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "signature_id",
            sa.Integer(),
            _fk("audit_samples", "signature_id", "signatures", "CASCADE"),
            nullable=False,
        ),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("claimed_by", sa.String(length=100)),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("error", sa.String(length=200)),
        sa.Column("answer", sa.String(length=3)),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "state in ('queued', 'sending', 'sent', 'failed', 'skipped')",
            name=op.f("ck_audit_samples_state"),
        ),
        sa.CheckConstraint(
            "answer is null or answer in ('yes', 'no')", name=op.f("ck_audit_samples_answer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_samples")),
        sa.UniqueConstraint(
            "petition_id", "signature_id", name=op.f("uq_audit_samples_petition_id_signature_id")
        ),
    )
    op.create_index("ix_audit_samples_audit_state", "audit_samples", ["audit_id", "state"])


def downgrade():
    op.drop_index("ix_audit_samples_audit_state", table_name="audit_samples")
    op.drop_table("audit_samples")
    op.drop_index("ix_sample_audits_petition", table_name="sample_audits")
    op.drop_table("sample_audits")
