"""run_job end to end into real PostgreSQL and DuckDB: streaming, rejects, thresholds, retries."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import etl_engine as e

from .conftest import RecordingReporter, query, schema_of, table_exists

SpecMaker = Callable[..., e.JobSpec]
CsvWriter = Callable[..., Path]


def target(config: e.DestinationConfig, table: str = "target") -> str:
    return f'"{schema_of(config)}"."{table}"'


def test_load_streams_many_batches_and_reports_progress(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker, reporter: RecordingReporter
) -> None:
    text = "id,name,amount\n" + "".join(f'{i},"n{i}, ""q""",{i}.5\n' for i in range(1, 5001))
    path = write_csv(text)
    result = e.run_job(make_spec(path, destination, batch_size=1000), reporter)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "COMPLETED",
        5000,
        5000,
        0,
    )
    assert query(destination, f"SELECT count(*), sum(id), min(name) FROM {target(destination)}") == [
        (5000, 12502500, 'n1, "q"')
    ]
    assert len(reporter.progress_seen) >= 5
    last = reporter.progress_seen[-1]
    assert (last.rows_read, last.rows_loaded, last.bytes_read) == (5000, 5000, path.stat().st_size)
    assert not table_exists(destination, "_etl_stage_" + result.status.lower())


@pytest.mark.parametrize(("encoding", "compress"), [("utf-8", False), ("utf-8", True), ("utf-16", False)])
def test_progress_bytes_follow_the_rows_handed_on_not_the_readers_file_position(
    pg_config: e.DestinationConfig,
    write_csv: CsvWriter,
    make_spec: SpecMaker,
    reporter: RecordingReporter,
    encoding: str,
    compress: bool,
) -> None:
    rows = 150_000  # several parser blocks (and far less than pyarrow's read-ahead)
    text = "id,name,amount\n" + "".join(f"{i:07d},name{i:07d},{i % 1000:03d}.25\n" for i in range(rows))
    path = write_csv(text, name="p.csv.gz" if compress else "p.csv", encoding=encoding, gzip=compress)
    e.run_job(make_spec(path, pg_config, batch_size=10_000), reporter)
    total = path.stat().st_size
    seen = reporter.progress_seen
    assert len(seen) > 10
    assert [p.bytes_read for p in seen] == sorted(p.bytes_read for p in seen)
    assert all(p.bytes_total == total and 0 <= p.bytes_read <= total for p in seen)
    for p in seen[:-1]:  # the rows' share of the file, within a few percent
        assert abs(p.bytes_read / total - p.rows_read / rows) < 0.03, (p.rows_read, p.bytes_read)
    assert (seen[-1].rows_read, seen[-1].bytes_read) == (rows, total)


def test_rows_that_break_the_inferred_type_are_rejected_with_line_and_reason(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker, reporter: RecordingReporter
) -> None:
    path = write_csv(
        'id,note,day\n1,"multi\nline",2024-01-01\n2,ok\n3,x,2024-02-30\nfour,y,2024-01-02\n5,z,\n'
    )
    profile = e.profile_csv(path)
    profile.columns[0].type = e.ColumnType.INTEGER
    profile.columns[2].type = e.ColumnType.DATE
    # widen_types=False: the types are the user's choice, not to be widened (test_widening.py)
    spec = make_spec(path, destination, profile=profile, reject_threshold_count=5, widen_types=False)
    result = e.run_job(spec, reporter)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "COMPLETED_WITH_REJECTS",
        5,
        2,
        3,
    )
    found = [(r.line_number, r.column, r.raw) for r in reporter.rejected_rows]
    assert found == [(3, None, "2,ok"), (4, "day", "3,x,2024-02-30"), (5, "id", "four,y,2024-01-02")]
    assert "'2024-02-30' is not a valid DATE" in reporter.rejected_rows[1].reason
    assert "expected 3 fields, found 2" in reporter.rejected_rows[0].reason
    assert query(destination, f"SELECT id, note, day FROM {target(destination)} ORDER BY id")[1][1:] == (
        "z",
        None,
    )


