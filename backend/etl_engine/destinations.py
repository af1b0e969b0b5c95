"""open_destination: the one place that maps a destination kind to its implementation."""

from __future__ import annotations

from .errors import InvalidJobSpec
from .spec import DestinationConfig
from .writers.base import Destination
from .writers.duckdb import DuckDBDestination
from .writers.postgres import PostgresDestination
from .writers.redshift import RedshiftDestination

_DESTINATIONS: dict[str, type[Destination]] = {
    "postgres": PostgresDestination,
    "redshift": RedshiftDestination,
    "duckdb": DuckDBDestination,
}


def open_destination(config: DestinationConfig) -> Destination:
    """A Destination for `config` (no connection is opened until a method needs one)."""
    try:
        return _DESTINATIONS[config.kind](config)
    except KeyError:
        raise InvalidJobSpec(f"unknown destination kind {config.kind!r}") from None
