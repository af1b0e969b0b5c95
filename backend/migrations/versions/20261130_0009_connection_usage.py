"""connections: `usage` (source, destination or both); more kinds (mysql, sqlserver, oracle)

Every existing credential was a destination: it stays one (`usage` = destination); an admin
widens a PostgreSQL one to `both` when it should also be read from. `kind` is already a
VARCHAR(16): the new kinds need no change there.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 05:15:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(
            sa.Column("usage", sa.String(length=16), nullable=False, server_default="destination")
        )


def downgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.drop_column("usage")