def test_rejects_over_the_threshold_fail_the_run_and_load_nothing(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker, reporter: RecordingReporter
) -> None:
    path = write_csv("id,v\n" + "".join(f"{i},{i}\n" for i in range(100)) + "x,1\ny,2\n")
    profile = e.profile_csv(path)
    profile.columns[0].type = e.ColumnType.INTEGER
    with pytest.raises(e.RejectThresholdExceeded, match="2 rejected rows exceed the limit of 1"):
        e.run_job(
            make_spec(path, destination, profile=profile, reject_threshold_count=1, widen_types=False),
            reporter,
        )
    assert not table_exists(destination, "target")
    with pytest.raises(e.RejectThresholdExceeded, match=r"\(1.96%\) exceed the limit of 1.5%"):
        e.run_job(
            make_spec(path, destination, profile=profile, reject_threshold_percent=1.5, widen_types=False),
            reporter,
        )
    assert not table_exists(destination, "target")
    assert [t.name for t in e.open_destination(destination).list_tables(schema_of(destination))] == []


def test_a_ragged_row_over_the_threshold_is_named_by_its_line_alone(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker, reporter: RecordingReporter
) -> None:
    path = write_csv("id,v\n1,a\n2\n")
    with pytest.raises(e.RejectThresholdExceeded) as failure:
        e.run_job(make_spec(path, destination, profile=e.profile_csv(path)), reporter)
    assert "First: line 3: expected 2 fields, found 1" in str(failure.value)
    assert "None" not in str(failure.value)


def test_default_threshold_is_zero_and_at_the_limit_the_run_completes_with_rejects(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker, reporter: RecordingReporter
) -> None:
    path = write_csv("id,v\n1,a\n2,b\nx,c\n")
    profile = e.profile_csv(path)
    profile.columns[0].type = e.ColumnType.INTEGER
    with pytest.raises(e.RejectThresholdExceeded):
        e.run_job(make_spec(path, destination, profile=profile, widen_types=False), reporter)
    result = e.run_job(
        make_spec(path, destination, profile=profile, reject_threshold_percent=34.0, widen_types=False),
        reporter,
    )
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("COMPLETED_WITH_REJECTS", 2, 1)


def test_retrying_a_committed_run_loads_nothing_twice(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker, reporter: RecordingReporter
) -> None:
    spec = make_spec(write_csv("id\n1\n2\n3\n"), destination, run_id="run-42")
    first = e.run_job(spec, reporter)
    spec.load.create_table = True
    again = e.run_job(spec, reporter)
    assert (first.rows_loaded, again.rows_loaded, again.status) == (3, 3, "COMPLETED")
    assert query(destination, f"SELECT count(*) FROM {target(destination)}") == [(3,)]
    assert ("run_already_committed", {"run_id": "run-42", "rows_loaded": 3}) in reporter.events
    ledger = query(destination, f'SELECT run_id, rows_loaded FROM "{schema_of(destination)}"."_etl_loads"')
    assert ledger == [("run-42", 3)]


def test_a_cancelled_run_loads_nothing_and_leaves_no_staging_table(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker
) -> None:
    path = write_csv("id\n" + "".join(f"{i}\n" for i in range(3000)))
    with pytest.raises(e.RunCancelled):
        e.run_job(make_spec(path, destination, batch_size=1000), RecordingReporter(cancel_after=1))
    assert e.open_destination(destination).list_tables(schema_of(destination)) == []
    staging = query(
        destination,
        "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '\\_etl\\_stage%' ESCAPE '\\'",
    )
    assert staging == [(0,)]


@pytest.mark.parametrize(
    ("encoding", "compress"), [("cp1252", False), ("utf-16", False), ("utf-8", True), ("utf-8-sig", False)]
)
def test_files_in_any_encoding_or_gzipped_load_the_same_text(
    pg_config: e.DestinationConfig,
    write_csv: CsvWriter,
    make_spec: SpecMaker,
    reporter: RecordingReporter,
    encoding: str,
    compress: bool,
) -> None:
    text = "Name;Straße;Größe\n" + "Müller;Hauptstraße 5;grün\n" * 30 + "Zoë;Œuvre;1,5\n"
    path = write_csv(text, name="de.csv.gz" if compress else "de.csv", encoding=encoding, gzip=compress)
    result = e.run_job(make_spec(path, pg_config), reporter)
    assert result.rows_loaded == 31
    rows = query(pg_config, f"SELECT name, strasse, grosse FROM {target(pg_config)}")
    assert rows[0] == ("Müller", "Hauptstraße 5", "grün")
    assert rows[-1] == ("Zoë", "Œuvre", "1,5")


