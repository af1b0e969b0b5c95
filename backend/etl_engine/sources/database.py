"""A TableSource or QuerySource opened as the source class of its connection's kind.

Each kind's module imports its own driver, so this imports the one a spec names, when it names it.
"""

from __future__ import annotations

from ..spec import QuerySource, TableSource
from .base import Source

# Where a table whose spec names no schema lives: the connection's usual default.
_DEFAULT_SCHEMA = {"postgres": "public", "sqlserver": "dbo"}


def open_table(spec: TableSource, batch_size: int) -> Source:
    config = spec.connection
    if config.kind == "postgres":
        from .postgres import PostgresTableSource

        schema = spec.schema or _DEFAULT_SCHEMA["postgres"]
        return PostgresTableSource(config, schema, spec.table, batch_size)
    if config.kind == "mysql":
        from .mysql import MySqlTableSource

        return MySqlTableSource(config, spec.schema, spec.table, batch_size, zero_dates=spec.zero_dates)
    if config.kind == "sqlserver":
        from .sqlserver import SqlServerTableSource

        schema = spec.schema or _DEFAULT_SCHEMA["sqlserver"]
        return SqlServerTableSource(config, schema, spec.table, batch_size)
    from .oracle import OracleTableSource

    # An Oracle table without an owner is the connecting user's (unquoted names are upper case).
    return OracleTableSource(config, spec.schema or (config.user or "").upper(), spec.table, batch_size)


def open_query(spec: QuerySource, batch_size: int) -> Source:
    config = spec.connection
    if config.kind == "postgres":
        from .postgres import PostgresQuerySource

        return PostgresQuerySource(config, spec.sql, batch_size)
    if config.kind == "mysql":
        from .mysql import MySqlQuerySource

        return MySqlQuerySource(config, spec.sql, batch_size, zero_dates=spec.zero_dates)
    if config.kind == "sqlserver":
        from .sqlserver import SqlServerQuerySource

        return SqlServerQuerySource(config, spec.sql, batch_size)
    from .oracle import OracleQuerySource

    return OracleQuerySource(config, spec.sql, batch_size)
