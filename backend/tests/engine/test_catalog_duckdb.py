"""Browsing a DuckDB file while another browse of it is still open (the UI asks for schemas and
tables at once): DuckDB shares one instance per file in a process, settings included."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from etl_engine.sources.catalog import _duckdb, list_tables
from etl_engine.spec import DestinationConfig


def test_a_browse_opened_while_another_is_open_finds_the_file_locked_down_and_reads(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("CREATE TABLE sales (id INTEGER PRIMARY KEY, amount DECIMAL(10, 2))")
    config = DestinationConfig(kind="duckdb", path=str(path), options={"schema": "main"})

    with _duckdb(config) as first:
        assert [t.name for t in list_tables(config, "main")] == ["sales"]  # a second, overlapping open
        with pytest.raises(duckdb.Error, match=r"disabled|external access|Permission"):
            first.execute(f"SELECT * FROM read_csv('{tmp_path}/nothing.csv')")