def test_european_file_with_decimal_comma_loads_exact_numbers(
    destination: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker, reporter: RecordingReporter
) -> None:
    path = write_csv("artikel;preis;menge\nA;1234,56;3\nB;-0,5;\nC;;7\n")
    e.run_job(make_spec(path, destination), reporter)
    rows = query(
        destination, f"SELECT artikel, CAST(preis AS VARCHAR), menge FROM {target(destination)} ORDER BY 1"
    )
    assert [(a, float(p) if p else None, m) for a, p, m in rows] == [
        ("A", 1234.56, 3),
        ("B", -0.5, None),
        ("C", None, 7),
    ]


def test_unreachable_destination_fails_with_a_readable_message(
    write_csv: CsvWriter, make_spec: SpecMaker, reporter: RecordingReporter
) -> None:
    config = e.DestinationConfig(
        kind="postgres", host="127.0.0.1", port=1, database="x", user="u", options={"schema": "public"}
    )
    with pytest.raises(e.DestinationUnreachable, match=r"cannot connect to PostgreSQL at 127\.0\.0\.1:1/x"):
        e.run_job(make_spec(write_csv("a\n1\n"), config), reporter)
    check = e.open_destination(config).test_connection()
    assert not check.ok and "127.0.0.1:1" in check.message


def test_a_file_truncated_after_profiling_fails_without_loading(
    pg_config: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker, tmp_path: Path
) -> None:
    import gzip

    path = write_csv("id\n" + "".join(f"{i}\n" for i in range(20000)), name="d.csv.gz", gzip=True)
    spec = make_spec(path, pg_config)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(e.UnreadableFile) as error:
        e.run_job(spec, RecordingReporter())
    assert error.value.reason in ("truncated", "malformed")
    assert not table_exists(pg_config, "target")
    assert gzip  # the module wrote the file through the write_csv fixture


def test_a_connection_killed_mid_load_is_transient_and_the_retry_loads_each_row_once(
    pg_config: e.DestinationConfig, write_csv: CsvWriter, make_spec: SpecMaker
) -> None:
    import psycopg

    from .conftest import dsn

    class KillingReporter(RecordingReporter):
        killed: tuple[int, ...] = ()

        def progress(self, p: e.Progress) -> None:
            super().progress(p)
            if len(self.progress_seen) == 2:
                # Only this load's sessions, never other suites' loads on the same server: in this
                # database, and naming this test's own schema in their last statement (the writer's
                # connection) or holding a lock in it (the COPY sessions' open transactions).
                with psycopg.connect(dsn(pg_config), autocommit=True) as admin:
                    pids = admin.execute(
                        "SELECT a.pid FROM pg_stat_activity a WHERE a.datname = current_database() "
                        "AND a.application_name = 'etl-portal' AND a.pid <> pg_backend_pid() "
                        "AND (strpos(a.query, %s) > 0 OR EXISTS (SELECT 1 FROM pg_locks l "
                        "JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE l.pid = a.pid AND n.nspname = %s))",
                        (schema_of(pg_config), schema_of(pg_config)),
                    ).fetchall()
                    for (pid,) in pids:
                        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
                    self.killed = tuple(pid for (pid,) in pids)

    path = write_csv("id\n" + "".join(f"{i}\n" for i in range(6000)))
    spec = make_spec(path, pg_config, batch_size=1000, run_id="killed")
    killer = KillingReporter()
    with pytest.raises(e.DestinationUnreachable, match="connection"):
        e.run_job(spec, killer)
    assert killer.killed  # at least the writer's own connection
    assert not table_exists(pg_config, "target")
    result = e.run_job(spec, RecordingReporter())
    assert result.rows_loaded == 6000
    assert query(pg_config, f"SELECT count(*), count(DISTINCT id) FROM {target(pg_config)}") == [(6000, 6000)]


def test_bytes_invalid_in_the_detected_encoding_late_in_a_file_fail_the_run_clearly(
    duckdb_config: e.DestinationConfig, tmp_path: Path, make_spec: SpecMaker
) -> None:
    path = tmp_path / "late.csv"
    path.write_bytes(b"id,name\n" + b"1,plain ascii text\n" * 70000 + "2,Caf\xe9\n".encode("latin-1"))
    spec = make_spec(path, duckdb_config)
    assert isinstance(spec.source, e.FileSource)
    assert spec.source.csv.encoding == "utf-8"  # the first MiB is plain ASCII
    with pytest.raises(e.UnreadableFile) as error:
        e.run_job(spec, RecordingReporter())
    assert error.value.reason == "encoding"
    assert "choose its encoding" in str(error.value)
    assert not table_exists(duckdb_config, "target")
