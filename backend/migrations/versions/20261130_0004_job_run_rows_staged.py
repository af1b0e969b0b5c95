"""job_runs: rows_staged, apart from rows_loaded

`rows_loaded` now counts only rows committed to the target; what a running load has written to its
staging table so far is `rows_staged`. Existing runs start at 0 staged (their loaded count stands).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 01:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job_runs") as batch:
        batch.add_column(sa.Column("rows_staged", sa.BigInteger(), server_default=sa.text("0"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("job_runs") as batch:
        batch.drop_column("rows_staged")
