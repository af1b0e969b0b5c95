"""jobs read from files, tables, queries or arriving files; many-table jobs and their table runs

A job's source is `source_type`: an uploaded file (every existing job), tables of a source
connection (`job_tables`, each with its own target and mapping), a query, or files that arrive
in the drop directory. A run of a many-table job has one table run per table (`job_run_tables`),
which its rejected rows and events may name. Existing rows are untouched: they are uploads.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 07:40:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("source_type", sa.String(16), nullable=False, server_default="upload"))
        batch.alter_column("file_id", existing_type=sa.String(32), nullable=True)
        batch.add_column(sa.Column("source_credential_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_jobs_source_credential_id_credentials",
            "credentials",
            ["source_credential_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch.create_index("ix_jobs_source_credential_id", ["source_credential_id"])
        batch.add_column(sa.Column("source_query", sa.Text(), nullable=True))
        batch.add_column(sa.Column("source_pattern", sa.String(1024), nullable=True))
        batch.add_column(sa.Column("source_options", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("max_parallel_tables", sa.Integer(), nullable=False, server_default="4"))
        batch.add_column(sa.Column("row_transforms", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("destination_options", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("drift_policy", sa.String(16), nullable=False, server_default="fail"))

    op.create_table(
        "job_tables",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_schema", sa.String(255), nullable=True),
        sa.Column("source_table", sa.String(255), nullable=False),
        sa.Column("target_schema", sa.String(255), nullable=False),
        sa.Column("target_table", sa.String(255), nullable=False),
        sa.Column("create_table", sa.Boolean(), nullable=False),
        sa.Column("strategy", sa.String(32), nullable=False),
        sa.Column("upsert_keys", sa.JSON(), nullable=False),
        sa.Column("cursor_column", sa.String(255), nullable=True),
        sa.Column("cursor_lookback", sa.Double(), nullable=True),
        sa.Column("row_transforms", sa.JSON(), nullable=False),
        sa.Column("include", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_tables_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_tables")),
    )
    op.create_index(op.f("ix_job_tables_job_id"), "job_tables", ["job_id"])
    with op.batch_alter_table("column_mappings") as batch:
        batch.add_column(sa.Column("job_table_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_column_mappings_job_table_id_job_tables",
            "job_tables",
            ["job_table_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index("ix_column_mappings_job_table_id", ["job_table_id"])

    op.create_table(
        "job_run_tables",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job_run_id", sa.Integer(), nullable=False),
        sa.Column("job_table_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(512), nullable=False),
        sa.Column("target_name", sa.String(512), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("rows_read", sa.BigInteger(), nullable=False),
        sa.Column("rows_staged", sa.BigInteger(), nullable=False),
        sa.Column("rows_loaded", sa.BigInteger(), nullable=False),
        sa.Column("rows_rejected", sa.BigInteger(), nullable=False),
        sa.Column("rows_filtered", sa.BigInteger(), nullable=False),
        sa.Column("bytes_read", sa.BigInteger(), nullable=False),
        sa.Column("bytes_total", sa.BigInteger(), nullable=False),
        sa.Column("rows_per_second", sa.Double(), nullable=False),
        sa.Column("eta_seconds", sa.Double(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("outputs", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_run_id"],
            ["job_runs.id"],
            name=op.f("fk_job_run_tables_job_run_id_job_runs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_table_id"],
            ["job_tables.id"],
            name=op.f("fk_job_run_tables_job_table_id_job_tables"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_run_tables")),
    )
    op.create_index(op.f("ix_job_run_tables_job_run_id"), "job_run_tables", ["job_run_id"])
    for table in ("rejected_rows", "job_run_events"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("job_run_table_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                f"fk_{table}_job_run_table_id_job_run_tables",
                "job_run_tables",
                ["job_run_table_id"],
                ["id"],
                ondelete="CASCADE",
            )
            batch.create_index(f"ix_{table}_job_run_table_id", ["job_run_table_id"])
    with op.batch_alter_table("job_runs") as batch:
        batch.add_column(sa.Column("schema_drift", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("outputs", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("job_runs") as batch:
        batch.drop_column("outputs")
        batch.drop_column("schema_drift")
    for table in ("job_run_events", "rejected_rows"):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_job_run_table_id")
            batch.drop_constraint(f"fk_{table}_job_run_table_id_job_run_tables", type_="foreignkey")
            batch.drop_column("job_run_table_id")
    op.drop_index(op.f("ix_job_run_tables_job_run_id"), table_name="job_run_tables")
    op.drop_table("job_run_tables")
    with op.batch_alter_table("column_mappings") as batch:
        batch.drop_index("ix_column_mappings_job_table_id")
        batch.drop_constraint("fk_column_mappings_job_table_id_job_tables", type_="foreignkey")
        batch.drop_column("job_table_id")
    op.drop_index(op.f("ix_job_tables_job_id"), table_name="job_tables")
    op.drop_table("job_tables")
    with op.batch_alter_table("jobs") as batch:
        for column in (
            "drift_policy",
            "destination_options",
            "row_transforms",
            "max_parallel_tables",
            "source_options",
            "source_pattern",
            "source_query",
        ):
            batch.drop_column(column)
        batch.drop_index("ix_jobs_source_credential_id")
        batch.drop_constraint("fk_jobs_source_credential_id_credentials", type_="foreignkey")
        batch.drop_column("source_credential_id")
        batch.alter_column("file_id", existing_type=sa.String(32), nullable=False)
        batch.drop_column("source_type")
