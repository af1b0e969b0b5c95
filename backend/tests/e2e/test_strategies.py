"""Load strategies and the reject threshold for real: jobs posted over HTTP, run in Airflow, checked in
the destination PostgreSQL row by row."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from e2e_client import API, PortalClient

pytestmark = pytest.mark.e2e

# `qty` holds letters on two lines, so the file profiles it as TEXT; the jobs below map it to INTEGER,
# which rejects lines 3 and 5 (the header is line 1). Line 3 starts with `=`, a spreadsheet formula.
QTY_CSV = "qty,id,name\n10,1,alpha\n=1+2,2,beta\n30,3,gamma\nabc,4,delta\n50,5,epsilon\n"
QTY_MAPPINGS = [
    {"source_column": "qty", "target_column": "qty", "target_type": "INTEGER"},
    {"source_column": "id", "target_column": "id", "target_type": "INTEGER"},
    {"source_column": "name", "target_column": "name", "target_type": "TEXT"},
]
PEOPLE_MAPPINGS = [
    {"source_column": "id", "target_column": "id", "target_type": "INTEGER"},
    {"source_column": "name", "target_column": "name", "target_type": "TEXT"},
    {"source_column": "score", "target_column": "score", "target_type": "INTEGER"},
]


Upload = Callable[[str, str], dict[str, Any]]


@pytest.fixture
def upload(portal: PortalClient, tmp_path: Path) -> Upload:
    def upload_text(name: str, content: str) -> dict[str, Any]:
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        return portal.upload_csv(path)

    return upload_text


def run_job(portal: PortalClient, **job: Any) -> dict[str, Any]:
    """Create the job, execute it in Airflow and follow it to the end; the final run."""
    created = portal.create_job(target_schema="public", **job)
    final = portal.follow(portal.execute(created["id"])["id"])[-1].data
    assert isinstance(final, dict)
    return final


def assert_reconciled(run: dict[str, Any]) -> None:
    assert run["rows_read"] == run["rows_loaded"] + run["rows_rejected"] + run["rows_filtered"], run


def test_upsert_updates_matching_keys_inserts_new_ones_and_leaves_the_rest(
    portal: PortalClient, upload: Upload, pg_credential: dict[str, Any], dest: psycopg.Connection
) -> None:
    first = upload("first.csv", "id,name,score\n" + "".join(f"{i},old {i},{i}\n" for i in range(1, 7)))
    second = upload(
        "second.csv",
        "id,name,score\n1,new 1,100\n2,new 2,200\n3,new 3,300\n7,new 7,700\n8,new 8,800\n9,new 9,900\n",
    )
    common = {"credential_id": pg_credential["id"], "target_table": "upsert_people", "strategy": "UPSERT"}

    created = run_job(portal, name="upsert, new table", file_id=first["id"], upsert_keys=["id"], **common)
    merged = run_job(
        portal,
        name="upsert, existing table",
        file_id=second["id"],
        create_table=False,
        upsert_keys=["id"],
        mappings=PEOPLE_MAPPINGS,
        **common,
    )

    assert created["status"] == "COMPLETED", created
    assert merged["status"] == "COMPLETED", merged
    assert (merged["rows_read"], merged["rows_loaded"], merged["rows_rejected"]) == (6, 6, 0)
    assert_reconciled(merged)
    assert dest.execute("SELECT id, name, score FROM public.upsert_people ORDER BY id").fetchall() == [
        (1, "new 1", 100),
        (2, "new 2", 200),
        (3, "new 3", 300),
        (4, "old 4", 4),
        (5, "old 5", 5),
        (6, "old 6", 6),
        (7, "new 7", 700),
        (8, "new 8", 800),
        (9, "new 9", 900),
    ]


def test_truncate_insert_leaves_exactly_the_new_files_rows(
    portal: PortalClient, upload: Upload, pg_credential: dict[str, Any], dest: psycopg.Connection
) -> None:
    dest.execute("CREATE TABLE public.truncated_people (id integer, name text, score integer)")
    dest.execute("INSERT INTO public.truncated_people VALUES (1, 'before', 1), (5, 'old', 2), (6, 'old', 3)")
    file = upload("replacement.csv", "id,name,score\n1,after,10\n2,fresh,20\n")

    final = run_job(
        portal,
        name="truncate then insert",
        file_id=file["id"],
        credential_id=pg_credential["id"],
        target_table="truncated_people",
        create_table=False,
        strategy="TRUNCATE_INSERT",
        mappings=PEOPLE_MAPPINGS,
    )

    assert final["status"] == "COMPLETED", final
    assert (final["rows_read"], final["rows_loaded"]) == (2, 2)
    assert_reconciled(final)
    assert dest.execute("SELECT id, name, score FROM public.truncated_people ORDER BY id").fetchall() == [
        (1, "after", 10),
        (2, "fresh", 20),
    ]


def test_rejects_over_the_threshold_fail_the_run_and_leave_the_table_as_it_was(
    portal: PortalClient, upload: Upload, pg_credential: dict[str, Any], dest: psycopg.Connection
) -> None:
    dest.execute("CREATE TABLE public.guarded_qty (qty integer, id integer, name text)")
    dest.execute("INSERT INTO public.guarded_qty VALUES (99, 99, 'kept')")
    file = upload("qty.csv", QTY_CSV)

    final = run_job(
        portal,
        name="two rejects, one allowed",
        file_id=file["id"],
        credential_id=pg_credential["id"],
        target_table="guarded_qty",
        create_table=False,
        mappings=QTY_MAPPINGS,
        reject_threshold_count=1,
    )

    assert final["status"] == "FAILED", final
    assert "2 rejected rows exceed the limit of 1" in final["error_message"]
    assert "line 3, column qty" in final["error_message"]
    assert dest.execute("SELECT qty, id, name FROM public.guarded_qty").fetchall() == [(99, 99, "kept")]


def test_rejects_at_the_threshold_load_the_good_rows_and_list_each_bad_one(
    portal: PortalClient, upload: Upload, pg_credential: dict[str, Any], dest: psycopg.Connection
) -> None:
    file = upload("qty.csv", QTY_CSV)

    final = run_job(
        portal,
        name="two rejects, two allowed",
        file_id=file["id"],
        credential_id=pg_credential["id"],
        target_table="accepted_qty",
        mappings=QTY_MAPPINGS,
        reject_threshold_count=2,
    )
    listed = portal.http.get(f"{API}/job-runs/{final['id']}/rejected-rows").json()
    download = portal.http.get(f"{API}/job-runs/{final['id']}/rejected-rows.csv")

    assert final["status"] == "COMPLETED_WITH_REJECTS", final
    assert (final["rows_read"], final["rows_loaded"], final["rows_rejected"]) == (5, 3, 2)
    assert_reconciled(final)
    assert dest.execute("SELECT qty, id, name FROM public.accepted_qty ORDER BY id").fetchall() == [
        (10, 1, "alpha"),
        (30, 3, "gamma"),
        (50, 5, "epsilon"),
    ]
    assert listed["total"] == 2
    assert [(row["line_number"], row["column"]) for row in listed["items"]] == [(3, "qty"), (5, "qty")]
    assert "'=1+2' is not a valid INTEGER" in listed["items"][0]["reason"]
    assert "'abc' is not a valid INTEGER" in listed["items"][1]["reason"]
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["line_number", "column", "reason", "raw"]
    assert [row[:2] for row in rows[1:]] == [["3", "qty"], ["5", "qty"]]
    # The raw line starts with `=`: a spreadsheet would run it as a formula unless it is escaped.
    assert rows[1][3] == "'=1+2,2,beta"
    assert rows[2][3] == "abc,4,delta"
