"""A TableSource or QuerySource opened as the source class of its connection's kind.

Each kind's module imports its own driver, so this imports the one a spec names, when it names it.
A table read in `ranges` > 1 key ranges is read by as many sources at once (parallel.py).
"""

from __future__ import annotations

from ..spec import QuerySource, TableSource
from .base import Source
from .ranges import KeyRange

# Where a table whose spec names no schema lives: the connection's usual default.
_DEFAULT_SCHEMA = {"postgres": "public", "sqlserver": "dbo"}


def open_table(spec: TableSource, batch_size: int) -> Source:
    if spec.ranges > 1:
        from .parallel import ParallelRanges

        return ParallelRanges(spec, batch_size)
    return open_range(spec, batch_size, None)


def table_schema(spec: TableSource) -> str | None:
    """The schema a table spec names, or its connection's default (MySQL: None, the database's)."""
    config = spec.connection
    if spec.schema:
        return spec.schema
    if config.kind == "oracle":
        return (config.user or "").upper()  # unquoted names are upper case in Oracle
    return _DEFAULT_SCHEMA.get(config.kind)


def open_range(spec: TableSource, batch_size: int, key_range: KeyRange | None) -> Source:
    """The table, or one key range of it."""
    config, schema, incremental = spec.connection, table_schema(spec), spec.incremental
    if config.kind == "postgres":
        from .postgres import PostgresTableSource

        assert schema is not None
        return PostgresTableSource(
            config, schema, spec.table, batch_size, key_range=key_range, incremental=incremental
        )
    if config.kind == "mysql":
        from .mysql import MySqlTableSource

        return MySqlTableSource(
            config,
            schema,
            spec.table,
            batch_size,
            key_range=key_range,
            zero_dates=spec.zero_dates,
            incremental=incremental,
        )
    assert schema is not None
    if config.kind == "sqlserver":
        from .sqlserver import SqlServerTableSource

        return SqlServerTableSource(
            config, schema, spec.table, batch_size, key_range=key_range, incremental=incremental
        )
    from .oracle import OracleTableSource

    return OracleTableSource(
        config, schema, spec.table, batch_size, key_range=key_range, incremental=incremental
    )


def open_query(spec: QuerySource, batch_size: int) -> Source:
    """The query, its `params` bound by the kind's driver (always passed: see render_query)."""
    config, params = spec.connection, spec.params
    if config.kind == "postgres":
        from .postgres import PostgresQuerySource

        return PostgresQuerySource(config, spec.sql, batch_size, params=params)
    if config.kind == "mysql":
        from .mysql import MySqlQuerySource

        return MySqlQuerySource(config, spec.sql, batch_size, zero_dates=spec.zero_dates, params=params)
    if config.kind == "sqlserver":
        from .sqlserver import SqlServerQuerySource

        return SqlServerQuerySource(config, spec.sql, batch_size, params=params)
    from .oracle import OracleQuerySource

    return OracleQuerySource(config, spec.sql, batch_size, params=params)
