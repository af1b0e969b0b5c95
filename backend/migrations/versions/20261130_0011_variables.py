"""global variables; schedules disable themselves after consecutive failed runs

`variables` holds the static and db_query variables templates use as `{{ name }}` (context ones
are computed per run, never stored). A schedule gains `disable_after_failures` (existing schedules
get the default, 3; NULL: never) and `disabled_reason` (why it was disabled by the portal).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 07:50:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "variables",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("credential_id", sa.Integer(), nullable=True),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name=op.f("fk_variables_credential_id_credentials"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_variables")),
        sa.UniqueConstraint("name", name=op.f("uq_variables_name")),
    )
    op.create_index(op.f("ix_variables_credential_id"), "variables", ["credential_id"])
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("disable_after_failures", sa.Integer(), nullable=True, server_default="3"))
        batch.add_column(sa.Column("disabled_reason", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("disabled_reason")
        batch.drop_column("disable_after_failures")
    op.drop_index(op.f("ix_variables_credential_id"), table_name="variables")
    op.drop_table("variables")
