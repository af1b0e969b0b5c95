"""connections: secrets beside the password (S3 session token, Snowflake private key and its
passphrase, a Redshift S3 stage's secret key), encrypted as one JSON object; their names in the clear

Existing connections have none.

Revision ID: 0013
Revises: 0011
Create Date: 2026-11-30 08:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("secrets_encrypted", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("secret_names", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.drop_column("secret_names")
        batch.drop_column("secrets_encrypted")
