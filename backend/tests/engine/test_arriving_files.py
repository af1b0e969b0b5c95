"""ArrivingFilesSource: files that arrive in a drop directory, read once each, headers by name.

Real files on disk (Excel-style exports with a BOM, `;`, CRLF and `sep=` lines among them); no
fake. Modification times are set explicitly, so the order never depends on the clock.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pyarrow as pa
import pytest

import etl_engine as e
from etl_engine.sources.files import (
    FILE_SHIFT,
    LINE_MASK,
    ArrivingFilesSource,
    FileChanged,
    HeaderMismatch,
    list_files,
)

EXCEL = e.CsvOptions(encoding="utf-8-sig", delimiter=";", decimal=",")
HEADER = "Bestellnr.;Kunde;Betrag;Datum"


def excel_export(rows: list[str], header: str = HEADER, sep_line: bool = False) -> bytes:
    """Excel's "CSV UTF-8 (semicolon)": a BOM, `;`, CRLF line ends, decimal commas."""
    lines = (["sep=;"] if sep_line else []) + [header, *rows]
    return "\ufeff".encode() + ("\r\n".join(lines) + "\r\n").encode("utf-8")


def drop(root: Path, name: str, data: bytes, at: int) -> Path:
    """Write a file under the drop directory with modification time `at` (seconds)."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, ns=(at * 10**9, at * 10**9))
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "drop"
    path.mkdir()
    return path


@pytest.fixture
def expected(root: Path, tmp_path: Path) -> list[e.SourceColumn]:
    """The job's columns, profiled from its sample upload (kept outside the drop directory)."""
    sample = tmp_path / "sample.csv"
    sample.write_bytes(
        excel_export(["1001;Müller GmbH;1.234,50;30.11.2026", "1002;Weiß KG;89,90;29.11.2026"])
    )
    columns = e.profile_csv(sample).columns
    assert [c.type for c in columns] == [
        e.ColumnType.INTEGER,
        e.ColumnType.TEXT,
        e.ColumnType.NUMERIC,
        e.ColumnType.DATE,
    ]
    return columns


def spec(root: Path, pattern: str = "exports/*.csv", **fields: Any) -> e.ArrivingFiles:
    return e.ArrivingFiles(str(root), pattern, EXCEL, **fields)


def read_all(source: ArrivingFilesSource) -> tuple[list[dict[str, Any]], list[int], list[e.RejectedRow]]:
    rows: list[dict[str, Any]] = []
    ids: list[int] = []
    rejected: list[e.RejectedRow] = []
    for batch in source.batches():
        rows += batch.batch.to_pylist()
        ids += [batch.row_id(i) for i in range(batch.batch.num_rows)]
        rejected += batch.rejected
    return rows, ids, rejected


def names(state: dict[str, Any]) -> list[str]:
    return [entry["name"] for entry in state["files"]]


def test_lists_matching_files_oldest_first_skipping_hidden_files_and_folders(root: Path) -> None:
    drop(root, "exports/sales_b.csv", b"a\n1\n", at=1_000)
    drop(root, "exports/sales_a.csv", b"a\n1\n", at=1_000)  # same time: by name
    drop(root, "exports/sales_0.csv", b"a\n1\n", at=900)
    drop(root, "exports/.sales_c.csv", b"a\n1\n", at=800)  # a copy in progress
    drop(root, "exports/sales_d.txt", b"a\n1\n", at=800)
    (root / "exports" / "sales_dir.csv").mkdir()
    drop(root, "exports/2026/11/sales_e.csv", b"a\n1\n", at=1_100)

    assert [f.name for f in list_files(root, "exports/sales_*.csv")] == [
        "exports/sales_0.csv",
        "exports/sales_a.csv",
        "exports/sales_b.csv",
    ]
    assert [f.name for f in list_files(root, "exports/**/sales_*.csv")][-1] == "exports/2026/11/sales_e.csv"


