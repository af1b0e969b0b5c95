"""uploaded_files: what detection found and what the user set

Encoding confidence and alternatives, Excel's `sep=` line, the file's NULL markers and the zone of
naive timestamps, and the last options the user set. Existing files read as before: detection sure
(1.0), the engine's default markers (NULL here), UTC, nothing overridden.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 01:45:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("uploaded_files") as batch:
        batch.add_column(sa.Column("null_markers", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False))
        batch.add_column(
            sa.Column("encoding_confidence", sa.Float(), server_default=sa.text("1.0"), nullable=False)
        )
        batch.add_column(
            sa.Column("encoding_alternatives", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )
        batch.add_column(
            sa.Column("encoding_low_confidence", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("excel_separator_line", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("overrides", sa.JSON(), server_default=sa.text("'{}'"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("uploaded_files") as batch:
        for name in (
            "overrides",
            "excel_separator_line",
            "encoding_low_confidence",
            "encoding_alternatives",
            "encoding_confidence",
            "timezone",
            "null_markers",
        ):
            batch.drop_column(name)
