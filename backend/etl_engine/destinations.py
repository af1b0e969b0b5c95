"""open_destination: the one place that maps a destination kind to its implementation.

Modules are imported on first use: a PostgreSQL load never pays for importing the Redshift driver
(and boto3 behind it, almost a second) or DuckDB.
"""

from __future__ import annotations

from importlib import import_module

from .errors import InvalidJobSpec
from .spec import DestinationConfig
from .writers.base import Destination

_DESTINATIONS: dict[str, tuple[str, str]] = {
    "postgres": ("etl_engine.writers.postgres", "PostgresDestination"),
    "redshift": ("etl_engine.writers.redshift", "RedshiftDestination"),
    "duckdb": ("etl_engine.writers.duckdb", "DuckDBDestination"),
    "s3": ("etl_engine.writers.s3", "S3Destination"),
    "snowflake": ("etl_engine.writers.snowflake", "SnowflakeDestination"),
}


def destination_strategies(kind: str) -> frozenset[str]:
    """The load strategies a destination kind honours (S3 writes files: no UPSERT)."""
    return _destination_class(kind).strategies


def open_destination(config: DestinationConfig) -> Destination:
    """A Destination for `config` (no connection is opened until a method needs one)."""
    return _destination_class(config.kind)(config)


def _destination_class(kind: str) -> type[Destination]:
    try:
        module, name = _DESTINATIONS[kind]
    except KeyError:
        raise InvalidJobSpec(f"unknown destination kind {kind!r}") from None
    destination_class: type[Destination] = getattr(import_module(module), name)
    return destination_class
