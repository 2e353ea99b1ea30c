"""signatures.token_nonce: bind links and email jobs to one row, not to an id

Revision ID: 0006_token_nonce
Revises: 0005_pending_grants

SQLite gives a deleted row's id to the next insert (`signatures.id` has no
AUTOINCREMENT): a link that carried only the id could then confirm or
withdraw somebody else. Every row gets a random nonce; existing rows get one
here, so the links and emails sent from now on carry it too. Links mailed
before this revision carry no nonce and are refused (README, Security).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_token_nonce"
down_revision = "0005_pending_grants"
branch_labels = None
depends_on = None

#: 32 random hex digits, computed by the database: to fill the existing rows
#: (a million take seconds) and as the column default, so a process of the
#: previous release inserting during the deploy still gets a nonce of its own.
#: Not secret (links are signed); it only has to differ. models.core.random_nonce
#: renders the same expressions.
RANDOM_NONCE = {
    "sqlite": "lower(hex(randomblob(16)))",
    "postgresql": "md5(random()::text || clock_timestamp()::text)",
}


def upgrade():
    nonce = RANDOM_NONCE[op.get_bind().dialect.name]
    with op.batch_alter_table("signatures") as batch:
        batch.add_column(sa.Column("token_nonce", sa.String(length=32), nullable=True))
    op.execute(f"UPDATE signatures SET token_nonce = {nonce}")
    # SQLite cannot ALTER a column: batch mode copies the table (its foreign
    # keys are not enforced here, so nothing cascades while it is recreated).
    with op.batch_alter_table("signatures") as batch:
        batch.alter_column(
            "token_nonce",
            existing_type=sa.String(length=32),
            nullable=False,
            server_default=sa.text(nonce),
        )


def downgrade():
    with op.batch_alter_table("signatures") as batch:
        batch.drop_column("token_nonce")