@pytest.mark.parametrize("pattern", ["/etc/*.csv", "../*.csv", "exports/../../*.csv", "exports\\*.csv", ""])
def test_refuses_patterns_that_leave_the_drop_directory(root: Path, pattern: str) -> None:
    with pytest.raises(e.InvalidJobSpec, match="inside the drop directory"):
        list_files(root, pattern)


def test_refuses_a_link_leading_outside_and_reads_a_link_inside(root: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("password\nhunter2\n")
    drop(root, "exports/real.csv", b"a\n1\n", at=1_000)
    (root / "exports" / "inside.csv").symlink_to(root / "exports" / "real.csv")
    assert [f.name for f in list_files(root, "exports/*.csv")] == ["exports/inside.csv", "exports/real.csv"]

    (root / "exports" / "leak.csv").symlink_to(secret)
    outside = re.escape("'exports/leak.csv' leads outside the drop directory")
    with pytest.raises(e.SourceFailed, match=outside):
        list_files(root, "exports/*.csv")


def test_a_missing_drop_directory_fails_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(e.SourceFailed, match="does not exist"):
        list_files(tmp_path / "nowhere", "*.csv")


def test_mode_new_reads_only_files_not_in_the_state_and_adds_them_to_it(
    root: Path, expected: list[e.SourceColumn]
) -> None:
    drop(root, "exports/sales_1.csv", excel_export(["1;A;1,00;01.11.2026"]), at=1_000)
    with ArrivingFilesSource(spec(root), expected) as first:
        first.resume(None)
        assert not first.nothing_new
        rows, _, _ = read_all(first)
        state = first.state
    assert [r["bestellnr"] for r in rows] == ["1"]
    assert names(state) == ["exports/sales_1.csv"]
    assert set(state["files"][0]) == {"name", "size", "sha256", "modified"}

    drop(root, "exports/sales_2.csv", excel_export(["2;B;2,00;02.11.2026", "3;C;3,00;03.11.2026"]), at=2_000)
    with ArrivingFilesSource(spec(root), expected) as second:
        second.resume(state)
        assert [f.name for f in second.files] == ["exports/sales_2.csv"]
        rows, _, _ = read_all(second)
        state = second.state
    assert [r["bestellnr"] for r in rows] == ["2", "3"]
    assert names(state) == ["exports/sales_1.csv", "exports/sales_2.csv"]

    with ArrivingFilesSource(spec(root), expected) as third:
        third.resume(state)
        assert third.nothing_new
        assert read_all(third) == ([], [], [])


def test_a_file_with_the_same_name_but_other_content_is_a_new_version(
    root: Path, expected: list[e.SourceColumn]
) -> None:
    path = drop(root, "exports/daily.csv", excel_export(["1;A;1,00;01.11.2026"]), at=1_000)
    with ArrivingFilesSource(spec(root), expected) as source:
        source.resume(None)
        read_all(source)
        state = source.state

    # Touched, same bytes: the checksum says it is the file loaded already.
    os.utime(path, ns=(5_000 * 10**9, 5_000 * 10**9))
    with ArrivingFilesSource(spec(root), expected) as source:
        source.resume(state)
        assert source.nothing_new

    # Same size, other bytes: a new version.
    drop(root, "exports/daily.csv", excel_export(["2;B;1,00;01.11.2026"]), at=6_000)
    with ArrivingFilesSource(spec(root), expected) as source:
        source.resume(state)
        rows, _, _ = read_all(source)
        newer = source.state
    assert [r["bestellnr"] for r in rows] == ["2"]
    assert len(newer["files"]) == 1
    assert newer["files"][0]["sha256"] != state["files"][0]["sha256"]

    # Longer: a new version without hashing the old one.
    drop(root, "exports/daily.csv", excel_export(["3;C;1,00;01.11.2026", "4;D;1,00;01.11.2026"]), at=7_000)
    with ArrivingFilesSource(spec(root), expected) as source:
        source.resume(newer)
        assert [r["bestellnr"] for r in read_all(source)[0]] == ["3", "4"]


def test_mode_latest_reads_the_newest_match_once(root: Path, expected: list[e.SourceColumn]) -> None:
    drop(root, "exports/sales_old.csv", excel_export(["1;A;1,00;01.11.2026"]), at=1_000)
    drop(root, "exports/sales_new.csv", excel_export(["2;B;2,00;02.11.2026"]), at=2_000)
    with ArrivingFilesSource(spec(root, mode="latest"), expected) as source:
        source.resume(None)
        assert [r["bestellnr"] for r in read_all(source)[0]] == ["2"]
        state = source.state
    assert names(state) == ["exports/sales_new.csv"]
    with ArrivingFilesSource(spec(root, mode="latest"), expected) as source:
        source.resume(state)
        assert source.nothing_new


def test_nothing_new_fails_when_the_job_says_so(root: Path, expected: list[e.SourceColumn]) -> None:
    with ArrivingFilesSource(
        spec(root, "exports/sales_2026-11-30*.csv", on_empty="fail"), expected
    ) as source:
        source.resume(None)
        with pytest.raises(
            e.SourceFailed, match="nothing to load: no new file matches 'exports/sales_2026-11-30"
        ):
            _ = source.nothing_new


def test_the_state_forgets_deleted_files_and_keeps_those_of_other_patterns(
    root: Path, expected: list[e.SourceColumn]
) -> None:
    drop(root, "exports/a.csv", excel_export(["1;A;1,00;01.11.2026"]), at=1_000)
    gone = drop(root, "exports/b.csv", excel_export(["2;B;1,00;01.11.2026"]), at=1_000)
    drop(root, "other/c.csv", excel_export(["3;C;1,00;01.11.2026"]), at=1_000)
    with ArrivingFilesSource(spec(root, "other/*.csv"), expected) as source:
        source.resume(None)
        read_all(source)
        other = source.state
    with ArrivingFilesSource(spec(root), expected) as source:
        source.resume(other)
        read_all(source)
        state = source.state
    assert names(state) == ["other/c.csv", "exports/a.csv", "exports/b.csv"]

    gone.unlink()
    drop(root, "exports/d.csv", excel_export(["4;D;1,00;01.11.2026"]), at=2_000)
    with ArrivingFilesSource(spec(root), expected) as source:
        source.resume(state)
        read_all(source)
        assert names(source.state) == ["other/c.csv", "exports/a.csv", "exports/d.csv"]


def test_headers_are_matched_by_name_and_unexpected_columns_are_not_read(
    root: Path, expected: list[e.SourceColumn]
) -> None:
    # Reordered, a column renamed only in case and spacing, an extra column, a `sep=` line.
    drop(
        root,
        "exports/a.csv",
        excel_export(
            ["30.11.2026;Nord;1.000,00;Müller;1"], "Datum;Region;Betrag; KUNDE ;Bestellnr.", sep_line=True
        ),
        at=1_000,
    )
    with ArrivingFilesSource(spec(root), expected) as source:
        source.resume(None)
        rows, _, _ = read_all(source)
    assert rows == [{"bestellnr": "1", "kunde": "Müller", "betrag": "1.000,00", "datum": "30.11.2026"}]
    assert [c.sql_name for c in source.columns] == ["bestellnr", "kunde", "betrag", "datum"]


def test_a_file_lacking_an_expected_column_fails_the_run_before_any_row_is_read(
    root: Path, expected: list[e.SourceColumn]
) -> None:
    drop(root, "exports/a.csv", excel_export(["1;A;1,00;01.11.2026"]), at=1_000)
    drop(root, "exports/b.csv", excel_export(["2;B;01.11.2026"], "Bestellnr.;Kunde;Datum"), at=2_000)
    with ArrivingFilesSource(spec(root), expected) as source:
        source.resume(None)
        batches = source.batches()
        lacks = re.escape("'exports/b.csv' lacks the column 'Betrag'")
        with pytest.raises(HeaderMismatch, match=lacks) as raised:
            next(batches)
    assert raised.value.missing == ["Betrag"]
    assert isinstance(raised.value, e.TerminalError)


def test_identities_name_the_file_and_line_and_ragged_rows_say_which_file(
    root: Path, expected: list[e.SourceColumn]
) -> None:
    drop(root, "exports/a.csv", excel_export(["1;A;1,00;01.11.2026", "2;B;2,00;02.11.2026"]), at=1_000)
    drop(
        root,
        "exports/b.csv",
        excel_export(["3;C;3,00;03.11.2026", "4;D;4,00", "5;E;5,00;05.11.2026"]),
        at=2_000,
    )
    with ArrivingFilesSource(spec(root), expected, batch_size=2) as source:
        source.resume(None)
        rows, ids, rejected = read_all(source)
        assert source.position == source.total == sum(f.stat().st_size for f in (root / "exports").iterdir())
    assert [r["bestellnr"] for r in rows] == ["1", "2", "3", "5"]
    assert ids == [2, 3, 1 << FILE_SHIFT | 2, 1 << FILE_SHIFT | 4]
    assert len(set(ids)) == len(ids)
    [ragged] = rejected
    assert (ragged.line_number >> FILE_SHIFT, ragged.line_number & LINE_MASK) == (1, 3)
    assert ragged.reason == "expected 4 fields, found 3 (file exports/b.csv, line 3)"
    assert ragged.raw == "4;D;4,00"


def test_the_same_files_read_again_give_the_same_rows_under_the_same_identities(
    root: Path, expected: list[e.SourceColumn]
) -> None:
    for n in range(3):
        drop(root, f"exports/{n}.csv", excel_export([f"{n};X;1,00;01.11.2026"] * 3), at=1_000 + n)
    reads = []
    for _ in range(2):
        with ArrivingFilesSource(spec(root), expected, batch_size=2) as source:
            source.resume(None)
            reads.append(read_all(source))
    assert reads[0] == reads[1]


def test_a_file_that_changes_while_it_is_read_fails_the_attempt_transiently(
    root: Path, expected: list[e.SourceColumn]
) -> None:
    path = drop(root, "exports/a.csv", excel_export(["1;A;1,00;01.11.2026"] * 5), at=1_000)
    with ArrivingFilesSource(spec(root), expected, batch_size=1) as source:
        source.resume(None)
        batches = source.batches()
        next(batches)
        with path.open("ab") as still_written:
            still_written.write(b"6;F;1,00;01.11.2026\r\n")
        with pytest.raises(FileChanged, match="changed while it was read"):
            list(batches)
        assert isinstance(FileChanged("x"), e.TransientError)
        assert source.state == {"files": []}


def test_an_unreadable_file_is_named(root: Path, expected: list[e.SourceColumn]) -> None:
    drop(root, "exports/a.csv", b"", at=1_000)
    with ArrivingFilesSource(spec(root), expected) as source:
        source.resume(None)
        with pytest.raises(e.UnreadableFile, match=re.escape("exports/a.csv: the file is empty")):
            list(source.batches())


def test_values_are_text_for_the_mapper(root: Path, expected: list[e.SourceColumn]) -> None:
    drop(root, "exports/a.csv", excel_export(["1;A;1,00;01.11.2026"]), at=1_000)
    with ArrivingFilesSource(spec(root), expected) as source:
        source.resume(None)
        [batch] = list(source.batches())
    assert batch.batch.schema == pa.schema([(c.sql_name, pa.string()) for c in expected])


def test_an_optional_column_is_null_in_the_files_that_lack_it(
    root: Path, expected: list[e.SourceColumn]
) -> None:
    """Schema drift's evolve adds a column some files of the run have and older ones do not."""
    drop(root, "exports/a.csv", excel_export(["1;A;1,00;01.11.2026"]), at=1_000)
    drop(root, "exports/b.csv", excel_export(["2;B;2,00;02.11.2026;Nord"], HEADER + ";Region"), at=2_000)
    region = e.SourceColumn("Region", "region", e.ColumnType.TEXT)
    with ArrivingFilesSource(spec(root, optional_columns=["region"]), [*expected, region]) as source:
        source.resume(None)
        rows, _, _ = read_all(source)
    assert [(r["bestellnr"], r["region"]) for r in rows] == [("1", None), ("2", "Nord")]


# --- through run_job: the state is committed with the rows in the destination's ledger ----------


def schema_of(config: e.DestinationConfig) -> str:
    return str(config.options["schema"])


def query(config: e.DestinationConfig, sql: str) -> list[tuple[Any, ...]]:
    if config.kind == "duckdb":
        with duckdb.connect(str(config.path)) as conn:
            return conn.execute(sql).fetchall()
    with psycopg.connect(
        host=config.host, port=config.port, dbname=config.database, user=config.user
    ) as conn:
        return conn.execute(sql).fetchall()


def files_job(
    root: Path, expected: list[e.SourceColumn], destination: e.DestinationConfig, run_id: str, **fields: Any
) -> e.JobSpec:
    return e.JobSpec(
        run_id=run_id,
        source=spec(root, **fields),
        columns=[e.ColumnSpec(c.sql_name, c.sql_name, c.type) for c in expected],
        destination=destination,
        load=e.LoadSpec(schema=schema_of(destination), table="sales", stream="job1/files"),
        source_columns=expected,
    )


def test_runs_load_each_arriving_file_once(
    root: Path, expected: list[e.SourceColumn], destination: e.DestinationConfig, reporter: e.Reporter
) -> None:
    table = f"{schema_of(destination)}.sales"
    drop(root, "exports/a.csv", excel_export(["1;A;1,50;01.11.2026", "2;B;2,50;02.11.2026"]), at=1_000)
    first = e.run_job(files_job(root, expected, destination, "run1"), reporter)
    assert (first.status, first.rows_loaded) == ("COMPLETED", 2)
    assert first.state is not None and names(first.state) == ["exports/a.csv"]

    # A retry of the committed run loads nothing twice, and neither does the next run.
    again = e.run_job(files_job(root, expected, destination, "run1"), reporter)
    assert again.rows_loaded == 2
    nothing = e.run_job(files_job(root, expected, destination, "run2"), reporter)
    assert nothing.status == "NOTHING_TO_LOAD"
    assert query(destination, f"SELECT count(*) FROM {table}") == [(2,)]

    # A new file arrives (with a `sep=` line this time): the next run loads only it.
    drop(root, "exports/b.csv", excel_export(["3;C;3,50;03.11.2026"], sep_line=True), at=2_000)
    second = e.run_job(files_job(root, expected, destination, "run3"), reporter)
    assert (second.status, second.rows_read, second.rows_loaded) == ("COMPLETED", 1, 1)
    assert query(destination, f"SELECT bestellnr, betrag FROM {table} ORDER BY bestellnr") == [
        (1, Decimal("1.50")),
        (2, Decimal("2.50")),
        (3, Decimal("3.50")),
    ]


def test_a_failed_run_commits_neither_rows_nor_files(
    root: Path, expected: list[e.SourceColumn], pg_config: e.DestinationConfig, reporter: e.Reporter
) -> None:
    drop(root, "exports/a.csv", excel_export(["1;A;1,50;01.11.2026"]), at=1_000)
    drop(root, "exports/b.csv", excel_export(["2;B;01.11.2026"], "Bestellnr.;Kunde;Datum"), at=2_000)
    with pytest.raises(HeaderMismatch):
        e.run_job(files_job(root, expected, pg_config, "run1"), reporter)
    assert e.open_destination(pg_config).table_columns(schema_of(pg_config), "sales") == []

    drop(root, "exports/b.csv", excel_export(["2;B;2,50;01.11.2026"]), at=3_000)  # sent again, whole
    result = e.run_job(files_job(root, expected, pg_config, "run2"), reporter)
    assert (result.rows_loaded, names(result.state or {})) == (2, ["exports/a.csv", "exports/b.csv"])


def test_nothing_new_under_on_empty_fail_fails_the_run(
    root: Path, expected: list[e.SourceColumn], pg_config: e.DestinationConfig, reporter: e.Reporter
) -> None:
    with pytest.raises(e.SourceFailed, match="nothing to load"):
        e.run_job(files_job(root, expected, pg_config, "run1", on_empty="fail"), reporter)
