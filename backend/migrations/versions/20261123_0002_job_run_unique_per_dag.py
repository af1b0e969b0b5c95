"""job_runs: a DAG run id is unique per DAG, not globally

Airflow's run ids are unique only within a DAG: two schedule DAGs firing at the same instant both
have `scheduled__<time>`, and the second scheduled run could not be recorded.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:12:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job_runs") as batch:
        batch.drop_constraint("uq_job_runs_dag_run_id", type_="unique")
        batch.create_unique_constraint("uq_job_runs_dag_id", ["dag_id", "dag_run_id"])


def downgrade() -> None:
    with op.batch_alter_table("job_runs") as batch:
        batch.drop_constraint("uq_job_runs_dag_id", type_="unique")
        batch.create_unique_constraint("uq_job_runs_dag_run_id", ["dag_run_id"])
