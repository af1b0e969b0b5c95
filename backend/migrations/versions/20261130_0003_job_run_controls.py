"""jobs: run controls — a rows-per-second cap and whether runs of one job may overlap

`max_rows_per_second` (null: no cap) throttles a load between batches; `allow_concurrent_runs`
(default false) lifts the one-active-run-per-job rule of POST /jobs/execute/{id}.

Revision 0002 was already taken (job_run_unique_per_dag), so this is 0003; chain the next on "0003".

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 01:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("max_rows_per_second", sa.Integer(), nullable=True))
        # server_default: existing jobs keep today's behaviour made explicit (one active run).
        batch.add_column(
            sa.Column("allow_concurrent_runs", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("allow_concurrent_runs")
        batch.drop_column("max_rows_per_second")
